"""From a response tab (header + raw rows) to :class:`~siapmas_sync.core.models.Submission` s.

Owns :func:`parse_responses`, cell-to-text conversion and the two identities:

* ``key`` — sha256 hex of ``"\\x1f".join([ts, nama, telepon, email, kronologi, bukti])``
  where ``ts`` is the received instant in UTC as ``YYYY-MM-DDTHH:MM:SSZ`` and the other
  parts are the cleaned cell texts as typed (missing column = ""). It ignores column
  order, row position and extra columns, so sorting rows or inserting/moving columns
  keeps every key; it does not depend on how the timestamp cell was delivered (text,
  serial number or datetime) either, only on the instant.
* ``content_hash`` — sha256 hex over the *folded* content (:func:`siapmas_sync.core.unitext.fold`:
  NFKC, zero-width/bidi characters removed, quotes straightened, casefolded, TR39 skeleton,
  whitespace collapsed) of nama, normalised telepon, normalised e-mail, kronologi and the
  bukti links, without the timestamp (:func:`content_hash`). Equal hashes a few minutes
  apart mean a resubmission; an equal hash at the same instant is the same response
  re-exported differently (intake.resaved), never a second number. The ledger recomputes
  the hashes it holds when this fold changes (:data:`CONTENT_HASH_VERSION`); the ``key``
  is never recomputed, so an upgrade renumbers nothing.

Every answer is read up to :data:`ANSWER_MAX` characters (Google's 50,000 per cell; a
local responses file has no such limit), with a note on the documents when cut; the key
is computed before the cut.

Only header problems raise (:class:`~siapmas_sync.errors.HeaderError`: the whole tab is
unusable). A bad row becomes a :class:`~siapmas_sync.core.models.RowError` and the other rows
proceed; blank rows are skipped silently; a row read twice (same key) is returned once.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from siapmas_sync.core.intake.contact import check_email, normalise_phone
from siapmas_sync.core.intake.headers import HeaderMap, QuestionTitles, map_headers
from siapmas_sync.core.intake.received import DEFAULT_FORM_START, RECEIPT_TOLERANCE, timestamp_oddity
from siapmas_sync.core.intake.timestamps import TimestampError, parse_timestamp
from siapmas_sync.logs import mask_text
from siapmas_sync.core.models import CATATAN, Finding, RowError, Submission
from siapmas_sync.core.unitext import fold

__all__ = ["ParseOptions", "parse_responses", "cell_text", "split_bukti", "content_hash",
           "CONTENT_HASH_VERSION", "FUTURE_TOLERANCE"]

#: version of :func:`content_hash` (2: unitext.fold); the ledger re-hashes what it holds
#: when its stored version is older
from siapmas_sync.core.intake.hashversion import CONTENT_HASH_VERSION  # noqa: E402  (a light module: the ledger checks it on open)

#: the most characters read from one answer: what one Google Sheets cell holds (Google's
#: documented limit, 50,000), applied in local mode too (module docstring)
ANSWER_MAX = 50_000

#: A timestamp further in the future than this gets a "waktu" note (clock/format problem).
FUTURE_TOLERANCE = RECEIPT_TOLERANCE

_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BUKTI_SPLIT_RE = re.compile(r"\s*(?:,|;|\r\n|\r|\n)\s*")


@dataclass(frozen=True)
class ParseOptions:
    """How to read a response tab (from the ``[form]`` configuration)."""

    titles: QuestionTitles
    tz: ZoneInfo
    day_first: bool = True
    sheet_tz: ZoneInfo | None = None
    now: datetime | None = None  # injectable clock: when the rows are first seen (timestamp notes)
    #: ``[source] form_start``: a timestamp before it is not plausible (intake.received)
    form_start: date | None = DEFAULT_FORM_START
    ignore_titles: tuple[str, ...] = ()  # our own status columns (No. Agenda, Tahap, …)
    #: keys already in the ledger: such a row is only identified (its key and row), which
    #: keeps a 100,000-row sheet from being re-parsed (phone, e-mail, hashes) every cycle
    known: Collection[str] = frozenset()


def cell_text(value: object) -> str:
    """A cell as clean text.

    Numbers lose spreadsheet artefacts (85746741281.0 -> "85746741281"); NaN/None are
    empty; dates become ISO-like text; NUL and other C0 controls (except tab/newline)
    are removed, lone surrogates become U+FFFD, line breaks become "\\n", the ends are
    stripped and internal line breaks kept.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        if value.is_integer() and abs(value) < 1e17:
            return str(int(value))
        return repr(value)
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (date, time)):
        return value.isoformat()
    text = value if isinstance(value, str) else str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL_RE.sub("", text)
    text = _SURROGATE_RE.sub("\ufffd", text)
    return text.strip()


