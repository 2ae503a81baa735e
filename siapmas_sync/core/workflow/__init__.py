"""The pure workflow engine: SOP stages, allowed transitions and the SLA clock.

* :mod:`.stages` — :class:`StageDef` / :class:`Workflow` (configurable labels, actors and
  time standards), :func:`check_transition`, :func:`allowed_targets`,
  :func:`normalise_akd`.
* :mod:`.akd` — the receiving AKD list and :func:`normalise_akd`.
* :mod:`.sla` — :class:`OfficeCalendar` (office hours), working-time arithmetic
  (:func:`add_working_time`, :func:`working_time_between`, :func:`working_days_between`),
  :func:`sla_status` and Indonesian duration formatting.
* :mod:`.holidays` — the holiday list (TOML) the calendar closes on.

No database, no network, no clock: callers pass ``now``. The only I/O is reading the
holiday list (:func:`load_holidays`).
"""

from typing import TYPE_CHECKING

from ...lazy import exports

if TYPE_CHECKING:
    from .sla import (
        DEFAULT_HOURS,
        Holiday,
        HolidayFile,
        OfficeCalendar,
        SlaStatus,
        add_working_days,
        add_working_time,
        default_holidays_path,
        format_duration_id,
        format_working_days_id,
        is_working_time,
        load_calendar,
        load_holiday_file,
        load_holidays,
        next_opening,
        parse_office_hours,
        sla_status,
        working_days_between,
        working_time_between,
    )
    from .stages import (
        AKD_LIST,
        DIKEMBALIKAN,
        DITERIMA,
        DITOLAK,
        EXIT_CODES,
        KELUAR,
        KEMBALI,
        LANJUT,
        MAJU,
        PERLU_KELENGKAPAN,
        SELESAI,
        StageDef,
        Transition,
        Workflow,
        allowed_targets,
        check_transition,
        default_workflow,
        normalise_akd,
    )

#: name → the module that defines it, imported on first use: the configuration checks an AKD
#: name (:mod:`.akd`) without loading the stages, the calendar and its holiday list (``status``'s
#: start-up, README "Performance")
_HOME = {
    **dict.fromkeys(("AKD_LIST", "normalise_akd"), ".akd"),
    **dict.fromkeys(("DEFAULT_HOURS", "Holiday", "HolidayFile", "OfficeCalendar", "SlaStatus", "add_working_days",
                     "add_working_time", "default_holidays_path", "format_duration_id", "format_working_days_id",
                     "is_working_time", "load_calendar", "load_holiday_file", "load_holidays", "next_opening",
                     "parse_office_hours", "sla_status", "working_days_between", "working_time_between"), ".sla"),
    **dict.fromkeys(("DIKEMBALIKAN", "DITERIMA", "DITOLAK", "EXIT_CODES", "KELUAR", "KEMBALI", "LANJUT", "MAJU",
                     "PERLU_KELENGKAPAN", "SELESAI", "StageDef", "Transition", "Workflow", "allowed_targets",
                     "check_transition", "default_workflow"), ".stages"),
}

__all__ = [
    "AKD_LIST",
    "DEFAULT_HOURS",
    "DIKEMBALIKAN",
    "DITERIMA",
    "DITOLAK",
    "EXIT_CODES",
    "Holiday",
    "HolidayFile",
    "KELUAR",
    "KEMBALI",
    "LANJUT",
    "MAJU",
    "OfficeCalendar",
    "PERLU_KELENGKAPAN",
    "SELESAI",
    "SlaStatus",
    "StageDef",
    "Transition",
    "Workflow",
    "add_working_days",
    "add_working_time",
    "allowed_targets",
    "check_transition",
    "default_holidays_path",
    "default_workflow",
    "format_duration_id",
    "format_working_days_id",
    "is_working_time",
    "load_calendar",
    "load_holiday_file",
    "load_holidays",
    "next_opening",
    "normalise_akd",
    "parse_office_hours",
    "sla_status",
    "working_days_between",
    "working_time_between",
]


__getattr__ = exports(__name__, _HOME, globals())
