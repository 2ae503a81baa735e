"""Keeping one worker running and its ledger safe: the ``run`` clock, one worker per ledger, backups, restore and ``recover``."""
