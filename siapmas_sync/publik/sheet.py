"""The public table on a separate Google spreadsheet that the secretariat shares for
anyone to view. Written through the Google backend's client (service account, retries,
grid growth, RAW values so nothing becomes a formula): in one ``values:batchUpdate`` per
cycle in which a figure changed, the header and the rows that changed since it was last
written (all of them the first time). Never the form's response
spreadsheet (config refuses it at load)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..backends.google import GoogleBackend
from ..backends.google_auth import Identity
from ..backends.google_http import RetryPolicy
from ..config import Settings
from ..core.models import CellUpdate
from ..core.sheetplan import TablePlan
from .view import PUBLIC_COLUMNS


class PublicSheet(GoogleBackend):
    """A GoogleBackend on the public spreadsheet: it has no response tab to look for."""

    def _pick_response_tab(self, tabs: dict[str, Any]) -> str:
        return ""

    @classmethod
    def for_settings(cls, s: Settings) -> PublicSheet:
        src = s.source
        return cls(
            spreadsheet_id=s.publik.spreadsheet_id,
            identity=Identity.from_settings(s),
            endpoint=src.google_endpoint,
            timeout=src.timeout_seconds,
            retry=RetryPolicy(src.max_retries, base=src.retry_base_seconds),
        )

    def write_table(self, tab: str, rows: Mapping[int, Sequence[str]]) -> int:
        """The header and the given data rows (0-based row → cells, as the CSV has them),
        written as RAW text in one plan; returns the cells written."""
        updates = [CellUpdate(tab, 0, j, v) for j, v in enumerate(PUBLIC_COLUMNS)]
        updates += [CellUpdate(tab, i + 1, j, v) for i, cells in sorted(rows.items()) for j, v in enumerate(cells)]
        self.write([TablePlan(tab=tab, header=list(PUBLIC_COLUMNS), updates=updates)])
        return len(updates)
