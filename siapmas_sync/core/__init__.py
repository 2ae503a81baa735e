"""The core: the SOP's rules and the agenda's data, pure — no database, no network, no clock."""
