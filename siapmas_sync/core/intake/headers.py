"""Locating the form's questions in the response sheet's header row.

Owns the mapping from configured question titles (:class:`QuestionTitles`) to 0-based
column indexes (:class:`HeaderMap`). Headers are located by *name* on every read, never by
position, so staff may insert, move or hide columns freely.

Matching rules (deliberately small and predictable):

1. Titles are compared after :func:`normalise_title` (case, spacing, punctuation and a
   trailing parenthesised hint such as "(yang aktif)" do not matter).
2. An exact normalised match wins. Only when a field has no exact match is a *prefix*
   match tried: the sheet title's words start with the configured title's words
   ("Nama Lengkap" for "Nama"). A header taken exactly by one field is never a prefix
   candidate for another ("Email Address" is the collection column, not "E-mail").
3. Google Forms suffixes a repeated question title with " 2", " 3"... . Such a duplicate
   of a mapped title is a :class:`~siapmas_sync.errors.HeaderError` naming both columns:
   we would rather stop than file answers under the wrong question.
4. A required field (timestamp, kronologi) that is missing is a HeaderError with
   "did you mean" suggestions; a missing optional field maps to ``None`` (the
   completeness check reports the consequence per item).
5. Columns listed in ``ignore`` (our own status columns) are neither mapped nor "extra".
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, fields

from siapmas_sync.errors import HeaderError

__all__ = ["QuestionTitles", "HeaderMap", "normalise_title", "map_headers", "column_letter"]

# Field name -> Indonesian label used in messages.
_FIELD_LABELS = {
    "timestamp": "Stempel waktu",
    "nama": "Nama",
    "telepon": "No. Tlp/WA",
    "email": "E-mail",
    "kronologi": "Kronologi, Waktu dan Tempat",
    "bukti": "Bukti Dukung",
    "email_pengumpul": "Alamat email (pengumpulan email formulir)",
}
_REQUIRED = ("timestamp", "kronologi")


@dataclass(frozen=True)
class QuestionTitles:
    """The form's question titles as configured (``[form]`` in the configuration)."""

    timestamp: tuple[str, ...] = ("Timestamp", "Stempel waktu", "Cap waktu")
    nama: str = "Nama"
    telepon: str = "No. Tlp/WA"
    email: str = "E-mail"
    kronologi: str = "Kronologi, Waktu dan Tempat"
    bukti: str = "Bukti Dukung"
    email_pengumpul: tuple[str, ...] = ("Email Address", "Alamat email", "Alamat Email")

    def candidates(self, field_name: str) -> tuple[str, ...]:
        value = getattr(self, field_name)
        return (value,) if isinstance(value, str) else tuple(value)


@dataclass(frozen=True)
class HeaderMap:
    """0-based column index of each question; ``None`` when an optional one is absent.

    extra: columns no field maps and that are not ignored, as (index, title) in sheet
    order (shown on the Lembar Aduan).
    """

    timestamp: int
    nama: int | None
    telepon: int | None
    email: int | None
    kronologi: int
    bukti: int | None
    email_pengumpul: int | None
    extra: tuple[tuple[int, str], ...] = ()


_HINT_RE = re.compile(r"\s*[(\[][^()\[\]]*[)\]]\s*$")
_JOIN_RE = re.compile(r"[\-‐‑‒–—'’`]")  # hyphens/apostrophes join: E-mail = email
_NONWORD_RE = re.compile(r"[^\w]+")
_DUP_SUFFIX_RE = re.compile(r"^(?P<base>.+?) (?P<n>\d{1,3})$")


def normalise_title(title: str) -> str:
    """Comparable form of a question title.

    NFKC + casefold, trailing parenthesised hints removed ("E-MAIL (yang aktif)" ->
    "email"), hyphens/apostrophes removed (so "E-mail" == "Email"), all other punctuation
    turned into spaces ("No. Tlp/WA" -> "no tlp wa"), spaces collapsed.
    """
    text = unicodedata.normalize("NFKC", str(title)).strip()
    previous = None
    while previous != text:  # "Nama (lengkap) (wajib)" -> "Nama"
        previous = text
        stripped = _HINT_RE.sub("", text)
        text = stripped if stripped.strip() else text
    text = text.casefold()
    text = _JOIN_RE.sub("", text)
    text = _NONWORD_RE.sub(" ", text).replace("_", " ")
    return " ".join(text.split())


def column_letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based index (0 -> "A", 26 -> "AA")."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def _describe(index: int, title: str) -> str:
    return f"kolom {column_letter(index)} ('{title}')"


