"""The agenda number: its template, its gapless assignment to new responses, and the guard that compares the sheet with the ledger first."""
