"""The recap's charts, drawn with matplotlib (Agg canvas, no pyplot state) as PNG bytes.

Readable when printed in black and white: series differ by hatching, line style and
marker, and every bar and point carries its value as a direct label — colour is only a
grey-scale extra. Text uses the DejaVu fonts shipped in ``siapmas_sync/fonts`` (the same
as the PDF's).

Why PNG at 200 dpi and not vector: reportlab draws a PNG natively, the result is the same
on every platform and needs no extra converter (svglib) or PDF page merging; at 200 dpi on
A4 the labels print sharp, and the figures the charts show are also in the PDF's tables as
real (searchable) text.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..documents.common import FONT_DIR

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

__all__ = ["DPI", "akd_chart", "kecamatan_chart", "sla_chart", "stage_chart", "trend_chart"]

DPI = 200
_lock = threading.Lock()
_ready = False
_RC: dict[RcKeyType, object] = {
    "font.family": "DejaVu Sans", "font.size": 8, "axes.titlesize": 9.5, "axes.titleweight": "bold",
    "axes.spines.top": False, "axes.spines.right": False, "hatch.linewidth": 0.6,
}
_DARK, _MID, _LIGHT = "#333333", "#8c8c8c", "#ffffff"


def _setup() -> None:
    global _ready
    with _lock:
        if not _ready:
            for f in sorted(FONT_DIR.glob("DejaVuSans*.ttf")):
                font_manager.fontManager.addfont(str(f))
            _ready = True


def _figure(width_in: float, height_in: float) -> tuple[Figure, Any]:
    _setup()
    import matplotlib

    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(width_in, height_in), dpi=DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
    return fig, ax


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    import matplotlib

    with matplotlib.rc_context(_RC):
        fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def _style_text(ax: Any) -> None:
    for t in [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.get_xticklabels(), *ax.get_yticklabels()]:
        t.set_fontfamily("DejaVu Sans")


def trend_chart(by_month: Sequence[Mapping[str, Any]], title: str) -> bytes:
    """Received / finished / open per month: three lines told apart by style and marker."""
    fig, ax = _figure(7.2, 2.7)
    labels = [m["label"] for m in by_month]
    x = list(range(len(labels)))
    series = (("received", "Diterima", "-", "o", _DARK), ("finished", "Selesai", "--", "s", _MID),
              ("open", "Masih terbuka", ":", "^", _DARK))
    top = max([1] + [m[k] for m in by_month for k, *_ in series])
    for key, name, ls, marker, colour in series:
        ys = [m[key] for m in by_month]
        ax.plot(x, ys, linestyle=ls, marker=marker, color=colour, markerfacecolor=_LIGHT if marker != "o" else colour,
                linewidth=1.4, markersize=4.5, label=name)
        if key == "received":
            for xi, yi in zip(x, ys):
                ax.annotate(str(yi), (xi, yi), textcoords="offset points", xytext=(0, 5), ha="center", fontsize=7)
    ax.set_xticks(x, labels, rotation=0, fontsize=6.8)
    ax.set_ylim(0, top * 1.25 + 0.5)
    ax.set_ylabel("Jumlah aduan")
    ax.set_title(title, loc="left")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.grid(axis="y", color="#dddddd", linewidth=0.5)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, frameon=False, fontsize=7.5)  # below the months
    _style_text(ax)
    fig.tight_layout()
    return _png(fig)


def _barh_labels(ax: Any, bars: Any, values: Sequence[int]) -> None:
    for bar, v in zip(bars, values):
        ax.annotate(str(v), (bar.get_width(), bar.get_y() + bar.get_height() / 2), textcoords="offset points",
                    xytext=(3, 0), va="center", fontsize=7)


def _height(n: int) -> float:
    return max(1.5, 0.55 + 0.165 * n)


def akd_chart(suggested: Mapping[str, int], decided: Mapping[str, int], title: str) -> bytes:
    """Usulan (hatched, white) beside Keputusan (solid grey) for each AKD."""
    names = list(dict.fromkeys([*suggested, *decided]))
    names.sort(key=lambda n: (-(suggested.get(n, 0) + decided.get(n, 0)), n))
    names.reverse()  # largest at the top
    fig, ax = _figure(7.2, _height(round(len(names) * 2.2)))
    y = list(range(len(names)))
    h = 0.4
    s_vals = [suggested.get(n, 0) for n in names]
    d_vals = [decided.get(n, 0) for n in names]
    b1 = ax.barh([i + h / 2 for i in y], s_vals, height=h, color=_LIGHT, edgecolor=_DARK, hatch="////",
                 linewidth=0.7, label="Usulan sistem")
    b2 = ax.barh([i - h / 2 for i in y], d_vals, height=h, color=_MID, edgecolor=_DARK, linewidth=0.7,
                 label="Keputusan (diteruskan ke)")
    _barh_labels(ax, b1, s_vals)
    _barh_labels(ax, b2, d_vals)
    ax.set_yticks(y, names)
    ax.set_xlim(0, max([1, *s_vals, *d_vals]) * 1.15 + 0.5)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_title(title, loc="left")
    ax.legend(loc="lower right", frameon=False, fontsize=7.5)
    _style_text(ax)
    fig.tight_layout()
    return _png(fig)


def _simple_barh(values: Mapping[str, int], title: str, *, sort: bool, special: frozenset[str] = frozenset()) -> bytes:
    items = list(values.items())
    if sort:
        items.sort(key=lambda kv: (-kv[1], kv[0]))
    items.reverse()
    fig, ax = _figure(7.2, _height(len(items)))
    y = list(range(len(items)))
    vals = [v for _, v in items]
    bars = ax.barh(y, vals, height=0.62, color=_MID, edgecolor=_DARK, linewidth=0.7)
    for bar, (name, _) in zip(bars, items):
        if name in special:  # not a place: told apart by hatching, not by colour
            bar.set_facecolor(_LIGHT)
            bar.set_hatch("xxx")
    _barh_labels(ax, bars, vals)
    ax.set_yticks(y, [k for k, _ in items])
    ax.set_xlim(0, max([1, *vals]) * 1.15 + 0.5)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_title(title, loc="left")
    _style_text(ax)
    fig.tight_layout()
    return _png(fig)


def stage_chart(by_stage: Mapping[str, int], title: str) -> bytes:
    """Items per current stage, in SOP order (top = first stage)."""
    return _simple_barh(by_stage, title, sort=False)


def kecamatan_chart(by_kecamatan: Mapping[str, int], title: str) -> bytes:
    """Items per kecamatan, largest first; the unknown / several rows are hatched."""
    from .kecamatan import LEBIH_DARI_SATU, TIDAK_DIKETAHUI

    return _simple_barh(by_kecamatan, title, sort=True, special=frozenset({LEBIH_DARI_SATU, TIDAK_DIKETAHUI}))


def sla_chart(sla: Mapping[str, Mapping[str, Any]], title: str) -> bytes:
    """Per stage: moves within the standard (white, dotted hatch) and beyond it (dark)."""
    names = list(sla)[::-1]
    fig, ax = _figure(7.2, _height(len(names)) + 0.5)
    y = list(range(len(names)))
    within = [sla[n]["within"] for n in names]
    beyond = [sla[n]["count"] - sla[n]["within"] for n in names]
    ax.barh(y, within, height=0.62, color=_LIGHT, edgecolor=_DARK, hatch="....", linewidth=0.7,
            label="Memenuhi mutu baku")
    ax.barh(y, beyond, left=within, height=0.62, color=_DARK, edgecolor=_DARK, linewidth=0.7,
            label="Melebihi mutu baku")
    top = max([1] + [w + b for w, b in zip(within, beyond)])
    for i, (w, b) in enumerate(zip(within, beyond)):
        total = w + b
        text = f"{w}/{total} ({round(100 * w / total)}%)" if total else "tidak ada perpindahan"
        ax.annotate(text, (total, i), textcoords="offset points", xytext=(4, 0), va="center", fontsize=7)
    ax.set_yticks(y, names)
    ax.set_xlim(0, top * 1.45 + 0.5)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("Jumlah perpindahan tahap")
    ax.set_title(title, loc="left")
    ax.legend(loc="lower right", frameon=False, fontsize=7.5)
    _style_text(ax)
    fig.tight_layout()
    return _png(fig)