def split_bukti(text: str) -> tuple[str, ...]:
    """Split a "Bukti Dukung" cell (links joined by ", " or newlines); keep order, dedupe."""
    seen: dict[str, None] = {}
    for part in _BUKTI_SPLIT_RE.split(text):
        part = part.strip()
        if part:
            seen.setdefault(part, None)
    return tuple(seen)


def _capped(text: str, title: str, findings: list[Finding]) -> str:
    """*text* cut to ANSWER_MAX characters, with a note when it was longer (local mode:
    a responses file has no cell limit; Google's sheet never holds more)."""
    if len(text) <= ANSWER_MAX:
        return text
    findings.append(Finding(
        "panjang",
        f"Jawaban {title} berisi {len(text):,} karakter".replace(",", ".")
        + f"; hanya {ANSWER_MAX:,} karakter pertama yang dibaca (batas satu sel Google Sheets).".replace(",", "."),
        CATATAN,
    ))
    return text[:ANSWER_MAX]


def content_hash(nama: str, telepon: str, email: str, kronologi: str, bukti: Sequence[str]) -> str:
    """The content hash of a response (module docstring): its folded answers, no timestamp."""
    return _sha256([fold(nama), fold(telepon), fold(email), fold(kronologi), " ".join(fold(b) for b in bukti)])


def _sha256(parts: list[str]) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


class ResponseParser:
    """Parses a response tab row by row, as it is read (a 100,000-row tab is never held
    whole). Raises HeaderError (from the header) only; a bad row becomes a RowError.

    ``submissions``: the new rows, each parsed in full, identical rows once (also when
    one was exported twice with different Unicode: same instant, same content hash);
    ``known``: key → sheet row number of each row the ledger already has (first one);
    ``errors``: the rows that could not be read, with the reason."""

    def __init__(self, header: Sequence[object], opts: ParseOptions, first_row_number: int = 2) -> None:
        header_texts = [cell_text(h) for h in header]
        self._hmap = map_headers(header_texts, opts.titles, ignore=opts.ignore_titles)
        self._ts_title = header_texts[self._hmap.timestamp] or "Stempel waktu"
        self._content_cols = sorted(_content_columns(self._hmap))
        self._opts = opts
        self._now = opts.now or datetime.now(opts.tz)
        self._next = first_row_number
        self._seen: set[object] = set()  # keys, and (instant, content hash)
        self.submissions: list[Submission] = []
        self.known: dict[str, int] = {}
        self.errors: list[RowError] = []

    @property
    def header_map(self) -> HeaderMap:
        """Which column holds each question (None: an optional question the tab lacks)."""
        return self._hmap

    def feed(self, row: Sequence[object] | None) -> None:
        row_number = self._next
        self._next += 1
        cells = list(row or ())
        if all(cell_text(cells[i]) == "" for i in self._content_cols if i < len(cells)):
            return  # blank row (our own status columns and unheaded cells do not count)
        try:
            result = _parse_row(cells, self._hmap, self._opts, row_number, self._ts_title, self._now)
        except Exception as exc:  # a bad cell must never stop the other rows
            self.errors.append(
                RowError(
                    row_number,
                    f"Baris {row_number}: tidak dapat diproses ({type(exc).__name__}); "
                    "periksa isi baris ini di lembar jawaban.",
                )
            )
            return
        if isinstance(result, RowError):
            self.errors.append(result)
        elif isinstance(result, str):
            self.known.setdefault(result, row_number)
        else:
            same = (result.received_at, result.content_hash)  # one response exported twice differently
            if result.key not in self._seen and same not in self._seen:
                self._seen.update((result.key, same))
                self.submissions.append(result)


