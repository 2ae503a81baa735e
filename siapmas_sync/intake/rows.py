"""From a response tab (header + raw rows) to :class:`~siapmas_sync.models.Submission` s.

Owns :func:`parse_responses`, cell-to-text conversion and the two identities:

* ``key`` — sha256 hex of ``"\\x1f".join([ts, nama, telepon, email, kronologi, bukti])``
  where ``ts`` is the received instant in UTC as ``YYYY-MM-DDTHH:MM:SSZ`` and the other
  parts are the cleaned cell texts as typed (missing column = ""). It ignores column
  order, row position and extra columns, so sorting rows or inserting/moving columns
  keeps every key; it does not depend on how the timestamp cell was delivered (text,
  serial number or datetime) either, only on the instant.
* ``content_hash`` — sha256 hex over the casefolded, whitespace-collapsed content (nama,
  normalised telepon, normalised e-mail, kronologi, bukti links) without the timestamp;
  equal hashes a few minutes apart mean a resubmission.

Only header problems raise (:class:`~siapmas_sync.errors.HeaderError`: the whole tab is
unusable). A bad row becomes a :class:`~siapmas_sync.models.RowError` and the other rows
proceed; blank rows are skipped silently; a row read twice (same key) is returned once.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from siapmas_sync.intake.contact import check_email, normalise_phone
from siapmas_sync.intake.headers import HeaderMap, QuestionTitles, map_headers
from siapmas_sync.intake.timestamps import TimestampError, parse_timestamp
from siapmas_sync.models import CATATAN, Finding, RowError, Submission

__all__ = ["ParseOptions", "parse_responses", "cell_text", "split_bukti", "FUTURE_TOLERANCE"]

#: A timestamp further in the future than this gets a "waktu" note (clock/format problem).
FUTURE_TOLERANCE = timedelta(days=1)

_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BUKTI_SPLIT_RE = re.compile(r"\s*(?:,|;|\r\n|\r|\n)\s*")
_SPACES_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class ParseOptions:
    """How to read a response tab (from the ``[form]`` configuration)."""

    titles: QuestionTitles
    tz: ZoneInfo
    day_first: bool = True
    sheet_tz: ZoneInfo | None = None
    now: datetime | None = None  # injectable clock for the "future timestamp" note
    ignore_titles: tuple[str, ...] = ()  # our own status columns (No. Agenda, Tahap, …)
    #: keys already in the ledger: such a row is only identified (key, received_at and
    #: source_row are set; the rest stays empty — the ledger holds it), which keeps a
    #: 100,000-row sheet from being re-parsed (phone, e-mail, hashes) every cycle
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


def _norm(text: str) -> str:
    return _SPACES_RE.sub(" ", text).strip().casefold()


def _sha256(parts: list[str]) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def parse_responses(
    header: list[str],
    rows: list[list[object]],
    opts: ParseOptions,
    *,
    first_row_number: int = 2,
) -> tuple[list[Submission], list[RowError]]:
    """Parse a response tab. Raises HeaderError only; bad rows become RowErrors."""
    header_texts = [cell_text(h) for h in header]
    hmap = map_headers(header_texts, opts.titles, ignore=opts.ignore_titles)
    ts_title = header_texts[hmap.timestamp] or "Stempel waktu"
    content_cols = sorted(_content_columns(hmap))
    now = opts.now or datetime.now(opts.tz)

    submissions: list[Submission] = []
    errors: list[RowError] = []
    seen: set[str] = set()
    for offset, row in enumerate(rows):
        row_number = first_row_number + offset
        cells = list(row or ())
        if all(cell_text(cells[i]) == "" for i in content_cols if i < len(cells)):
            continue  # blank row (our own status columns and unheaded cells do not count)
        try:
            result = _parse_row(cells, hmap, opts, row_number, ts_title, now)
        except Exception as exc:  # a bad cell must never stop the other rows
            errors.append(
                RowError(
                    row_number,
                    f"Baris {row_number}: tidak dapat diproses ({type(exc).__name__}); "
                    "periksa isi baris ini di lembar jawaban.",
                )
            )
            continue
        if isinstance(result, RowError):
            errors.append(result)
        elif result.key not in seen:
            seen.add(result.key)
            submissions.append(result)
    return submissions, errors


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
) -> Submission | RowError:
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
        shown = exc.text if len(exc.text) <= 60 else exc.text[:57] + "…"
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
    key = _sha256([utc_iso, nama, telepon_raw, email_raw, kronologi, bukti_raw])
    if key in opts.known:
        return Submission(key=key, content_hash="", received_at=received_at, nama="", telepon="", email="",
                          kronologi="", source_row=row_number)

    findings: list[Finding] = []
    telepon, f_tel = normalise_phone(telepon_raw)
    email, f_mail = check_email(email_raw)
    findings.extend(f for f in (f_tel, f_mail) if f is not None)
    if received_at - now > FUTURE_TOLERANCE:
        findings.append(
            Finding(
                "waktu",
                f"{ts_title} {received_at:%d/%m/%Y %H.%M} berada di masa depan; periksa jam "
                "server, zona waktu atau urutan tanggal/bulan di konfigurasi.",
                CATATAN,
            )
        )
    bukti = split_bukti(bukti_raw)
    content_hash = _sha256(
        [_norm(nama), _norm(telepon), _norm(email), _norm(kronologi), " ".join(_norm(b) for b in bukti)]
    )
    extra = tuple((title, t) for i, title in hmap.extra if (t := text(i)))
    return Submission(
        key=key,
        content_hash=content_hash,
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
