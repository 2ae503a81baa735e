"""The backend protocol: the small surface the engine needs from a spreadsheet + evidence
store. Keep it small: the Google and local implementations must stay interchangeable."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from ..models import Evidence, Finding, SheetTable, Submission
from ..sheetplan import TablePlan

#: Titles Google Forms gives the response tab (English / Indonesian account language).
RESPONSE_TAB_NAMES: tuple[str, ...] = ("Form Responses 1", "Jawaban Formulir 1", "Form responses 1")


@dataclass
class Snapshot:
    """One read of the spreadsheet: the response tab and our register tabs (None when a
    tab does not exist yet), plus the spreadsheet's own time zone when it has one."""

    responses: SheetTable
    tabs: dict[str, SheetTable | None] = field(default_factory=dict)
    sheet_tz: ZoneInfo | None = None


class Backend(Protocol):
    name: str

    def read(self, register_tabs: Sequence[str]) -> Snapshot:
        """Read the response tab and the named register tabs (one round trip on Google)."""
        ...

    def write(self, plans: Sequence[TablePlan], controls: Mapping[str, Mapping[str, list[str]]] | None = None) -> None:
        """Apply the planned cell writes (one batch on Google, one atomic save locally).

        ``controls``: per tab, dropdown lists by column title (data validation); applied
        when the tab is created or its header changes. A "Rahasia" column is a checkbox;
        every column not in the dropdowns and not "Catatan" is protected on Google."""
        ...

    def find_evidence(self, submissions: Sequence[Submission]) -> dict[str, tuple[list[Evidence], list[Finding]]]:
        """Locate each submission's evidence: {submission key: (evidence, findings)}."""
        ...

    def publish(self, files: Sequence[Path]) -> list[str]:
        """Make generated documents reachable for officials; return one link/path each."""
        ...

    def close(self) -> None: ...
