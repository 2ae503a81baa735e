"""Editable Word documents (.docx) filled from templates with docxtpl (python-docx + jinja2).

Three templates ship with the package (``siapmas_sync/defaults/templates/``, identical to
``templates/`` at the repository root, which also holds the script that builds them):

* ``lembar_disposisi.docx`` — the disposition form, editable;
* ``kartu_kendali.docx`` — the incoming control card (15 × 10 cm, three copies);
* ``surat_balasan.docx`` — the *surat balasan tindak lanjut* to the reporter.

An IT admin may put an edited copy with the same file name in the user's template folder;
:func:`render_docx` takes the first folder in *template_dirs* that has the file, so the
user's folder (listed first) overrides the shipped one. A template must only use the
placeholders listed below: an unknown one, a jinja syntax error or a file that is not a
Word document is a :class:`~siapmas_sync.errors.ConfigError` naming the file — never a
half-filled letter.

Context variables (built by :func:`template_context`; every value is text unless noted)
---------------------------------------------------------------------------------------
Item:
  ``agenda_no`` (e.g. "0001/SIAPMAS/2026"), ``no_urut`` ("1"), ``tahun`` ("2026"),
  ``perihal``, ``isi_ringkas`` (perihal on one line), ``kronologi`` (multi-line),
  ``sifat``, ``kode_klasifikasi``, ``indeks``, ``tahap``, ``kelengkapan``,
  ``diterima`` ("28 November 2026"), ``diterima_waktu`` ("28 November 2026 14.05 WIB"),
  ``diagendakan`` (registration time, same form), ``tanggal_surat``, ``nomor_surat`` ("-"),
  ``lampiran`` ("2 berkas bukti dukung" or "-"), ``jumlah_bukti`` ("2"),
  ``bukti`` (list, for ``{% for b in bukti %}``: ``b.nama``, ``b.ukuran``, ``b.jenis``,
  ``b.tautan``).
Reporter (all "Dirahasiakan" when the item is *rahasia*; perihal, kronologi, catatan and
tindak lanjut then have the name/phone/e-mail removed):
  ``pelapor``, ``telepon``, ``email``.
Disposition and follow-up:
  ``tujuan`` (the AKD that followed up; dotted line when unknown), ``usulan_tujuan``
  (the system's routing suggestion, a suggestion only), ``diteruskan_kepada``, ``harap``
  (recorded choices, comma-separated), ``tujuan_lainnya``, ``harap_lainnya`` (choices
  outside the printed checklist, or a dotted line), ``catatan``, ``tindak_lanjut``
  (multi-line; dotted line when empty), ``kepada``, ``pengolah``, ``tgl_diteruskan``,
  ``judul_kartu`` (the card's fields come from documents.kartu, as the PDF's).
Check boxes, "☒" when chosen else "☐":
  ``cek.sifat_sangat_segera``, ``cek.sifat_segera``, ``cek.sifat_rahasia``,
  ``cek.sifat_biasa``; ``cek.kabag_umum``, ``cek.kabag_persidangan``, ``cek.komisi_i``,
  ``cek.komisi_ii``, ``cek.komisi_iii``, ``cek.komisi_iv``, ``cek.bapemperda``,
  ``cek.banggar``, ``cek.badan_kehormatan``, ``cek.bamus``, ``cek.tujuan_lainnya``;
  ``cek.tanggapan_saran``, ``cek.proses_lanjut``, ``cek.koordinasi``,
  ``cek.ditindaklanjuti``, ``cek.diketahui``, ``cek.rdp``, ``cek.diarsipkan``,
  ``cek.harap_lainnya``.
  ``usulan.<same key as the cek.* of the Diteruskan list>`` is "(usulan sistem)" next to
  the suggested AKD and "" elsewhere — the suggestion is noted, never ticked.
Paraf grid: ``paraf.kasubag_tu``, ``paraf.kabag``, ``paraf.sekretaris_dprd``,
  ``paraf.ketua_dprd``, each with ``.tanggal``, ``.instruksi`` and ``.oleh`` (who).
Letterhead: ``kop.pemerintah``, ``kop.instansi``, ``kop.alamat``, ``kop.email``,
  ``kop.website``, ``kop.telepon``, ``kop.kontak`` (e-mail · laman · telp on one line);
  ``lembaga`` ("DPRD Kabupaten Mojokerto", from ``kop.instansi``).
Letter: ``nomor_balasan``, ``tanggal_balasan`` (dotted lines unless given through
  *penandatangan* keys ``nomor`` / ``tanggal``), ``penandatangan.nama``,
  ``penandatangan.nip``, ``penandatangan.pangkat``, ``penandatangan.jabatan`` (default
  "Sekretaris DPRD Kabupaten Mojokerto") and any further key passed in *penandatangan*.

Text is made safe for WordprocessingML (control characters dropped, line breaks kept as
Word line breaks) but, unlike the PDFs, not reduced to the shipped fonts' glyphs: Word
and LibreOffice substitute fonts for emoji and other scripts themselves. Jinja runs
sandboxed, with autoescaping and StrictUndefined.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from siapmas_sync.documents.common import (
    HIDDEN, atomic_write_bytes, jenis_id, redact, tanggal_id, telepon_id, truncate, ukuran_id, waktu_id,
)
from siapmas_sync.documents.disposisi import DOTS, HARAP, PARAF, SIFAT, TUJUAN, _match
from siapmas_sync.documents.drawing import kontak_line
from siapmas_sync.documents.kartu import KartuConfig, kartu_fields
from siapmas_sync.errors import ConfigError
from siapmas_sync.models import KURANG, AgendaItem, DisposisiRecord, Kop
from siapmas_sync.register import full_perihal

__all__ = [
    "TEMPLATE_NAMES", "check_template", "context_names", "docx_text", "find_template",
    "normalise_docx_zip", "render_docx", "shipped_template_dir", "template_context",
]

#: the templates shipped with the package
TEMPLATE_NAMES = ("lembar_disposisi.docx", "kartu_kendali.docx", "surat_balasan.docx")

CHECKED = "☒"
UNCHECKED = "☐"
USULAN = "(usulan sistem)"

# context keys of the printed checklists (same order as the PDF lists); an option added to
# the PDF lists later gets a key derived from its label
_KEYS = {
    "Sangat Segera": "sifat_sangat_segera", "Segera": "sifat_segera", "Rahasia": "sifat_rahasia",
    "Biasa": "sifat_biasa",
    "Kabag Umum & Keuangan": "kabag_umum", "Kabag Persidangan & PUU": "kabag_persidangan",
    "Komisi I": "komisi_i", "Komisi II": "komisi_ii", "Komisi III": "komisi_iii", "Komisi IV": "komisi_iv",
    "Bapemperda": "bapemperda", "Banggar": "banggar", "Badan Kehormatan": "badan_kehormatan",
    "Bamus": "bamus",
    "Tanggapan dan saran": "tanggapan_saran", "Proses lebih lanjut": "proses_lanjut",
    "Koordinasi/konfirmasikan": "koordinasi", "Untuk ditindaklanjuti": "ditindaklanjuti",
    "Untuk diketahui": "diketahui", "Dijadwalkan RDP": "rdp", "Diarsipkan": "diarsipkan",
    "Kasubag TU": "kasubag_tu", "Kabag": "kabag", "Sekretaris DPRD": "sekretaris_dprd",
    "Ketua DPRD": "ketua_dprd",
}


def _keys(options: Sequence[str], prefix: str = "") -> dict[str, str]:
    return {o: _KEYS.get(o) or prefix + "_".join(re.findall(r"[a-z0-9]+", o.lower())) for o in options}


_SIFAT_KEYS = _keys(SIFAT, "sifat_")
_TUJUAN_KEYS = _keys(TUJUAN)
_HARAP_KEYS = _keys(HARAP)
_PARAF_KEYS = _keys(PARAF)

_ADVICE_FIX = (
    "Perbaiki templat di Word, atau hapus berkas itu dari folder templat pengguna agar "
    "templat bawaan dipakai."
)

# --- text -------------------------------------------------------------------------------

_NEWLINES = re.compile(r"\r\n|[\r\u2028\u2029\x85\x0b\x0c]")


def docx_text(value: object) -> str:
    """*value* as text WordprocessingML can hold: NFC, ``\\n`` line breaks, no control chars.

    Tabs stay (docxtpl turns them into Word tabs); lone surrogates become U+FFFD; the
    XML-forbidden U+FFFE/U+FFFF and other control characters are dropped.
    """
    if value is None:
        return ""
    s = _NEWLINES.sub("\n", unicodedata.normalize("NFC", str(value)))
    out: list[str] = []
    for ch in s:
        if ch in "\n\t":
            out.append(ch)
            continue
        cat = unicodedata.category(ch)
        if cat == "Cc" or ch in "\ufffe\uffff":
            continue
        out.append("\ufffd" if cat == "Cs" else ch)
    return "".join(out)


def _line(value: object) -> str:
    """:func:`docx_text` on one line, whitespace collapsed."""
    return " ".join(docx_text(value).split())


def _sanitise(value: Any) -> Any:
    """Deep copy of a context with every string passed through :func:`docx_text`."""
    if isinstance(value, str):
        return docx_text(value)
    if isinstance(value, Mapping):
        return {str(k): _sanitise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_sanitise(v) for v in value]
    return value


def _lembaga(kop: Kop) -> str:
    """'DPRD Kabupaten Mojokerto' from 'SEKRETARIAT DPRD KABUPATEN MOJOKERTO'."""
    words = _line(kop.instansi).split()
    if words and words[0].lower() == "sekretariat":
        words = words[1:]
    keep = {"DPRD", "DPR", "RI", "UPT", "OPD"}
    return " ".join(w if w.upper() in keep else w[:1].upper() + w[1:].lower() for w in words)


def _box(on: bool) -> str:
    return CHECKED if on else UNCHECKED


# --- context --------------------------------------------------------------------------


def template_context(
    item: AgendaItem,
    kop: Kop,
    *,
    disposisi: DisposisiRecord | None = None,
    tindak_lanjut: str = "",
    tujuan: str = "",
    penandatangan: dict[str, str] | None = None,
    kartu: KartuConfig | None = None,
) -> dict:
    """The placeholder values for *item* (see the module docstring for the full list).

    When ``item.rahasia`` the reporter's name, phone and e-mail never appear: ``pelapor``,
    ``telepon`` and ``email`` are "Dirahasiakan" and free texts are redacted.
    *tujuan* is the AKD that followed up (default: the recorded disposition);
    *penandatangan* gives ``nama``, ``nip``, ``pangkat``, ``jabatan`` of the letter's
    signatory and optionally ``nomor`` / ``tanggal`` of the letter; *kartu* is ``[kendali]``
    (the card's Indeks, Kepada, Pengolah — the same fields as the PDF, documents.kartu).
    """
    sub = item.submission
    hide = item.rahasia
    rec = disposisi or DisposisiRecord()

    def free(text: object) -> str:
        return redact(docx_text(text).strip(), item, hide)

    lembaga = _lembaga(kop)
    card = kartu_fields(item, kop, kartu, diteruskan_ke=_line(tujuan) or ", ".join(rec.diteruskan_kepada))

    # checklists, ticked only from what officials recorded
    chosen_sifat = _match(item.sifat or "", SIFAT)
    ticked_t = {m for e in rec.diteruskan_kepada if (m := _match(e, TUJUAN))}
    other_t = [_line(e) for e in rec.diteruskan_kepada if not _match(e, TUJUAN) and _line(e)]
    ticked_h = {m for e in rec.harap if (m := _match(e, HARAP))}
    other_h = [_line(e) for e in rec.harap if not _match(e, HARAP) and _line(e)]
    usulan = _match(item.routing.tujuan or "", TUJUAN) or _match(item.routing.label or "", TUJUAN)

    cek: dict[str, str] = {}
    for opt, key in _SIFAT_KEYS.items():
        cek[key] = _box(opt == chosen_sifat)
    for opt, key in _TUJUAN_KEYS.items():
        cek[key] = _box(opt in ticked_t)
    cek["tujuan_lainnya"] = _box(bool(other_t))
    for opt, key in _HARAP_KEYS.items():
        cek[key] = _box(opt in ticked_h)
    cek["harap_lainnya"] = _box(bool(other_h))

    paraf = {key: {"tanggal": "", "instruksi": "", "oleh": ""} for key in _PARAF_KEYS.values()}
    for entry in rec.paraf:
        jab = _match(str(entry[0]) if entry else "", PARAF)
        if jab and len(entry) >= 3:
            paraf[_PARAF_KEYS[jab]] = {"tanggal": _line(entry[1]), "instruksi": free(entry[2]),
                                       "oleh": _line(entry[3]) if len(entry) > 3 else ""}

    followed = _line(tujuan) or ", ".join(_line(e) for e in rec.diteruskan_kepada if _line(e))
    ttd_in = {str(k): docx_text(v) for k, v in (penandatangan or {}).items()}
    ttd = {
        "nama": ttd_in.pop("nama", "") or DOTS,
        "nip": ttd_in.pop("nip", "") or DOTS,
        "pangkat": ttd_in.pop("pangkat", ""),
        "jabatan": ttd_in.pop("jabatan", "") or f"Sekretaris {lembaga}",
    }
    nomor_balasan = ttd_in.pop("nomor", "") or f"{item.kode_klasifikasi}/………/{item.year}"
    tanggal_balasan = ttd_in.pop("tanggal", "") or DOTS
    ttd.update({k: v for k, v in ttd_in.items() if k.isidentifier()})

    bukti = [
        {
            "nama": redact(_line(ev.name or "(nama berkas tidak diketahui)"), item, hide),
            "ukuran": ukuran_id(ev.size),
            "jenis": jenis_id(ev.mime),
            "tautan": _line(ev.url),
        }
        for ev in item.evidence
    ]
    kurang = [f.message for f in item.findings if f.severity == KURANG]
    received = sub.received_at
    # never a cut sentence: the officials' perihal, or the whole first sentence
    perihal = _line(redact(full_perihal(item.perihal, sub.kronologi), item, hide)) or "-"

    return {
        "agenda_no": _line(item.agenda_no),
        "no_urut": str(item.seq),
        "tahun": str(item.year),
        "pelapor": HIDDEN if hide else _line(item.pelapor),
        "telepon": HIDDEN if hide else (_line(telepon_id(sub.telepon)) or "-"),
        "email": HIDDEN if hide else (_line(sub.email or sub.email_pengumpul) or "-"),
        "perihal": perihal,
        "isi_ringkas": truncate(perihal, 200),
        "kronologi": free(sub.kronologi) or "-",
        "sifat": _line(chosen_sifat or item.sifat) or "Biasa",
        "kode_klasifikasi": _line(item.kode_klasifikasi) or "-",
        "indeks": _line(card.indeks),
        "judul_kartu": card.judul,
        "tahap": _line(item.tahap),
        "kelengkapan": "Lengkap" if not kurang else "Perlu kelengkapan: " + "; ".join(kurang),
        "diterima": tanggal_id(received),
        "diterima_waktu": waktu_id(received, with_day=False),
        "diagendakan": waktu_id(item.registered_at or received, with_day=False),
        "tanggal_surat": tanggal_id(received),
        "nomor_surat": "-",
        "lampiran": f"{len(bukti)} berkas bukti dukung" if bukti else "-",
        "jumlah_bukti": str(len(bukti)),
        "bukti": bukti,
        "tujuan": followed or DOTS,
        "usulan_tujuan": _line(item.routing.label or item.routing.tujuan) or "-",
        "diteruskan_kepada": ", ".join(_line(e) for e in rec.diteruskan_kepada if _line(e)),
        "harap": ", ".join(_line(e) for e in rec.harap if _line(e)),
        "tujuan_lainnya": ", ".join(other_t) or DOTS,
        "harap_lainnya": ", ".join(other_h) or DOTS,
        "catatan": free(rec.catatan),
        "tindak_lanjut": free(tindak_lanjut) or DOTS,
        "kepada": _line(card.kepada),
        "pengolah": _line(card.pengolah),
        "tgl_diteruskan": "",
        "lembaga": lembaga,
        "nomor_balasan": nomor_balasan,
        "tanggal_balasan": tanggal_balasan,
        "cek": cek,
        # the system's suggestion only while the officials decided nothing
        "usulan": {key: USULAN if opt == usulan and not (ticked_t or other_t) else "" for opt, key in _TUJUAN_KEYS.items()},
        "paraf": paraf,
        "kop": {
            "pemerintah": _line(kop.pemerintah),
            "instansi": _line(kop.instansi),
            "alamat": _line(kop.alamat),
            "email": _line(kop.email),
            "website": _line(kop.website),
            "telepon": _line(kop.telepon),
            "kontak": _line(kontak_line(kop)),
        },
        "penandatangan": ttd,
    }


def context_names(context: Mapping[str, Any]) -> set[str]:
    """Every placeholder name a context offers: top-level keys and dotted paths into dicts."""
    out: set[str] = set()

    def walk(prefix: str, value: Any) -> None:
        out.add(prefix)
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(f"{prefix}.{k}", v)

    for key, value in context.items():
        walk(str(key), value)
    return out


# --- templates ------------------------------------------------------------------------


def shipped_template_dir() -> Path:
    """The folder of the templates that ship with the package."""
    return Path(__file__).resolve().parent / "defaults" / "templates"


def find_template(template_name: str, template_dirs: Sequence[Path]) -> Path:
    """The first ``<dir>/<template_name>`` that exists; ConfigError when none does."""
    name = str(template_name)
    if not name or Path(name).name != name or name in (".", ".."):
        raise ConfigError(
            f"Nama templat tidak sah: {name!r}.",
            "Gunakan nama berkas saja, misalnya surat_balasan.docx.",
        )
    for d in template_dirs:
        candidate = Path(d) / name
        if candidate.is_file():
            return candidate
    where = ", ".join(str(d) for d in template_dirs) or "(tidak ada folder)"
    raise ConfigError(
        f"Templat {name} tidak ditemukan di: {where}.",
        "Periksa pengaturan folder templat; templat bawaan ada di " + str(shipped_template_dir()) + ".",
    )


#: template versions remembered by the two caches below (a few templates, each a few parts)
_KEEP = 64


def _remembered(cache: dict[str, Any], source: str, make: Callable[[], Any]) -> Any:
    """``cache[source]``, made with *make* the first time; the oldest entry goes past _KEEP."""
    out = cache.get(source)
    if out is None:
        if len(cache) >= _KEEP:
            cache.pop(next(iter(cache)))
        out = cache[source] = make()
    return out


class _CompilingOnceEnvironment(SandboxedEnvironment):
    """The sandbox docxtpl renders in, keeping the templates it compiled.

    docxtpl hands the template's document XML to ``from_string`` on every render; the XML
    of one template version is the same each time, and compiling it was a third of the
    time of a DOCX. Compiled templates are kept by their source (bounded)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._compiled: dict[str, Any] = {}

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Any:  # noqa: A002
        if globals or template_class or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        parent = super()
        return _remembered(self._compiled, source, lambda: parent.from_string(source))


_ENV: _CompilingOnceEnvironment | None = None


def _env() -> SandboxedEnvironment:
    global _ENV
    if _ENV is None:
        _ENV = _CompilingOnceEnvironment(undefined=StrictUndefined, autoescape=True)
    return _ENV


_PATCHED: dict[str, Any] = {}  # template part XML → docxtpl's jinja-ready version of it
_TEMPLATE_CLASS: Any = None


def _template_class() -> Any:
    """DocxTemplate whose patch_xml (regular expressions turning Word's split runs into
    jinja tags) runs once per distinct template part: the same template gives the same
    XML every time, and patching it was a third of the time of a DOCX."""
    global _TEMPLATE_CLASS
    if _TEMPLATE_CLASS is None:
        from docxtpl import DocxTemplate

        class PatchOnceTemplate(DocxTemplate):  # type: ignore[misc]
            def patch_xml(self, src_xml: str) -> str:
                parent = super()
                return str(_remembered(_PATCHED, src_xml, lambda: parent.patch_xml(src_xml)))

        _TEMPLATE_CLASS = PatchOnceTemplate
    return _TEMPLATE_CLASS


def _open(path: Path) -> Any:
    """A loaded DocxTemplate, or ConfigError when *path* is not a Word document."""
    try:
        tpl = _template_class()(str(path))
        tpl.init_docx()
        tpl.get_xml()
    except Exception as exc:  # zipfile, lxml, python-docx: all mean "not a usable .docx"
        raise ConfigError(
            f"Templat {path.name} bukan dokumen Word (.docx) yang sah ({type(exc).__name__}).",
            "Simpan templat dari Word dengan format \"Word Document (*.docx)\", atau hapus "
            "berkas itu dari folder templat pengguna agar templat bawaan dipakai.",
        ) from exc
    return tpl


def _template_parts(tpl: Any) -> list[tuple[str, str]]:
    """(part label, jinja source) of everything docxtpl renders: body, headers, footers, properties."""
    parts = [("isi dokumen", tpl.patch_xml(tpl.get_xml()))]
    for uri, label in ((tpl.HEADER_URI, "header"), (tpl.FOOTER_URI, "footer")):
        for rel in tpl.docx.part.rels.values():
            if rel.reltype == uri and not rel.is_external and rel.target_part.blob:
                xml = rel.target_part.blob.decode("utf-8", "replace")
                parts.append((label, tpl.patch_xml(xml)))
    props = tpl.docx.core_properties
    for prop in ("author", "comments", "identifier", "language", "subject", "title"):
        value = getattr(props, prop) or ""
        if "{" in value:
            parts.append((f"properti {prop}", value))
    return parts


def _sentence(text: str) -> str:
    """*text* ending with exactly one full stop."""
    return str(text).strip().rstrip(".") + "."


def _plain(xml: str, limit: int = 90) -> str:
    text = " ".join(re.sub(r"<[^>]+>", "", xml).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _paths(node: nodes.Node, out: list[str]) -> None:
    """Collect dotted paths (``kop.instansi``) of attribute chains rooted at a name."""
    chain: list[str] = []
    cur = node
    while True:
        if isinstance(cur, nodes.Getattr):
            chain.append(cur.attr)
            cur = cur.node
        elif isinstance(cur, nodes.Getitem) and isinstance(cur.arg, nodes.Const) and isinstance(cur.arg.value, str):
            chain.append(cur.arg.value)
            cur = cur.node
        else:
            break
    if chain and isinstance(cur, nodes.Name):
        out.append(".".join([cur.name, *reversed(chain)]))
        return
    for child in node.iter_child_nodes():
        _paths(child, out)


def _unknown(ast: nodes.Template, env: SandboxedEnvironment, known: Collection[str]) -> list[str]:
    roots = meta.find_undeclared_variables(ast) - set(env.globals)
    known_set = set(known)
    prefixes = {k.rsplit(".", 1)[0] for k in known_set if "." in k}
    leaves = {k for k in known_set if k not in prefixes}
    paths: list[str] = []
    _paths(ast, paths)
    bad: list[str] = [r for r in sorted(roots) if r not in known_set]
    for p in paths:
        root = p.split(".", 1)[0]
        if root not in roots or root in bad or p in known_set:
            continue
        parts = p.split(".")
        # attribute access on a text value (e.g. ``perihal.upper``) is the template's own business
        if any(".".join(parts[:i]) in leaves for i in range(1, len(parts))):
            continue
        if p not in bad:
            bad.append(p)
    return bad


def _check(tpl: Any, path: Path, known: Collection[str]) -> None:
    env = _env()
    unknown: list[str] = []
    for label, source in _template_parts(tpl):
        marked = re.sub(r"<w:p([ >])", r"\n<w:p\1", source)
        try:
            ast = env.parse(marked)
            names = _unknown(ast, env, known)  # compiles too: unknown filters/tests fail here
        except TemplateSyntaxError as exc:
            lines = marked.splitlines()
            near = _plain(lines[exc.lineno - 1]) if exc.lineno and exc.lineno <= len(lines) else ""
            where = f' di dekat "{near}"' if near else ""
            raise ConfigError(
                f"Templat {path.name} mengandung kesalahan sintaks placeholder ({label}){where}: "
                f"{_sentence(exc.message)}",
                "Periksa pasangan {{ }} dan {% %} di Word. " + _ADVICE_FIX,
            ) from exc
        for name in names:
            if name not in unknown:
                unknown.append(name)
    if unknown:
        shown = ", ".join("{{ " + n + " }}" for n in unknown)
        prefixes = {k.rsplit(".", 1)[0] for k in known if "." in k}
        available = ", ".join(sorted((k for k in known if k not in prefixes), key=lambda k: ("." in k, k)))
        raise ConfigError(
            f"Templat {path.name} memakai placeholder yang tidak dikenal: {shown}. "
            f"Yang tersedia: {available}.",
            _ADVICE_FIX,
        )


def check_template(path: Path, known: set[str]) -> None:
    """Raise ConfigError unless *path* is a .docx whose placeholders are all in *known*.

    *known* holds placeholder names as from :func:`context_names` (``agenda_no``,
    ``kop.instansi``, …). The message names the template file, the unknown
    placeholder(s) and the available ones; a jinja syntax error or a file that is not a
    Word document is a ConfigError too.
    """
    path = Path(path)
    _check(_open(path), path, known)


def normalise_docx_zip(data: bytes) -> bytes:
    """Re-pack a .docx with fixed entry timestamps so equal content gives equal bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


_CHECKED: set[tuple[str, int, int, frozenset[str]]] = set()


def render_docx(template_name: str, context: dict, out_path: Path, *, template_dirs: Sequence[Path]) -> Path:
    """Fill the template *template_name* with *context* and write it to *out_path*.

    The first folder of *template_dirs* holding the file wins, so pass the user's folder
    before :func:`shipped_template_dir`. Placeholders are checked before rendering;
    every problem with the template is a ConfigError naming it. The file is written
    atomically, with fixed zip timestamps (the same input gives the same bytes).
    """
    path = find_template(template_name, template_dirs)
    ctx = _sanitise(context)
    tpl = _open(path)
    known = frozenset(context_names(ctx))
    st = path.stat()
    checked = (str(path), st.st_mtime_ns, st.st_size, known)
    if checked not in _CHECKED:  # a template is checked once per version, not per item
        _check(tpl, path, known)
        _CHECKED.add(checked)
    try:
        tpl.render(ctx, _env(), autoescape=True)
        buf = io.BytesIO()
        tpl.save(buf)
    except TemplateError as exc:
        raise ConfigError(
            f"Templat {path.name} tidak dapat diisi: {_sentence(exc.message or type(exc).__name__)}",
            _ADVICE_FIX,
        ) from exc
    except Exception as exc:  # malformed XML after rendering (a tag split across a table, …)
        raise ConfigError(
            f"Templat {path.name} tidak dapat diisi ({type(exc).__name__}); kemungkinan sebuah "
            "{% … %} memotong tabel atau paragraf.",
            _ADVICE_FIX,
        ) from exc
    out_path = Path(out_path)
    atomic_write_bytes(out_path, normalise_docx_zip(buf.getvalue()))
    return out_path
