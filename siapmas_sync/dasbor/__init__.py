"""The *Dasbor* tab (SOP: *Pencatatan dan Pelaporan*): live counts of the current year, native
charts over them, and the worker's last sync with a warning that shows even when the worker
is dead (a sheet formula).

* :mod:`.layout` — pure: the recap's figures → cells and chart definitions;
* :mod:`.service` — when to compute and write (ledger fingerprint, heartbeat), last sync;
* :mod:`.sheets` — the Sheets API requests (updateCells, addChart, updateChartSpec);
* :mod:`.workbook` — the same tab in the local register (openpyxl charts).
"""

from .layout import TAB, DasborView

__all__ = ["TAB", "DasborView"]
