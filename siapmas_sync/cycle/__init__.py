"""One sync cycle and the operators' steps: read, decide, record, render, write back — orchestrated over the ledger and a backend."""
