"""Helpers for the tenant tests: deployment files, "hosts" with their own copies of the
tenants' configuration and output, and reading each tenant's ledger straight from its
PostgreSQL schema."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import psycopg

from siapmas_sync.tenants.deployment import schema_name

def plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def write_deployment(path: Path, url: str, tenants: dict[str, Path], *, lease_seconds: float = 300,
                     names: dict[str, str] | None = None) -> Path:
    lines = [f'[storage]\nurl = "{url}"\n', f"[leases]\nseconds = {lease_seconds}\n"]
    for t, cfg in tenants.items():
        nama = (names or {}).get(t, f"DPRD {t.upper()}")
        lines.append(f'[[tenant]]\nid = "{t}"\nnama = "{nama}"\nconfig = "{cfg}"\n')
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def host_copy(host: Path, tenant: str, source_dir: Path) -> Path:
    """The tenant's configuration (and credentials) copied to *host*'s own folder; its output
    is written under that folder (a separate file system)."""
    dest = host / tenant
    dest.mkdir(parents=True)
    for name in ("siapmas.toml", "service-account.json"):
        if (source_dir / name).exists():
            shutil.copy2(source_dir / name, dest / name)
    return dest / "siapmas.toml"


def ledger_items(url: str, tenant: str) -> list[dict[str, Any]]:
    with psycopg.connect(plain(url)) as conn:
        conn.execute(f"SET search_path = {schema_name(tenant)}")
        cur = conn.execute("SELECT key, year, seq, agenda_no, perihal FROM items ORDER BY year, seq")
        return [dict(zip(("key", "year", "seq", "agenda", "perihal"), r)) for r in cur.fetchall()]


def lease_rows(url: str) -> dict[str, dict[str, Any]]:
    with psycopg.connect(plain(url)) as conn:
        try:
            cur = conn.execute("SELECT tenant, holder, generation, expires_at > now(), last_cycle_at "
                               "FROM siapmas.tenant_leases")
        except psycopg.errors.UndefinedTable:
            return {}
        return {r[0]: {"holder": r[1] if r[3] else None, "generation": r[2], "last_cycle_at": r[4]}
                for r in cur.fetchall()}
