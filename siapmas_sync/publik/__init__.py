"""The public status view: what a citizen may see about an aduan without seeing anyone's
personal data — agenda number, when it was received, its current stage, the Alat
Kelengkapan DPRD handling it (never for a rahasia item: "Badan Kehormatan" would tell the
public what it is about) and when it last changed. Nothing else leaves the ledger
here: no name, contact, chronology, perihal or evidence, for rahasia items too.

* :mod:`.view` — the rows, as plain data, from the ledger (pure functions);
* :mod:`.page` — the offline HTML page (search by agenda number) and the CSV;
* :mod:`.sheet` — the same table on a separate, publicly shared Google spreadsheet;
* :mod:`.cache` — the row index: where each row lies in the files as written, its digest;
* :mod:`.step` — the engine's step: render only the rows that changed, copy the others.
"""

from .step import PublicStatus
from .view import PUBLIC_COLUMNS, PublicRow, public_rows

__all__ = ["PUBLIC_COLUMNS", "PublicRow", "PublicStatus", "public_rows"]
