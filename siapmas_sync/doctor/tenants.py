"""``doctor`` on a deployment file: the deployment database (reachable, lease tables), then
the usual checks for each tenant (or the one ``--tenant`` names) on its own configuration,
with its ledger in the deployment's database."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from .checkup import Check, Doctor, render
from ..errors import SiapmasError
from ..tenants.deployment import load_deployment, schema_name, tenant_settings
from ..tenants.leases import Leases


def deployment_doctor(path: Path, only: str | None, say: Callable[[str], None]) -> bool:
    try:
        dep = load_deployment(path)
    except SiapmasError as exc:
        say(render([Check("Berkas deployment / deployment file", False, exc.message, exc.advice)]))
        return False
    ids = [only] if only else dep.ids
    if only and only not in dep.ids:
        say(render([Check("Tenant", False, f"Tenant '{only}' tidak ada di {path}.", f"Id yang ada: {', '.join(dep.ids)}.")]))
        return False
    checks = [Check("Berkas deployment / deployment file", True, f"{path} ({len(dep.tenant)} tenant)")]
    leases = Leases(dep.storage.url, dep.leases.seconds)
    try:
        leases.prepare(dep.ids, [schema_name(t) for t in dep.ids])
        rows, live, _now = leases.rows()
        checks.append(Check("Basis data deployment / deployment database", True,
                            f"terhubung; tabel sewa siap; {live} worker hidup"))
    except Exception as exc:
        from .. import failures

        err = failures.explain(exc, command="doctor")
        checks.append(Check("Basis data deployment / deployment database", False, err.message, err.advice))
    finally:
        leases.close()
    say(render(checks))
    ok = all(c.ok for c in checks)
    for t in ids:
        say(f"\n== Tenant {t} ({dep.entry(t).nama or dep.entry(t).config.name})")
        tenant_checks = Doctor(dep.entry(t).config, loader=partial(tenant_settings, dep, t)).run()
        say(render(tenant_checks))
        ok = ok and all(c.ok for c in tenant_checks)
    return ok
