"""Many DPRDs, several hosts: one deployment serves several *tenants* (each an ordinary
siapmas configuration with its own sheet, evidence folder, credentials, numbering, kop and
output) from one PostgreSQL database, each tenant's ledger in its own schema.

- :mod:`.deployment` — the deployment file (``[storage] url``, ``[leases]``, ``[[tenant]]``);
- :mod:`.leases` — tenant leases and worker heartbeats in PostgreSQL, and the fence that
  makes every ledger write of a tenant check, in its own transaction, that the lease is
  still held;
- :mod:`.runner` — ``run`` on a deployment: serve every tenant this worker can lease;
- :mod:`.listing` — ``siapmas-sync tenants``.

A single-DPRD installation (one config file, SQLite) never touches this package.
"""
