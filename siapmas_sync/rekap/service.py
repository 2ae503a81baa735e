"""The recap as a task: which period, computing it from the ledger, writing the files,
deciding when `run` makes the monthly one, and uploading it on Google.

* :func:`parse_period` — the CLI's ``--bulan`` / ``--tahun`` / ``--from --to`` as a
  :class:`.figures.Period` (Indonesian errors with advice);
* :func:`build_figures` — :func:`.source.fetch_rows` then :func:`.figures.compute`;
* :func:`write_recap` — PDF and XLSX, atomically, readable by the owner only (0600);
* :func:`recap_due` — pure: is last month's recap due, given the date, the office calendar
  and the recaps already written?
* :func:`monthly_recap` — what `run` calls after each cycle.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Collection
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import SiapmasError
from ..ledger import Ledger
from ..core.workflow import OfficeCalendar, Workflow
from ..core.workflow.stages import EXIT_DITOLAK
from .figures import Period, compute, month_add, trend_months
from .kecamatan import is_place_title
from .source import fetch_rows

__all__ = ["RekapError", "build_figures", "monthly_recap", "parse_period", "recap_due", "recap_paths", "write_recap"]

log = logging.getLogger("siapmas.rekap")

#: the recap files are for officials only: created readable by the owner alone
FILE_MODE = 0o600


class RekapError(SiapmasError):
    """A recap period or output the operator asked for cannot be used."""


#: the years a recap can be asked for (a recap also reads the 12 months before its period,
#: and the month after it bounds it: both must be dates)
YEARS = range(2000, 3000)


def _year(year: int, what: str) -> int:
    if year not in YEARS:
        raise RekapError(f"{what}: tahun {year} di luar rentang rekap ({YEARS.start}–{YEARS.stop - 1}).",
                         "Tulis tahun empat angka yang masuk akal, mis. --bulan 2026-11 atau --tahun 2026.")
    return year


def _date(text: str, option: str) -> date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
        _year(day.year, f"Tanggal {option} '{text}'")
        return day
    raise RekapError(f"Tanggal {option} '{text}' tidak dikenali.", "Tulis 2026-01-31 atau 31/01/2026.")


def parse_period(bulan: str | None, tahun: str | None, date_from: str | date | None,
                 date_to: str | date | None) -> Period:
    """Exactly one of --bulan, --tahun or --from with --to (dates as text or dates)."""
    if isinstance(date_from, str):
        date_from = _date(date_from, "--from")
    if isinstance(date_to, str):
        date_to = _date(date_to, "--to")
    given = sum(x is not None for x in (bulan, tahun)) + (date_from is not None or date_to is not None)
    if given != 1:
        raise RekapError("Pilih satu periode rekap.",
                         "Gunakan --bulan 2026-11, --tahun 2026, atau --from 2026-01-01 --to 2026-03-31.")
    if bulan is not None:
        m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", bulan)
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise RekapError(f"Bulan '{bulan}' tidak dikenali.", "Tulis tahun-bulan, mis. --bulan 2026-11.")
        return Period.month(_year(int(m.group(1)), f"Bulan '{bulan}'"), int(m.group(2)))
    if tahun is not None:
        if not re.fullmatch(r"\s*\d{4}\s*", tahun) or int(tahun) not in YEARS:
            raise RekapError(f"Tahun '{tahun}' tidak dikenali.", "Tulis empat angka, mis. --tahun 2026.")
        return Period.year(int(tahun))
    if date_from is None or date_to is None:
        raise RekapError("Periode --from/--to belum lengkap.", "Beri keduanya, mis. --from 2026-01-01 --to 2026-03-31.")
    if date_to < date_from:
        raise RekapError("Tanggal --to sebelum --from.", "Tukar kedua tanggal; --to termasuk dalam periode.")
    return Period.span(date_from, date_to)


def build_figures(s: Settings, ledger: Ledger, period: Period, *, wf: Workflow, cal: OfficeCalendar,
                  now: datetime) -> dict[str, Any]:
    """Every figure of *period* (one read of the ledger, then pure computation)."""
    tz = s.tz
    lo, hi = period.bounds(tz)
    trend_lo = datetime.combine(trend_months(period)[0], datetime.min.time(), tz)
    words = tuple(s.rekap.kolom_tempat)
    rows = fetch_rows(ledger, min(lo, trend_lo), hi, place_title=lambda t: is_place_title(t, words))
    return compute(rows, period, wf=wf, cal=cal, tz=tz, now=now, kecamatan=s.rekap.kecamatan,
                   verify_days=s.workflow.verify_days, settle_days=s.workflow.settle_days)


def recap_paths(folder: Path, period: Period) -> tuple[Path, Path]:
    return folder / f"rekap-{period.slug}.pdf", folder / f"rekap-{period.slug}.xlsx"


def write_recap(s: Settings, fig: dict[str, Any], period: Period, folder: Path, *, wf: Workflow,
                today: date) -> tuple[Path, Path]:
    """Write the PDF and the XLSX of *fig* into *folder* (atomic, 0600); return both paths."""
    from ..documents.common import atomic_write_bytes
    from .pdf import Signer, render_pdf
    from .xlsx import render_xlsx

    # who holds an item at each stage, by role; a settled or rejected item is held by nobody
    holders = {st.label: st.actor for st in wf.stages}
    holders[wf.last.label] = "— (sudah selesai)"
    holders[wf.exit(EXIT_DITOLAK).label] = "— (sudah ditolak)"
    t = s.templates
    pdf_path, xlsx_path = recap_paths(folder, period)
    try:
        pdf = render_pdf(fig, kop=s.kop_value(), signer=Signer(t.penandatangan_nama, t.penandatangan_nip,
                                                                 t.penandatangan_jabatan),
                         stage_holders=holders, tanggal=today)
        xlsx = render_xlsx(fig, stage_holders=holders)
        atomic_write_bytes(pdf_path, pdf, mode=FILE_MODE)
        atomic_write_bytes(xlsx_path, xlsx, mode=FILE_MODE)
    except PermissionError as exc:
        raise RekapError(f"Berkas rekap tidak dapat ditulis: {exc.filename or folder}.",
                         "Tutup berkas itu bila sedang dibuka (mis. di Excel), atau pilih folder lain dengan --out.") from None
    except OSError as exc:
        raise RekapError(f"Berkas rekap tidak dapat ditulis di {folder}: {exc.strerror or exc}.",
                         "Periksa folder --out (ada, dapat ditulis, ruang disk cukup).") from None
    return pdf_path, xlsx_path


def first_working_day(cal: OfficeCalendar, year: int, month: int) -> date:
    d = date(year, month, 1)
    for _ in range(31):
        if cal.is_working_day(d):
            return d
        d += timedelta(days=1)
    return date(year, month, 1)


def recap_due(today: date, cal: OfficeCalendar, existing: Collection[str]) -> Period | None:
    """Last month's recap when it is due: from the month's first working day on, as long as
    no recap of that month exists yet (*existing*: file names in the recap folder). A worker
    that was off on the first working day catches up on its next cycle."""
    if today < first_working_day(cal, today.year, today.month):
        return None
    prev = month_add(date(today.year, today.month, 1), -1)
    period = Period.month(prev.year, prev.month)
    return None if f"rekap-{period.slug}.pdf" in existing else period


def monthly_recap(s: Settings, ledger: Ledger, backend: Any, *, wf: Workflow, cal: OfficeCalendar,
                  now: datetime) -> list[Path]:
    """`run`'s monthly step: write last month's recap when due, upload it when configured.
    Returns the files written (none when not due)."""
    folder = s.output.dir / "rekap"
    existing = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
    period = recap_due(now.astimezone(s.tz).date(), cal, existing)
    if period is None:
        return []
    fig = build_figures(s, ledger, period, wf=wf, cal=cal, now=now)
    files = list(write_recap(s, fig, period, folder, wf=wf, today=now.astimezone(s.tz).date()))
    log.info("Rekap %s dibuat: %s", period.label, ", ".join(str(f) for f in files))
    if s.rekap.drive_folder_id and s.source.backend == "google":
        # queued first: a refused upload is retried by `run` (upload_queued), never lost
        with ledger.tx() as conn:
            Ledger.set_meta(conn, PENDING_META, json.dumps(sorted({*_queued(ledger), *(f.name for f in files)})))
        upload_queued(s, ledger, backend)
    return files


#: the recap files written but not yet in ``[rekap] drive_folder_id`` (JSON list of names)
PENDING_META = "rekap_unggah_tertunda"


def _queued(ledger: Ledger) -> list[str]:
    return list(json.loads(ledger.get_meta(PENDING_META) or "[]"))


def upload_queued(s: Settings, ledger: Ledger, backend: Any) -> list[str]:
    """Upload the recap files still waiting (optional work: `run` calls it every cycle
    through optional.OptionalWork); raises what the backend raises, the queue kept."""
    names = _queued(ledger)
    if not names:
        return []
    folder = s.output.dir / "rekap"
    upload(s, backend, [folder / n for n in names if (folder / n).is_file()])
    with ledger.tx() as conn:
        Ledger.set_meta(conn, PENDING_META, "[]")
    return [f"Rekap diunggah ke Google Drive: {', '.join(names)}."]


def upload(s: Settings, backend: Any, files: list[Path]) -> list[str]:
    """Upload the recap files to ``[rekap] drive_folder_id`` (Google only; else nothing)."""
    if not s.rekap.drive_folder_id or s.source.backend != "google":
        return []
    links = backend.publish(files, folder_id=s.rekap.drive_folder_id)
    log.info("Rekap diunggah ke Drive: %s", ", ".join(links))
    return links
