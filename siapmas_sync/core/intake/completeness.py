"""The booklet's four requirements for a good report, checked per submission.

Owns :func:`check_completeness`. The SIAPMAS booklet asks the reporter for

1. **identitas jelas** — a name that is not a placeholder ("-", "anonim", "hamba allah",
   a single letter, digits only) -> else "identitas" (KURANG);
2. **kontak aktif** — at least one valid phone/WA number or e-mail; the form's own
   collected address ("Email Address" column) counts too -> else "kontak" (KURANG).
   When one channel is valid, a finding about the *other* invalid channel is softened
   to CATATAN (the reporter can still be reached);
3. **kronologi, waktu, tempat** — a chronology of at least 30 characters and 5 words ->
   else "kronologi" (KURANG). When it is long enough but shows no hint of a time (a
   digit, a day/month name, "kemarin", "pukul", …) or of a place ("desa", "dusun",
   "kecamatan", "jalan", "RT", …), one "kronologi" CATATAN says so. The hints are a
   simple word list, deliberately generous: the note is a nudge, not a judgement;
4. **bukti dukung** — at least one evidence *link* (an http(s) address, or an item the
   evidence locator recognised as a Drive file) -> else "bukti" (KURANG); a cell holding
   only "-" or "ada di WA" is not evidence.

The submission's own parse findings (telepon, email, waktu) are included. Findings of the
evidence locator ("bukti_hilang", "bukti_berbahaya") are *not* repeated here: each backend
words them itself and the caller merges them. The result is de-duplicated and ordered by a
fixed code order, then by first appearance.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from siapmas_sync.core.intake.contact import check_email
from siapmas_sync.core.models import CATATAN, KURANG, Evidence, Finding, Submission

__all__ = ["check_completeness", "MIN_KRONOLOGI_CHARS", "MIN_KRONOLOGI_WORDS"]

MIN_KRONOLOGI_CHARS = 30
MIN_KRONOLOGI_WORDS = 5

_ORDER = ("identitas", "kontak", "telepon", "email", "kronologi", "bukti", "bukti_hilang",
          "bukti_berbahaya", "waktu")
_JUNK_NAMES = {
    "-", "anonim", "anonymous", "anon", "tanpa nama", "rahasia", "dirahasiakan", "n/a", "na",
    "tidak ada", "tdk ada", "hamba allah", "hamba alloh", "warga", "masyarakat", "saya",
    "test", "tes", "testing", "coba", "nama", "xxx", "xx", "x", "abc", "asdf", "null", "none",
}
_TIME_HINT_RE = re.compile(
    r"\d|\b(?:senin|selasa|rabu|kamis|jumat|jum'at|sabtu|minggu|ahad|januari|februari|"
    r"pebruari|maret|april|mei|juni|juli|agustus|september|oktober|november|nopember|"
    r"desember|kemarin|kemaren|tadi|sekarang|hari ini|pagi|siang|sore|malam|pukul|jam|"
    r"tanggal|tgl|bulan|tahun|sejak|lalu|minggu lalu|saat ini|selama)\b",
    re.IGNORECASE,
)
_PLACE_HINT_RE = re.compile(
    r"\b(?:desa|ds|dusun|dsn|dukuh|kelurahan|kel|kecamatan|kec|kabupaten|kab|kota|jalan|"
    r"jl|jln|gang|gg|rt|rw|perumahan|perum|pasar|sekolah|kantor|balai|puskesmas|rsud|"
    r"sungai|kali|sawah|lokasi|wilayah|daerah|kampung|lingkungan|depan|dekat|sebelah|"
    r"mojokerto|mojosari)\b",
    re.IGNORECASE,
)

_LINK_RE = re.compile(r"^https?://\S+$", re.IGNORECASE)


def _name_is_junk(nama: str) -> bool:
    text = " ".join(nama.split()).casefold().strip(" .,-_")
    if not text or text in _JUNK_NAMES:
        return True
    letters = [c for c in text if c.isalpha()]
    return len(letters) < 2


def check_completeness(sub: Submission, evidence: Sequence[Evidence]) -> tuple[Finding, ...]:
    """All findings for one submission: parse findings plus the four requirements."""
    found: list[Finding] = []

    if _name_is_junk(sub.nama):
        found.append(Finding("identitas", "Identitas pelapor (nama) belum jelas", KURANG))

    parse_codes = {f.code for f in sub.findings}
    phone_ok = bool(sub.telepon) and "telepon" not in parse_codes
    email_ok = bool(sub.email) and "email" not in parse_codes
    collected_ok = bool(sub.email_pengumpul) and check_email(sub.email_pengumpul)[1] is None
    reachable = phone_ok or email_ok or collected_ok
    if not reachable:
        found.append(
            Finding("kontak", "Kontak aktif (nomor telepon/WA atau e-mail yang valid) belum ada", KURANG)
        )
    for f in sub.findings:
        if f.code in ("telepon", "email") and reachable and f.severity == KURANG:
            found.append(replace(f, severity=CATATAN))  # the reporter can still be reached
        else:
            found.append(f)

    kronologi = sub.kronologi.strip()
    if len(kronologi) < MIN_KRONOLOGI_CHARS or len(kronologi.split()) < MIN_KRONOLOGI_WORDS:
        found.append(
            Finding(
                "kronologi",
                "Kronologi, waktu dan tempat kejadian belum diuraikan dengan jelas "
                f"(minimal {MIN_KRONOLOGI_WORDS} kata / {MIN_KRONOLOGI_CHARS} karakter)",
                KURANG,
            )
        )
    else:
        missing = [
            label
            for label, rx in (("waktu", _TIME_HINT_RE), ("tempat", _PLACE_HINT_RE))
            if not rx.search(kronologi)
        ]
        if missing:
            found.append(
                Finding(
                    "kronologi",
                    f"Kronologi belum menyebutkan {' dan '.join(missing)} kejadian",
                    CATATAN,
                )
            )

    recognised = {e.url for e in evidence if e.found or e.drive_id}
    if not any(_LINK_RE.match(u) or u in recognised for u in sub.bukti_urls):
        found.append(Finding("bukti", "Bukti dukung (foto/dokumen/video) belum dilampirkan", KURANG))

    unique: dict[Finding, None] = dict.fromkeys(found)
    rank = {code: i for i, code in enumerate(_ORDER)}
    first_seen = {f: i for i, f in enumerate(unique)}
    return tuple(sorted(unique, key=lambda f: (rank.get(f.code, len(_ORDER)), first_seen[f])))
