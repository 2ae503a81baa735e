"""The agenda number's template (``[numbering] template``): reading a displayed number back,
the check that a template can be used at all, and the number as a folder name
(:func:`agenda_folder`, shared by the engine, ``recover`` and the notification channels).

A template is a :meth:`str.format` string with the placeholders ``{seq}`` (the sequence
of the year, with an optional format spec such as ``{seq:04d}``), ``{year}``, ``{kode}``
(``kode_klasifikasi``) and ``{unit}``. It must hold ``{seq}`` and ``{year}`` once each —
without ``{year}`` the second year's first number collides with the first year's — and
every rendered number must read back to its sequence and year (``recover`` rebuilds the
ledger from the numbers the sheet shows), so each of them must stand apart from other
digits: ``{seq}{year}`` (``12026``: 1/2026 or 12/026?) is refused.
"""

from __future__ import annotations

import re
import string

__all__ = ["PLACEHOLDERS", "agenda_folder", "agenda_pattern", "template_problem"]

PLACEHOLDERS = ("seq", "year", "kode", "unit")
_ALLOWED = (
    "placeholder yang diperbolehkan: {seq} (nomor urut, boleh berformat seperti {seq:04d}), "
    "{year} (tahun), {kode} (kode_klasifikasi), {unit}; contoh: '{seq:04d}/SIAPMAS/{year}' "
    "atau '{kode}/{seq}/{unit}/{year}'"
)


def agenda_pattern(template: str, kode: str, unit: str) -> re.Pattern[str]:
    """A regex that reads seq and year back out of a displayed agenda number."""
    out = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        out.append(re.escape(literal))
        if name == "seq":
            out.append(r"(?P<seq>\d+)")
        elif name == "year":
            out.append(r"(?P<year>\d{4})")
        elif name == "kode":
            out.append(re.escape(kode))
        elif name == "unit":
            out.append(re.escape(unit))
    return re.compile("^" + "".join(out) + "$")


def template_problem(template: str, kode: str, unit: str) -> str | None:
    """Why *template* cannot number agenda items (Indonesian, naming what is allowed), or
    None when it can."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        return f"template '{template}' tidak dapat dibaca ({exc}); {_ALLOWED}"
    names = [name for _lit, name, _spec, _conv in parts if name is not None]
    unknown = sorted({n or "{}" for n in names if n not in PLACEHOLDERS})
    if unknown:
        shown = ", ".join("{}" if n == "{}" else "{" + n + "}" for n in unknown)
        return f"placeholder {shown} tidak dikenal; {_ALLOWED}"
    if any(conv for _lit, name, _spec, conv in parts if name is not None):
        return f"konversi seperti '!r' tidak diperbolehkan; {_ALLOWED}"
    for needed in ("seq", "year"):
        count = names.count(needed)
        if count != 1:
            what = "harus memuat" if count == 0 else "hanya boleh memuat satu kali"
            return f"template {what} {{{needed}}}; {_ALLOWED}"
    values = {"kode": kode, "unit": unit}
    pattern = agenda_pattern(template, kode, unit)
    for seq, year in ((1, 2026), (12345, 2026), (7, 2031)):
        try:
            rendered = template.format(seq=seq, year=year, **values)
        except (KeyError, IndexError, ValueError, TypeError) as exc:
            return f"template tidak dapat dibentuk untuk nomor urut {seq} ({exc}); {_ALLOWED}"
        segments = _segments(parts, seq, year, values)
        for i, (name, text) in enumerate(segments):
            if name not in ("seq", "year"):
                continue
            before = "".join(t for _n, t in segments[:i])[-1:]
            after = "".join(t for _n, t in segments[i + 1:])[:1]
            if before.isdigit() or after.isdigit() or not text.isdigit():
                return (f"{{{name}}} harus berdiri sendiri, dipisahkan dari angka lain oleh tanda "
                        f"seperti '/' atau '.': '{rendered}' tidak dapat dibaca kembali; {_ALLOWED}")
        m = pattern.match(rendered)
        if m is None or int(m["seq"]) != seq or int(m["year"]) != year:
            return (f"nomor '{rendered}' tidak dapat dibaca kembali menjadi nomor urut {seq} "
                    f"tahun {year}; {_ALLOWED}")
        if len(rendered) > 100:
            return f"nomor agenda terlalu panjang ({len(rendered)} karakter, paling banyak 100)"
    return None


def _segments(parts: list[tuple[str, str | None, str | None, str | None]], seq: int, year: int,
              values: dict[str, str]) -> list[tuple[str, str]]:
    """The rendered number as (placeholder or "", text) pieces."""
    out: list[tuple[str, str]] = []
    for literal, name, spec, _conv in parts:
        if literal:
            out.append(("", literal))
        if name is not None:
            value = {"seq": seq, "year": year, **values}[name]
            out.append((name, format(value, spec or "")))
    return out


def agenda_folder(agenda_no: str) -> str:
    """A safe folder name for an agenda number ('0001/SIAPMAS/2026' → '0001-SIAPMAS-2026')."""
    return re.sub(r"[^0-9A-Za-z._-]+", "-", agenda_no).strip("-.") or "agenda"
