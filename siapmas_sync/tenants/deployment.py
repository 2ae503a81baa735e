"""The deployment file: which tenants one deployment serves, and the PostgreSQL database
that holds all their ledgers and the leases.

::

    [storage]
    url = "postgresql+psycopg://siapmas@db.example/siapmas"

    [leases]
    seconds = 300            # a dead host's tenants move to the others after this long

    [schedule]
    interval_minutes = 5     # each tenant's cycle interval

    [[tenant]]
    id = "mojokerto"                     # a-z, 0-9, _ ; names the PostgreSQL schema
    nama = "DPRD Kabupaten Mojokerto"
    config = "tenants/mojokerto.toml"    # an ordinary siapmas config file

Each tenant's own file keeps everything else (source, credentials, numbering template, kop,
output folder…); its ``[storage]`` is ignored: the tenant's ledger lives in the schema
``tenant_<id>`` of the deployment's database. A file is a deployment file when it has
``[[tenant]]`` entries; ``--config`` accepts either kind.
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path
from typing import Literal, TypeGuard

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..config import ScheduleConfig, Settings, load_settings
from ..errors import ConfigError

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DeploymentStorage(_Section):
    url: str

    @field_validator("url")
    @classmethod
    def _postgresql(cls, v: str) -> str:
        if not v.startswith("postgresql"):
            raise ValueError("harus URL PostgreSQL (postgresql+psycopg://pengguna@host/basisdata); "
                             "banyak DPRD berbagi satu PostgreSQL, SQLite hanya untuk satu DPRD")
        return v


class LeaseConfig(_Section):
    #: how long a lease lasts without renewal: a dead host's tenants move after this long
    seconds: float = Field(300, ge=1, le=24 * 3600)


class TenantEntry(_Section):
    id: str
    config: Path
    nama: str = ""

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not ID_PATTERN.match(v):
            raise ValueError(f"'{v}' tidak sah: huruf kecil a-z, angka dan '_', diawali huruf, paling panjang 40")
        return v


class Deployment(_Section):
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    timezone: str = "Asia/Jakarta"
    storage: DeploymentStorage
    leases: LeaseConfig = Field(default_factory=LeaseConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    tenant: list[TenantEntry] = Field(min_length=1)
    path: Path | None = None

    @field_validator("tenant")
    @classmethod
    def _unique(cls, v: list[TenantEntry]) -> list[TenantEntry]:
        seen: set[str] = set()
        for t in v:
            if t.id in seen:
                raise ValueError(f"id tenant '{t.id}' dipakai lebih dari sekali")
            seen.add(t.id)
        return v

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.tenant]

    def entry(self, tenant_id: str) -> TenantEntry:
        return next(t for t in self.tenant if t.id == tenant_id)

    def fair_share(self, live_workers: int) -> int:
        return fair_share(len(self.tenant), live_workers)


def fair_share(tenants: int, live_workers: int) -> int:
    """The most tenants one worker takes while *live_workers* (itself included) are alive."""
    return math.ceil(tenants / max(1, live_workers))


def schema_name(tenant_id: str) -> str:
    """The PostgreSQL schema that holds the tenant's ledger tables."""
    return f"tenant_{tenant_id}"


def tenant_url(storage_url: str, tenant_id: str) -> str:
    """The deployment's database URL with the tenant's schema as the only search_path:
    the unchanged ledger code then creates and reads its tables there."""
    from sqlalchemy.engine import make_url  # here: every CLI start reads its config through this module

    url = make_url(storage_url)
    return url.update_query_dict({"options": f"-csearch_path={schema_name(tenant_id)}"}).render_as_string(
        hide_password=False)


def is_deployment(path: Path | None) -> TypeGuard[Path]:
    """True when *path* is a TOML file with ``[[tenant]]`` entries (never raises)."""
    if path is None or not Path(path).is_file():
        return False
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return isinstance(raw.get("tenant"), list)


def load_deployment(path: Path) -> Deployment:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"Berkas deployment {path} tidak dapat dibaca: {exc.strerror}",
                          "Periksa jalur --config.") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"Berkas deployment {path} bukan TOML UTF-8 yang sah: {exc}",
                          "Periksa tanda kutip dan tanda '=' pada baris yang disebut.") from None
    try:
        dep = Deployment.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(berkas)'}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors())
        raise ConfigError(f"Berkas deployment {path} tidak sah: {problems}",
                          "Perbaiki kunci yang disebut; contoh lengkap ada di README, bagian \"Many DPRDs\".") from None
    base = path.resolve().parent
    for t in dep.tenant:
        if not t.config.is_absolute():
            t.config = (base / t.config).resolve()
    dep.path = path.resolve()
    return dep


def tenant_settings(dep: Deployment, tenant_id: str) -> Settings:
    """The tenant's own configuration, its ledger pointed at its schema of the deployment's
    database (a ConfigError naming the tenant when its file is wrong)."""
    entry = dep.entry(tenant_id)
    try:
        settings = load_settings(entry.config)
    except ConfigError as exc:
        raise ConfigError(f"Tenant '{tenant_id}': {exc.message}", exc.advice) from None
    settings.storage.url = tenant_url(dep.storage.url, tenant_id)
    return settings


def given_or_default(path: Path | None) -> Path | None:
    """The --config path, or the default file ``load_settings`` would use."""
    from ..config import DEFAULT_CONFIG_NAMES

    if path is not None:
        return Path(path)
    return next((Path(n) for n in DEFAULT_CONFIG_NAMES if Path(n).is_file()), None)


#: commands that run or rebuild a tenant's cycle: on a deployment only `run` does that
NOT_FOR_ONE_TENANT = ("sync", "recover", "rebind", "restore", "backup")


def cli_settings(path: Path | None, tenant: str | None, command: str) -> Settings | None:
    """For the single-DPRD commands (status, show, advance, overdue, buku-agenda, rekap):
    the settings of ``--tenant`` when ``--config`` is a deployment file; None for an
    ordinary configuration file (read as today)."""
    path = given_or_default(path)
    if not is_deployment(path):
        if tenant:
            raise ConfigError(f"--tenant '{tenant}' diberikan, tetapi {path or 'konfigurasi'} bukan berkas deployment.",
                              "Hapus --tenant (konfigurasi satu DPRD), atau beri --config berkas deployment.")
        return None
    assert path is not None
    dep = load_deployment(path)
    if command in NOT_FOR_ONE_TENANT:
        raise ConfigError(f"`{command}` tidak dijalankan pada berkas deployment (banyak DPRD).",
                          "Siklus tenant dijalankan oleh `siapmas-sync run` pada berkas deployment (sewa di PostgreSQL "
                          "memastikan satu worker per tenant); pemulihan PostgreSQL memakai cadangan basis data.")
    if not tenant:
        raise ConfigError(f"{path} adalah berkas deployment ({len(dep.tenant)} tenant); `{command}` bekerja untuk satu DPRD.",
                          "Tambahkan --tenant ID (daftar id: `siapmas-sync tenants`), atau gunakan `run` / `tenants`.")
    if tenant not in dep.ids:
        raise ConfigError(f"Tenant '{tenant}' tidak ada di {path}.", f"Id yang ada: {', '.join(dep.ids)}.")
    return tenant_settings(dep, tenant)
