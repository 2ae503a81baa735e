"""``siapmas-sync tenants``: each tenant of a deployment with its lease holder, lease expiry,
last cycle (time and result) and backlog, from the lease table (no Google request).

Backlog: ``terbuka`` = the tenant's items not yet SELESAI or DITOLAK; ``tertunda`` = its
unfinished outbox entries (documents to render, copies to make) — both as counted at the
end of its last cycle. Responses not yet numbered are not counted here: they are only known
by reading the tenant's sheet, which the next cycle does.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from .deployment import Deployment


def tenant_rows(dep: Deployment, rows: list[Any], live: int, tz: tzinfo) -> list[dict[str, Any]]:
    """Plain dicts (the ``--json`` form), in the deployment file's order."""
    by_id = {r.tenant: r for r in rows}
    out = []
    for t in dep.tenant:
        r = by_id.get(t.id)
        held = r if r is not None and r.holder is not None and not r.expired else None
        out.append({
            "tenant": t.id,
            "nama": t.nama,
            "holder": held.holder if held is not None else None,
            "lease_expires_at": _iso(held.expires_at, tz) if held is not None else None,
            "lease_generation": int(r.generation) if r is not None else 0,
            "last_cycle_at": _iso(r.last_cycle_at, tz) if r is not None else None,
            "last_ok": r.last_ok if r is not None else None,
            "last_result": r.last_result if r is not None else "",
            "backlog_open_items": r.backlog if r is not None else None,
            "backlog_pending_outbox": r.pending if r is not None else None,
        })
    return out


def _iso(value: datetime | None, tz: tzinfo) -> str | None:
    return None if value is None else value.astimezone(tz).replace(microsecond=0).isoformat()


def render(data: list[dict[str, Any]], live: int, fair: int) -> str:
    """The table operators read (Indonesian labels, WIB times)."""
    lines = [f"{len(data)} tenant, {live} worker hidup (bagian adil: paling banyak {fair} tenant per worker)", ""]
    head = f"{'Tenant':<16} {'Pemegang sewa':<32} {'Sewa s/d':<9} {'Siklus terakhir':<17} {'Terbuka':>7} {'Tertunda':>8}  Hasil"
    lines += [head, "-" * len(head)]
    for d in data:
        holder = d["holder"] or "(bebas)"
        until = d["lease_expires_at"][11:19] if d["lease_expires_at"] else "-"
        last = d["last_cycle_at"][:16].replace("T", " ") if d["last_cycle_at"] else "belum pernah"
        opened = "-" if d["backlog_open_items"] is None else str(d["backlog_open_items"])
        pending = "-" if d["backlog_pending_outbox"] is None else str(d["backlog_pending_outbox"])
        result = d["last_result"] or "-"
        lines.append(f"{d['tenant']:<16} {holder[:32]:<32} {until:<9} {last:<17} {opened:>7} {pending:>8}  {result[:70]}")
    lines += ["", "Terbuka: butir yang belum SELESAI/DITOLAK; Tertunda: pekerjaan dokumen yang belum selesai."]
    return "\n".join(lines)


def listing(dep: Deployment, as_json: bool) -> str:
    """The `tenants` output; the lease tables are created when missing (nothing ran yet)."""
    import json
    from zoneinfo import ZoneInfo

    from .deployment import schema_name
    from .leases import Leases

    leases = Leases(dep.storage.url, dep.leases.seconds)
    try:
        try:
            leases.prepare(dep.ids, [schema_name(t) for t in dep.ids])
            rows, live, _now = leases.rows()
        except Exception as exc:
            from .. import failures

            raise failures.explain(exc, command="tenants") from None
    finally:
        leases.close()
    data = tenant_rows(dep, rows, live, ZoneInfo(dep.timezone))
    if as_json:
        return json.dumps({"workers_alive": live, "fair_share": dep.fair_share(live), "tenants": data},
                          ensure_ascii=False, indent=2)
    return render(data, live, dep.fair_share(live))
