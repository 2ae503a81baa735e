"""Every figure of the recap, computed from plain rows (:mod:`.source`) — no I/O, no clock.

:func:`compute` returns a JSON-ready dict; ``rekap --json`` prints it and the PDF and XLSX
render it, so the three never disagree. Definitions (the README and the PDF say the same):

* An item belongs to the period of its **receipt** (the form's timestamp), taken in WIB:
  31 December 23:30 WIB is December even though it is 16:30 UTC.
* ``total`` counts numbered items; ``duplicates`` the identical resubmissions received in
  the period (linked to an earlier item, never numbered).
* ``by_month`` is the 12-month trend ending with the period's last month: per month the
  items received, how many of those are now SELESAI, still open, or DITOLAK.
* ``by_suggested_akd`` is the routing suggestion, ``by_akd`` what the officials decided
  (*Diteruskan ke*; "Belum diputuskan" while empty); ``by_stage`` the current stage.
* ``by_kecamatan`` per :meth:`.kecamatan.Matcher.place`, every configured kecamatan listed.
* ``sla``: for each stage with a time standard, the moves *out of* that stage recorded in
  the period, how many took no more working time (office hours, holidays skipped) than the
  standard, and the median in working minutes.
* ``open_oldest`` (10 oldest) and ``overdue`` (late against the stage standard or past the
  settlement clock, by holder) among the period's open items, as of ``generated_at``.
* ``completeness``: items whose check found the identity, contact, chronology or evidence
  lacking (severity *kurang*), and how many were complete.

Rahasia items are counted everywhere; in lists their subject reads "(dirahasiakan)".
Reporter names are never part of the input.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from ..core.models import KURANG
from ..core.workflow import OfficeCalendar, Workflow, sla_status, working_time_between
from ..core.workflow.stages import EXIT_DIKEMBALIKAN, EXIT_DITOLAK
from .kecamatan import DEFAULT_KECAMATAN, LEBIH_DARI_SATU, TIDAK_DIKETAHUI, Matcher
from .source import ItemRow, RekapRows

__all__ = ["BULAN_SINGKAT", "COMPLETENESS_CODES", "HIDDEN_PERIHAL", "Period", "compute", "month_add", "tanggal",
           "trend_months"]

BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
         "Oktober", "November", "Desember")
BULAN_SINGKAT = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
HIDDEN_PERIHAL = "(dirahasiakan)"
BELUM_DIPUTUSKAN = "Belum diputuskan"
TIDAK_DITERUSKAN = "Ditolak (tidak diteruskan)"
#: completeness finding codes reported (intake/completeness.py), with their Indonesian labels
COMPLETENESS_CODES = {
    "identitas": "Identitas pelapor belum jelas",
    "kontak": "Kontak aktif belum ada",
    "kronologi": "Kronologi/waktu/tempat kurang",
    "bukti": "Bukti dukung belum dilampirkan",
}
OLDEST_N = 10


@dataclass(frozen=True)
class Period:
    """A recap period: whole days *start*..*end* (inclusive) in the configured zone."""

    start: date
    end: date
    label: str
    slug: str  # for file names: "2026-11", "2026", "20260101-20260315"

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        last = month_add(date(year, month, 1), 1) - timedelta(days=1)
        return cls(date(year, month, 1), last, f"Bulan {BULAN[month - 1]} {year}", f"{year:04d}-{month:02d}")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31), f"Tahun {year}", f"{year:04d}")

    @classmethod
    def span(cls, start: date, end: date) -> Period:
        return cls(start, end, f"{tanggal(start)} s.d. {tanggal(end)}", f"{start:%Y%m%d}-{end:%Y%m%d}")

    @property
    def dates(self) -> str:
        """"1 Januari 2026 s.d. 31 Desember 2026" — how the period is printed."""
        return f"{tanggal(self.start)} s.d. {tanggal(self.end)}"

    def bounds(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """[lo, hi) as aware datetimes: midnight of *start* to midnight after *end*."""
        return (datetime.combine(self.start, time(0), tz),
                datetime.combine(self.end + timedelta(days=1), time(0), tz))


def tanggal(d: date) -> str:
    """A date as Indonesian documents print it: "1 Januari 2026"."""
    return f"{d.day} {BULAN[d.month - 1]} {d.year}"


def month_add(d: date, n: int) -> date:
    """The first day of the month *n* months after *d*'s month."""
    m = d.year * 12 + d.month - 1 + n
    return date(m // 12, m % 12 + 1, 1)


def trend_months(period: Period) -> list[date]:
    """First days of the 12 months ending with the period's last month."""
    last = date(period.end.year, period.end.month, 1)
    return [month_add(last, i) for i in range(-11, 1)]


def _month_key(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def _perihal(item: ItemRow) -> str:
    return HIDDEN_PERIHAL if item.rahasia else item.perihal


def _stage_order(wf: Workflow) -> list[str]:
    return [s.label for s in wf.stages if s.code != EXIT_DIKEMBALIKAN]


def compute(
    rows: RekapRows,
    period: Period,
    *,
    wf: Workflow,
    cal: OfficeCalendar,
    tz: tzinfo,
    now: datetime,
    kecamatan: Mapping[str, Sequence[str]] = DEFAULT_KECAMATAN,
    verify_days: int = 3,
    settle_days: int = 60,
) -> dict[str, Any]:
    """All figures of *period* from *rows* (which may hold more than the period)."""
    lo, hi = period.bounds(tz)
    done_label = wf.last.label
    rejected_label = wf.exit(EXIT_DITOLAK).label

    def state(tahap: str) -> str:
        return "finished" if tahap == done_label else "rejected" if tahap == rejected_label else "open"

    in_period = sorted((i for i in rows.items if lo <= i.received_at < hi), key=lambda i: (i.received_at, i.agenda_no))

    # --- totals and the 12-month trend -----------------------------------------------
    states = Counter(state(i.tahap) for i in in_period)
    months = trend_months(period)
    trend: dict[str, Counter[str]] = {_month_key(m): Counter() for m in months}
    for i in rows.items:
        k = _month_key(i.received_at.astimezone(tz).date())
        if k in trend:
            trend[k]["received"] += 1
            trend[k][state(i.tahap)] += 1
    by_month = [
        {"month": _month_key(m), "label": f"{BULAN_SINGKAT[m.month - 1]} {m.year}",
         "received": trend[_month_key(m)]["received"], "finished": trend[_month_key(m)]["finished"],
         "open": trend[_month_key(m)]["open"], "rejected": trend[_month_key(m)]["rejected"]}
        for m in months
    ]

    # --- AKD, stage, kecamatan -----------------------------------------------------------
    suggested = Counter(i.suggested or "-" for i in in_period)
    decided = Counter(i.diteruskan_ke or (TIDAK_DITERUSKAN if state(i.tahap) == "rejected" else BELUM_DIPUTUSKAN)
                      for i in in_period)
    stages = Counter(i.tahap for i in in_period)
    by_stage = {label: stages.pop(label, 0) for label in _stage_order(wf)}
    by_stage.update(sorted(stages.items()))  # labels renamed in configuration since
    matcher = Matcher(kecamatan)
    places = Counter(matcher.place(i.kronologi, i.place_fields) for i in in_period)
    by_kecamatan = {name: places.pop(name, 0) for name in kecamatan}
    by_kecamatan[LEBIH_DARI_SATU] = places.pop(LEBIH_DARI_SATU, 0)
    by_kecamatan[TIDAK_DIKETAHUI] = places.pop(TIDAK_DIKETAHUI, 0)

    # --- SOP time standards: moves out of each stage recorded in the period ------------
    standards = {s.label: s.standard for s in wf.stages if s.standard is not None and s.code != EXIT_DIKEMBALIKAN}
    durations: dict[str, list[float]] = defaultdict(list)
    entered: dict[str, tuple[str, datetime]] = {}
    for m in rows.moves:
        prev = entered.get(m.key)
        if prev is not None and m.from_stage == prev[0] and prev[0] in standards and lo <= m.at < hi:
            durations[prev[0]].append(working_time_between(cal, prev[1], m.at).total_seconds() / 60)
        entered[m.key] = (m.to_stage, m.at)
    sla = {}
    for label, std in standards.items():
        mins = durations.get(label, [])
        limit = std.total_seconds() / 60
        sla[label] = {
            "standard_minutes": round(limit, 2),
            "count": len(mins),
            "within": sum(1 for x in mins if x <= limit + 1e-9),
            "median_minutes": round(statistics.median(mins), 1) if mins else None,
        }

    # --- open items: the oldest, and the overdue by holder ----------------------------
    open_items = [i for i in in_period if state(i.tahap) == "open"]
    overdue_by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    oldest = []
    for n, i in enumerate(open_items):  # in_period is oldest first
        stage = wf.find(i.tahap)
        holder = stage.actor if stage else "-"
        try:
            st = sla_status(cal, wf, i.tahap, i.stage_entered_at, i.received_at, now,
                            verify_days=verify_days, settle_days=settle_days)
        except Exception:  # a stage label renamed in configuration since it was recorded
            st = None
        line = {
            "agenda": i.agenda_no, "received_at": i.received_at.astimezone(tz).isoformat(),
            "stage": i.tahap, "holder": holder, "perihal": _perihal(i),
            "age_working_days": st.age_working_days if st else None,
        }
        if n < OLDEST_N:
            oldest.append(line)
        if st is not None and (st.is_late or st.settle_overdue):
            overdue_by[holder].append({**line, "late_minutes": int(st.late_by.total_seconds() // 60),
                                       "settle_overdue": st.settle_overdue})
    for lines in overdue_by.values():
        lines.sort(key=lambda x: (-x["late_minutes"], x["received_at"]))
    overdue = {
        "count": sum(len(v) for v in overdue_by.values()),
        "by_holder": {h: overdue_by[h] for h in sorted(overdue_by, key=lambda h: (-len(overdue_by[h]), h))},
    }

    # --- completeness ---------------------------------------------------------------------
    completeness = {code: 0 for code in COMPLETENESS_CODES}
    complete = 0
    for i in in_period:
        kurang = {c for c, sev in i.findings if sev == KURANG}
        for code in COMPLETENESS_CODES:
            completeness[code] += code in kurang
        complete += not kurang
    completeness["lengkap"] = complete

    return {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat(), "label": period.label,
                   "dates": period.dates},
        "generated_at": now.astimezone(tz).replace(microsecond=0).isoformat(),
        "total": len(in_period),
        "finished": states["finished"],
        "open": states["open"],
        "rejected": states["rejected"],
        "rahasia": sum(1 for i in in_period if i.rahasia),
        "duplicates": sum(1 for d in rows.duplicates if lo <= d < hi),
        "by_month": by_month,
        "by_suggested_akd": dict(sorted(suggested.items(), key=lambda kv: (-kv[1], kv[0]))),
        "by_akd": dict(sorted(decided.items(), key=lambda kv: (-kv[1], kv[0]))),
        "by_stage": by_stage,
        "by_kecamatan": by_kecamatan,
        "sla": sla,
        "open_oldest": oldest,
        "overdue": overdue,
        "completeness": completeness,
    }
