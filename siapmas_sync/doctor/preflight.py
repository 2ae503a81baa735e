"""Configuration that works but quietly degrades what a cycle produces: warned about once
per cycle (a log WARNING and a line of the cycle summary) and by ``doctor``.

Owns the list of such conditions — a local evidence folder that does not exist (every
bukti becomes "tidak ditemukan"), a response tab without the *Nama* (or phone, e-mail,
evidence) question, a ``[kop] logo`` that is missing or not a readable image, a
``[templates] dir`` that does not exist, and folders holding personal data that other
users can open (:mod:`~siapmas_sync.filemodes`). Each function returns Indonesian
sentences for operators; none raises.
"""

from __future__ import annotations

from pathlib import Path

from ..config import Settings
from ..filemodes import exposed_folder_warnings
from ..core.intake.headers import HeaderMap, QuestionTitles

#: optional questions whose absence leaves a gap in every document, with what is lost
_OPTIONAL_QUESTIONS = (
    ("nama", "Lembar Aduan dan Buku Agenda tanpa nama pelapor"),
    ("telepon", "pelapor tidak dapat dihubungi lewat telepon/WA"),
    ("email", "pelapor tidak dapat dihubungi lewat e-mail"),
    ("bukti", "bukti dukung tidak dicatat"),
)


def folder_warnings(s: Settings) -> list[str]:
    """Folders holding personal data that other users can open."""
    folders = {"Folder keluaran": s.output.dir}
    if not s.storage.url or s.storage.url.startswith("sqlite"):
        folders["Folder basis data"] = s.storage.database.parent
    if s.source.backend == "local":
        folders["Folder register"] = s.source.register_file.parent
    return exposed_folder_warnings(folders)


def evidence_warning(s: Settings) -> str | None:
    if s.source.backend != "local" or s.source.evidence_dir.is_dir():
        return None
    return (f"Folder bukti {s.source.evidence_dir} tidak ada: semua bukti dukung dicatat 'tidak ditemukan'. "
            "Perbaiki [source] evidence_dir.")


def logo_warning(s: Settings) -> str | None:
    logo = s.kop.logo
    if logo is None:
        return None
    if not Path(logo).is_file():
        return f"Logo kop {logo} tidak ditemukan: dokumen dibuat tanpa logo. Perbaiki [kop] logo."
    from ..documents.drawing import load_logo

    if load_logo(logo) is None:
        return (f"Logo kop {logo} tidak dapat dibaca sebagai gambar (rusak, terlalu besar, atau bukan PNG/JPEG): "
                "dokumen dibuat tanpa logo. Ganti berkasnya atau perbaiki [kop] logo.")
    return None


def templates_warning(s: Settings) -> str | None:
    d = s.templates.dir
    if d is None or Path(d).is_dir():
        return None
    return f"Folder templat {d} tidak ada: salinan Word memakai templat bawaan. Perbaiki [templates] dir."


def column_warnings(hm: HeaderMap | None, titles: QuestionTitles) -> list[str]:
    """Optional questions the response tab does not have."""
    if hm is None:
        return []
    out = []
    for name, lost in _OPTIONAL_QUESTIONS:
        if getattr(hm, name) is None:
            out.append(f"Kolom '{' / '.join(titles.candidates(name))}' tidak ada di tab jawaban: {lost}. "
                       "Sesuaikan [form] dengan judul pertanyaan formulir.")
    return out


def setup_warnings(s: Settings) -> list[str]:
    """Everything above that does not need the response tab (also for ``doctor``)."""
    found = [evidence_warning(s), logo_warning(s), templates_warning(s)]
    return [w for w in found if w] + folder_warnings(s)


def cycle_warnings(s: Settings, hm: HeaderMap | None) -> list[str]:
    """What one cycle warns about: :func:`setup_warnings` and the missing questions."""
    return setup_warnings(s) + column_warnings(hm, s.question_titles())