def parse_responses(
    header: list[str],
    rows: Iterable[Sequence[object] | None],
    opts: ParseOptions,
    *,
    first_row_number: int = 2,
) -> tuple[list[Submission], list[RowError]]:
    """Parse a whole response tab: the new submissions (rows the ledger knows, ``opts.known``,
    are only identified — see :class:`ResponseParser`) and the bad rows."""
    parser = ResponseParser(header, opts, first_row_number)
    for row in rows:
        parser.feed(row)
    return parser.submissions, parser.errors


def _content_columns(hmap: HeaderMap) -> set[int]:
    """Columns holding the form's answers: mapped and extra ones (not our status columns)."""
    used = {
        i
        for i in (hmap.timestamp, hmap.nama, hmap.telepon, hmap.email, hmap.kronologi,
                  hmap.bukti, hmap.email_pengumpul)
        if i is not None
    }
    used.update(i for i, _ in hmap.extra)
    return used


def _parse_row(
    cells: list[object],
    hmap: HeaderMap,
    opts: ParseOptions,
    row_number: int,
    ts_title: str,
    now: datetime,
) -> Submission | RowError | str:
    """The row as a Submission, a RowError, or just its key when the ledger knows it."""

    def raw(index: int | None) -> object:
        return cells[index] if index is not None and index < len(cells) else None

    def text(index: int | None) -> str:
        return cell_text(raw(index))

    ts_raw = raw(hmap.timestamp)
    try:
        received_at = parse_timestamp(
            ts_raw, tz=opts.tz, day_first=opts.day_first, sheet_tz=opts.sheet_tz
        )
    except TimestampError as exc:
        shown = mask_text(exc.text)  # a mis-pasted phone or e-mail is never echoed in clear
        shown = shown if len(shown) <= 60 else shown[:57] + "…"
        if not shown:
            message = f"Baris {row_number}: {ts_title} kosong; jawaban tidak dapat dicatat."
        else:
            message = f"Baris {row_number}: {ts_title} '{shown}' tidak dapat dibaca ({exc.reason})"
        return RowError(row_number, message)
    except (ValueError, TypeError, OverflowError):
        return RowError(row_number, f"Baris {row_number}: {ts_title} tidak dapat dibaca.")

    nama, telepon_raw, email_raw = text(hmap.nama), text(hmap.telepon), text(hmap.email)
    kronologi, bukti_raw = text(hmap.kronologi), text(hmap.bukti)
    utc_iso = received_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    key = _sha256([utc_iso, nama, telepon_raw, email_raw, kronologi, bukti_raw])  # uncut: keys stay as they were
    if key in opts.known:
        return key  # the ledger holds the rest

    findings: list[Finding] = []
    titles = {hmap.nama: "Nama", hmap.kronologi: "Kronologi", hmap.bukti: "Bukti Dukung"}
    nama, kronologi, bukti_raw = (_capped(t, titles[i], findings)
                                  for t, i in ((nama, hmap.nama), (kronologi, hmap.kronologi), (bukti_raw, hmap.bukti)))
    telepon, f_tel = normalise_phone(telepon_raw)
    email, f_mail = check_email(email_raw)
    findings.extend(f for f in (f_tel, f_mail) if f is not None)
    oddity = timestamp_oddity(received_at, now, opts.form_start, opts.tz)
    if oddity is not None:
        findings.append(
            Finding(
                "waktu",
                f"{ts_title} {received_at:%d/%m/%Y %H.%M} tidak wajar ({oddity}); aduan dicatat "
                "dengan waktu diterima sekretariat.",
                CATATAN,
            )
        )
    bukti = split_bukti(bukti_raw)
    extra = tuple((title, _capped(t, title, findings)) for i, title in hmap.extra if (t := text(i)))
    return Submission(
        key=key,
        content_hash=content_hash(nama, telepon, email, kronologi, bukti),
        received_at=received_at,
        nama=nama,
        telepon=telepon,
        email=email,
        kronologi=kronologi,
        bukti_urls=bukti,
        email_pengumpul=check_email(text(hmap.email_pengumpul))[0],
        extra=extra,
        findings=tuple(findings),
        source_row=row_number,
    )