def map_headers(
    header: list[str], titles: QuestionTitles, *, ignore: Collection[str] = ()
) -> HeaderMap:
    """Map the header row to column indexes; raise HeaderError when unusable."""
    texts = ["" if h is None else str(h) for h in header]
    norms = [normalise_title(t) for t in texts]
    ignored = {normalise_title(t) for t in ignore}
    field_names = [f.name for f in fields(QuestionTitles)]
    wanted = {name: [normalise_title(t) for t in titles.candidates(name)] for name in field_names}
    wanted = {name: [w for w in ws if w] for name, ws in wanted.items()}

    usable = [i for i, n in enumerate(norms) if n not in ignored]
    found: dict[str, int] = {}
    taken: set[int] = set()

    # 1) exact matches
    for name in field_names:
        hits = [i for i in usable if norms[i] in wanted[name]]
        if len(hits) > 1:
            cols = ", ".join(_describe(i, texts[i]) for i in hits)
            raise HeaderError(
                f"Judul pertanyaan '{_FIELD_LABELS[name]}' muncul lebih dari sekali: {cols}.",
                "Ubah judul salah satu pertanyaan di Google Form agar berbeda, atau sesuaikan "
                "judul di bagian [form] pada berkas konfigurasi.",
            )
        if hits:
            found[name] = hits[0]
            taken.add(hits[0])

    # Google's " 2", " 3"... copies: header i repeats the title of another header j
    # ("No. Tlp/WA (yang aktif) 2" copies "No. Tlp/WA (yang aktif)").
    dup_of: dict[int, int] = {}
    for i in usable:
        m = _DUP_SUFFIX_RE.match(" ".join(texts[i].split()))
        if m and int(m.group("n")) >= 2:
            base = normalise_title(m.group("base"))
            for j in usable:
                if j != i and base and norms[j] == base:
                    dup_of[i] = j
                    break

    # 2) prefix matches for fields still missing; the longest configured title wins a header
    for name in field_names:
        if name in found:
            continue
        hits = [
            i
            for i in usable
            if i not in taken
            and i not in dup_of
            and norms[i]
            and any(_word_prefix(w, norms[i]) for w in wanted[name])
            and _better_claim(i, name, norms, wanted, found)
        ]
        if len(hits) > 1:
            cols = ", ".join(_describe(i, texts[i]) for i in hits)
            raise HeaderError(
                f"Pertanyaan '{_FIELD_LABELS[name]}' cocok dengan beberapa kolom: {cols}.",
                "Tuliskan judul pertanyaan yang persis di bagian [form] pada berkas "
                "konfigurasi agar hanya satu kolom yang cocok.",
            )
        if hits:
            found[name] = hits[0]
            taken.add(hits[0])

    # 3) a duplicate of a mapped title: stop rather than misfile answers
    for name, idx in found.items():
        for i, j in dup_of.items():
            if j == idx:
                raise HeaderError(
                    f"Pertanyaan '{_FIELD_LABELS[name]}' ada dua kali di lembar jawaban: "
                    f"{_describe(idx, texts[idx])} dan {_describe(i, texts[i])}. "
                    "Jawaban tidak diproses agar tidak tercatat di kolom yang salah.",
                    "Google Form menambahkan akhiran ' 2' bila dua pertanyaan berjudul sama. "
                    "Ganti judul salah satu pertanyaan, atau hapus kolom lama dari lembar jawaban.",
                )

    # 4) required fields
    for name in _REQUIRED:
        if name not in found:
            raise _missing(name, titles, texts, norms, usable)

    extra = tuple(
        (i, texts[i].strip() or f"Kolom {column_letter(i)}")
        for i in usable
        if i not in taken
    )
    return HeaderMap(
        timestamp=found["timestamp"],
        nama=found.get("nama"),
        telepon=found.get("telepon"),
        email=found.get("email"),
        kronologi=found["kronologi"],
        bukti=found.get("bukti"),
        email_pengumpul=found.get("email_pengumpul"),
        extra=extra,
    )


def _word_prefix(prefix: str, text: str) -> bool:
    return text == prefix or text.startswith(prefix + " ")


def _better_claim(
    i: int, name: str, norms: list[str], wanted: dict[str, list[str]], found: dict[str, int]
) -> bool:
    """True unless another still-missing field has a longer title that prefixes header i."""
    mine = max((len(w) for w in wanted[name] if _word_prefix(w, norms[i])), default=-1)
    for other, ws in wanted.items():
        if other == name or other in found:
            continue
        theirs = max((len(w) for w in ws if _word_prefix(w, norms[i])), default=-1)
        if theirs > mine:
            return False
    return True


def _missing(
    name: str, titles: QuestionTitles, texts: list[str], norms: list[str], usable: list[int]
) -> HeaderError:
    configured = titles.candidates(name)
    by_norm: dict[str, str] = {}
    for i in usable:
        if norms[i]:
            by_norm.setdefault(norms[i], texts[i].strip())
    suggestions: list[str] = []
    for want in configured:
        for close in difflib.get_close_matches(normalise_title(want), list(by_norm), n=3, cutoff=0.5):
            if by_norm[close] not in suggestions:
                suggestions.append(by_norm[close])
    shown = " / ".join(f"'{t}'" for t in configured)
    message = f"Kolom {shown} tidak ditemukan di baris judul lembar jawaban."
    if suggestions:
        message += " Mungkin maksudnya: " + ", ".join(f"'{s}'" for s in suggestions[:3]) + "?"
    return HeaderError(
        message,
        f"Samakan judul pertanyaan di bagian [form] pada berkas konfigurasi (kunci '{name}') "
        "dengan judul kolom di baris pertama lembar jawaban.",
    )
