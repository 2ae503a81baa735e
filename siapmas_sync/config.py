"""Configuration: one TOML file, validated on load, overridable by environment variables.

Owns the schema (pydantic models), path resolution (relative paths are relative to the
config file's folder), the environment override rule, and conversion to the plain values
the engine needs (Kop, QuestionTitles, ZoneInfo).

Environment rule: ``SIAPMAS_<SECTION>__<KEY>`` overrides ``[section] key``; for top-level
keys ``SIAPMAS_<KEY>``. The value is read as a TOML value when it parses as one (numbers,
booleans, ``["a", "b"]`` lists) and as a plain string otherwise. Example:
``SIAPMAS_SOURCE__BACKEND=google``, ``SIAPMAS_SCHEDULE__INTERVAL_MINUTES=2``.
``SIAPMAS_CONFIG`` names the file itself; ``SIAPMAS_TEST_*`` is reserved for tests.
"""

from __future__ import annotations

import os
import tomllib
from datetime import date
from pathlib import Path
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from .errors import ConfigError
from .core.intake.headers import QuestionTitles
from .core.intake.received import DEFAULT_FORM_START
from .core.kerahasiaan import DEFAULT_KATA_KUNCI
from .core.models import Kop
from .numbering.template import template_problem
from .rekap.kecamatan import DEFAULT_KECAMATAN, DEFAULT_PLACE_TITLES

ENV_PREFIX = "SIAPMAS_"
DEFAULT_CONFIG_NAMES = ("siapmas.toml", "config/siapmas.toml")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SourceConfig(_Section):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    backend: Literal["local", "google"] = "local"
    # local backend
    responses: Path = Path("responses.csv")
    evidence_dir: Path = Path("evidence")
    register_file: Path = Field(Path("var/register.xlsx"), alias="register")
    # both: which tab holds the responses ("" = "Form Responses 1" / "Jawaban Formulir 1")
    response_tab: str = ""
    day_first: bool = True  # Indonesian sheets write 28/11/2026; US sheets 11/28/2026
    # the day the form opened: an earlier timestamp is implausible (a finding; the item is
    # numbered by the time the worker first saw it, see intake/received.py)
    form_start: date = DEFAULT_FORM_START
    # google backend
    spreadsheet_id: str = ""
    evidence_folder_id: str = ""
    credentials: Path | None = None  # service-account key file; or GOOGLE_APPLICATION_CREDENTIALS
    upload_folder_id: str = ""  # optional: upload generated PDFs here, link them in "Dokumen"
    thumbnail_max_bytes: int = Field(5_000_000, ge=0)
    timeout_seconds: float = Field(30.0, gt=0)
    max_retries: int = Field(6, ge=0, le=20)
    retry_base_seconds: float = Field(1.0, ge=0)
    # Only for tests / the local Google stand-in: send API calls to this base URL.
    google_endpoint: str = ""


class GoogleConfig(_Section):
    """[google]: which Google identity the worker uses (backends/google_auth.py)."""

    #: service_account: the key file of [source] credentials (Workspace + Shared Drive);
    #: oauth: the office's own Google account, signed in once with `siapmas-sync login`
    auth: Literal["service_account", "oauth"] = "service_account"
    client_secrets: Path | None = None  # oauth: the "Desktop app" OAuth client JSON from Cloud Console
    token_file: Path | None = None  # oauth: the refresh token (owner-only); None = google-login.json beside the config
    #: access tokens kept between `sync` processes (owner-only); None = google-token-cache.json beside the database
    token_cache: Path | None = None


class StorageConfig(_Section):
    database: Path = Path("var/siapmas.db")
    url: str = ""  # SQLAlchemy URL; overrides `database` (e.g. postgresql+psycopg://user@host/db)
    password_env: str = ""  # the NAME of an environment variable holding the url's password (PostgreSQL)


class BackupConfig(_Section):
    dir: Path | None = None  # None = a `cadangan` folder beside the database
    keep: int = Field(14, ge=1, le=3650)  # daily backups kept (newest); older ones deleted
    drive_folder_id: str = ""  # Google deployments: also copy each backup into this Drive folder


class OutputConfig(_Section):
    dir: Path = Path("var/output")
    disposisi_paper: Literal["A4", "HALF_FOLIO"] = "A4"
    print_batch: bool = True
    kartu_cetak: Literal["kartu", "a4"] = "kartu"  # kartu kendali in the print batch: card-size pages, or two to an A4 sheet
    docx: bool = True  # also write editable Word versions (templates/)
    render_workers: int = Field(0, ge=0, le=64)  # processes for large backlogs; 0 = one per core
    max_pages_aduan: int = Field(20, ge=3, le=2000)  # a Lembar Aduan's page limit; longer free text goes to a .txt beside it


class NumberingConfig(_Section):
    # kode and unit come first: the template is checked with their values
    kode_klasifikasi: str = "000.8.3.4"
    unit: str = "416-050"
    template: str = "{seq:04d}/SIAPMAS/{year}"
    duplicate_window_minutes: int = Field(30, ge=0)

    @field_validator("template")
    @classmethod
    def _template_reads_back(cls, v: str, info: ValidationInfo) -> str:
        problem = template_problem(v, info.data.get("kode_klasifikasi", "000.8.3.4"), info.data.get("unit", "416-050"))
        if problem:
            raise ValueError(problem)
        return v


class SuratKeluarConfig(_Section):
    """[surat_keluar]: the final letter's outgoing number (cycle/surat_keluar.py). Placeholders as
    the agenda number's; {kode} and {unit} are [numbering]'s unless given here. Who
    approves: [peran] "surat" (default the Sekretaris DPRD, or their Plh.)."""

    kode_klasifikasi: str = ""
    unit: str = ""
    template: str = "{kode}/{seq}/{unit}/{year}"

    @field_validator("template")
    @classmethod
    def _template_reads_back(cls, v: str, info: ValidationInfo) -> str:
        problem = template_problem(v, info.data.get("kode_klasifikasi") or "000.8.3.4", info.data.get("unit") or "416-050")
        if problem:
            raise ValueError(problem)
        return v


class KopConfig(_Section):
    pemerintah: str = Kop.pemerintah
    instansi: str = Kop.instansi
    alamat: str = Kop.alamat
    email: str = Kop.email
    website: str = Kop.website
    telepon: str = Kop.telepon
    logo: Path | None = None


class KendaliCardConfig(_Section):
    """[kendali]: the Kartu Kendali's Indeks ("akd": the handling AKD, else the suggested
    one; "kode": the classification code), Kepada ("" = from [kop] instansi) and Pengolah."""

    indeks: Literal["akd", "kode"] = "akd"
    kepada: str = ""
    pengolah: str = "Subbag Tata Usaha"


class FormConfig(_Section):
    timestamp: list[str] = Field(default_factory=lambda: list(QuestionTitles.timestamp))
    nama: str = QuestionTitles.nama
    telepon: str = QuestionTitles.telepon
    email: str = QuestionTitles.email
    kronologi: str = QuestionTitles.kronologi
    bukti: str = QuestionTitles.bukti
    email_pengumpul: list[str] = Field(
        default_factory=lambda: list(QuestionTitles.email_pengumpul)
    )


class RoutingConfig(_Section):
    table: Path | None = None  # None = the shipped default table


#: the shortest polling interval: every cycle reads the spreadsheet and may write to it,
#: and Google allows 60 reads and 60 writes per minute per account (retries included)
MIN_INTERVAL_MINUTES = 1.0


class ScheduleConfig(_Section):
    interval_minutes: float = Field(5, le=24 * 60)
    #: idle cycles (siapmas_sync/cycle/idle.py): a full read of the sheet at least this often
    full_read_minutes: float = Field(60, ge=0, le=7 * 24 * 60)
    #: how long Drive's modifiedTime/version of a spreadsheet may lag its edits (about 3 min)
    drive_lag_minutes: float = Field(5, ge=0, le=24 * 60)

    @field_validator("interval_minutes")
    @classmethod
    def _not_too_often(cls, v: float) -> float:
        if not v >= MIN_INTERVAL_MINUTES:
            raise ValueError(
                f"{v:g} terlalu kecil; paling sedikit {MIN_INTERVAL_MINUTES:g} menit (mis. 5). Setiap siklus membaca "
                "spreadsheet dan Google hanya mengizinkan 60 permintaan per menit per akun; siklus yang lebih rapat "
                "hanya menumpuk dan menghabiskan kuota"
            )
        return v

    def interval_seconds(self) -> float:
        """The interval of `run`; SIAPMAS_TEST_INTERVAL_SECONDS (tests only) overrides it."""
        override = os.environ.get("SIAPMAS_TEST_INTERVAL_SECONDS", "")
        try:
            return max(0.01, float(override)) if override else self.interval_minutes * 60
        except ValueError:
            return self.interval_minutes * 60


class WorkflowConfig(_Section):
    """SOP stages (labels, actors, time standards) and the SLA clocks."""

    # per stage code ("1".."8", "kelengkapan", "ditolak", "dikembalikan"):
    # {label = "...", actor = "...", standard_minutes = 10}
    tahap: dict[str, dict[str, Any]] = Field(default_factory=dict)
    holidays: Path | None = None  # None = hari_libur.toml beside the config file, else the shipped list
    # office hours per day: {senin = "07:30-16:00", jumat = "07:30-11:00", sabtu = "libur"}
    jam_kerja: dict[str, str] = Field(default_factory=dict)
    verify_days: int = Field(3, ge=1, le=60)  # LAPOR!: verify within 3 working days
    settle_days: int = Field(60, ge=1, le=365)  # Perpres 76/2013: settle within 60 days


class PrivacyConfig(_Section):
    # When an item is rahasia, may the Lembar Aduan for the responsible officer keep the
    # reporter's identity (a separate lembar-aduan-petugas.pdf)? Every other output masks it.
    identitas_untuk_petugas: bool = False
    # Words that make an item rahasia at intake (a member's conduct, sexual violence…),
    # matched as whole words, case-insensitively; [] switches the rule off.
    kata_kunci: list[str] = Field(default_factory=lambda: list(DEFAULT_KATA_KUNCI))
    # jabatan (as in [[pejabat]]) that may lift a rahasia item with `buka-rahasia`
    dibuka_oleh: list[str] = Field(default_factory=lambda: ["Kasubag TU"], min_length=1)


class TemplatesConfig(_Section):
    dir: Path | None = None  # your own .docx templates; files here override the shipped ones
    penandatangan_nama: str = ""
    penandatangan_nip: str = ""
    penandatangan_jabatan: str = "Sekretaris DPRD Kabupaten Mojokerto"


class PejabatConfig(_Section):
    """One official or staff member who may be named as *Oleh* (``[[pejabat]]``)."""

    nama: str = Field(min_length=1)
    jabatan: str = ""
    akd: str = ""  # the AKD a member / secretariat staff belongs to ("" = the one the jabatan names)
    nip: str = ""  # printed under the name when they sign the surat balasan
    email: str = ""  # where the officials' digest of waiting items goes
    # Plh./Plt.: the jabatan they act for, between two dates (both included)
    plh: str = ""
    plh_dari: date | None = None
    plh_sampai: date | None = None
    plh_sebutan: Literal["Plh.", "Plt."] = "Plh."

    @field_validator("akd")
    @classmethod
    def _known_akd(cls, v: str) -> str:
        from .errors import TransitionError
        from .core.workflow.akd import AKD_LIST, normalise_akd

        out = []
        for part in (p for p in v.replace(";", ",").split(",") if p.strip()):
            try:
                out.append(normalise_akd(part))
            except TransitionError:
                raise ValueError(f"AKD '{part.strip()}' tidak dikenal (pilihan: {', '.join(AKD_LIST)})") from None
        return ", ".join(out)

    @model_validator(mode="after")
    def _plh_dates(self) -> "PejabatConfig":
        if self.plh and (self.plh_dari is None or self.plh_sampai is None):
            raise ValueError(f"{self.nama}: plh diisi tanpa plh_dari dan plh_sampai (mis. plh_dari = 2026-12-01)")
        if self.plh_dari and self.plh_sampai and self.plh_sampai < self.plh_dari:
            raise ValueError(f"{self.nama}: plh_sampai ({self.plh_sampai}) sebelum plh_dari ({self.plh_dari})")
        return self


class RekapConfig(_Section):
    """The monthly / yearly recap (`rekap`; `run` makes last month's on the first working day)."""

    # canonical kecamatan -> other spellings; a plain list of names is accepted too
    kecamatan: dict[str, list[str]] = Field(default_factory=lambda: {k: list(v) for k, v in DEFAULT_KECAMATAN.items()})
    kolom_tempat: list[str] = Field(default_factory=lambda: list(DEFAULT_PLACE_TITLES))  # place-question title words
    bulanan: bool = True  # `run` writes the previous month's recap on the first working day
    drive_folder_id: str = ""  # google: upload the recap's PDF and XLSX to this Drive folder
    dasbor: bool = True  # the "Dasbor" tab: this year's counts, charts, the worker's last sync (dasbor/)

    @field_validator("kecamatan", mode="before")
    @classmethod
    def _names_or_table(cls, v: Any) -> Any:
        if isinstance(v, list):
            return {str(name): [] for name in v}
        return v


class PublikConfig(_Section):
    """The public status view without personal data (publik/): a static page + CSV, and
    optionally a separate, publicly shared spreadsheet."""

    enabled: bool = True
    dir: Path | None = None  # None = <output dir>/publik
    spreadsheet_id: str = ""  # google: a SEPARATE spreadsheet shared for anyone to view
    tab: str = "Status Aduan"


#: the messages to reporters (notify.queue.KINDS)
MessageKind = Literal["tanda_terima", "kelengkapan", "penolakan", "diteruskan", "balasan_akhir", "duplikat",
                      "kelengkapan_diterima"]
MESSAGE_KINDS: tuple[MessageKind, ...] = get_args(MessageKind)


class WhatsAppConfig(_Section):
    """WhatsApp Business Cloud API (wa/cloud.py); the token is read from the variable named
    in token_env, never from this file."""

    enabled: bool = True  # queue WhatsApp messages to reporters who gave a valid number
    #: manual: listed in the Pemberitahuan tab with a click-to-chat link, the operator sends
    #: them and ticks Terkirim; cloud_api: sent by the WhatsApp Business Cloud API
    mode: Literal["manual", "cloud_api"] = "manual"
    #: cloud_api: approved template name per message kind (a kind without one stays manual)
    templates: dict[str, str] = Field(default_factory=dict)
    language: str = "id"  # the approved templates' language code
    phone_number_id: str = ""
    token_env: str = "WHATSAPP_TOKEN"
    api_version: str = "v21.0"
    base_url: str = "https://graph.facebook.com"
    timeout_seconds: float = Field(20.0, gt=0)

    @field_validator("templates")
    @classmethod
    def _known_kinds(cls, v: dict[str, str]) -> dict[str, str]:
        kinds = MESSAGE_KINDS
        bad = [k for k in v if k not in kinds]
        if bad:
            raise ValueError(f"jenis pesan tidak dikenal: {', '.join(bad)} (pilihan: {', '.join(kinds)})")
        return {k: t.strip() for k, t in v.items() if t.strip()}

    @field_validator("token_env")
    @classmethod
    def _not_a_siapmas_override(cls, v: str) -> str:
        if v.upper().startswith(ENV_PREFIX):
            raise ValueError(f"nama variabel '{v}' diawali {ENV_PREFIX}, yang dipakai untuk mengubah konfigurasi; "
                             "pakai nama lain, mis. WHATSAPP_TOKEN")
        return v


class EmailConfig(_Section):
    """[notify.email]: the secretariat's SMTP account (Gmail / Workspace or any other)."""

    enabled: bool = False
    host: str = ""
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str = ""
    password_env: str = ""  # the NAME of an environment variable holding the password
    sender: str = ""  # From: e.g. "Sekretariat DPRD Kab. Mojokerto <sekwan@example.go.id>"
    reply_to: str = ""
    daily_limit: int = Field(450, ge=1)  # Gmail allows ~500 a day; the rest waits for the next WIB day
    ca_file: Path | None = None  # extra CA to trust (a private relay; the tests' own CA)
    timeout_seconds: float = Field(30.0, gt=0)

    @field_validator("ca_file", mode="before")
    @classmethod
    def _empty_is_none(cls, v: Any) -> Any:
        return None if v == "" else v


class PengingatConfig(_Section):
    """[pengingat]: officials told what waits for them (notify/pejabat.py; [[pejabat]] email)."""

    enabled: bool = True  # one digest per cycle to each official for whom items arrived
    eskalasi: bool = True  # an overdue step: its superior told once a day
    # the step (stage code, "surat") whose lateness is told -> the superior's jabatan
    atasan: dict[str, list[str]] = Field(default_factory=lambda: {
        "2": ["Kabag Umum"], "3": ["Sekretaris DPRD"], "4": ["Ketua DPRD"], "6": ["Ketua DPRD"],
        "7": ["Kasubag TU"], "8": ["Ketua DPRD"], "9": ["Ketua DPRD"], "surat": ["Ketua DPRD"]})


class NotifyConfig(_Section):
    """[notify]: replies to citizens (siapmas_sync/notify)."""

    transport: Literal["smtp", "file"] = "smtp"  # file: write .eml files to <output>/pesan/
    kinds: list[MessageKind] = Field(default_factory=lambda: list(MESSAGE_KINDS))
    status_url: str = ""  # where citizens check the status (quoted in the receipt)
    #: the form collects *verified* e-mail addresses (respondents sign in with Google): that
    #: address is the reporter's own, and messages to it may quote the name and perihal
    #: (notify.relay); otherwise automatic messages carry only the number and fixed text
    form_collects_verified_email: bool = False
    per_address_daily: int = Field(3, ge=1)  # messages to one address per WIB day (the rest: the next day)
    per_item_daily: int = Field(3, ge=1)  # receipts/duplicate notices about one complaint per WIB day
    email: EmailConfig = Field(default_factory=EmailConfig)
    whatsapp: WhatsAppConfig = Field(default_factory=WhatsAppConfig)


class Settings(_Section):
    """The whole configuration, with paths already resolved."""

    timezone: str = "Asia/Jakarta"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    source: SourceConfig = Field(default_factory=SourceConfig)
    google: GoogleConfig = Field(default_factory=GoogleConfig)
    storage: StorageConfig = Field(default_factory=StorageConfig)
    backup: BackupConfig = Field(default_factory=BackupConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    numbering: NumberingConfig = Field(default_factory=NumberingConfig)
    surat_keluar: SuratKeluarConfig = Field(default_factory=SuratKeluarConfig)
    kop: KopConfig = Field(default_factory=KopConfig)
    kendali: KendaliCardConfig = Field(default_factory=KendaliCardConfig)
    form: FormConfig = Field(default_factory=FormConfig)
    routing: RoutingConfig = Field(default_factory=RoutingConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    workflow: WorkflowConfig = Field(default_factory=WorkflowConfig)
    kerahasiaan: PrivacyConfig = Field(default_factory=PrivacyConfig)
    templates: TemplatesConfig = Field(default_factory=TemplatesConfig)
    rekap: RekapConfig = Field(default_factory=RekapConfig)
    publik: PublikConfig = Field(default_factory=PublikConfig)
    notify: NotifyConfig = Field(default_factory=NotifyConfig)
    pengingat: PengingatConfig = Field(default_factory=PengingatConfig)
    pejabat: list[PejabatConfig] = Field(default_factory=list)  # who may be named as Oleh / --by
    # stage code ("2".."9", "kelengkapan", "ditolak") -> the jabatan that may act there
    # (workflow/roles.py DEFAULT_ROLES; "AKD" = members/staff of the receiving AKD)
    peran: dict[str, list[str]] = Field(default_factory=dict)

    # filled by load_settings, not by the file
    config_path: Path | None = None

    @field_validator("timezone")
    @classmethod
    def _tz_exists(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"zona waktu '{v}' tidak dikenal; contoh: 'Asia/Jakarta'") from None
        return v

    @field_validator("publik")
    @classmethod
    def _publik_not_the_form_sheet(cls, v: PublikConfig, info: ValidationInfo) -> PublikConfig:
        source = info.data.get("source")
        if v.spreadsheet_id and source is not None and v.spreadsheet_id == source.spreadsheet_id:
            raise ValueError(
                "spreadsheet_id sama dengan [source] spreadsheet_id (spreadsheet jawaban formulir yang berisi data "
                "pribadi pelapor). Status publik harus ditulis ke spreadsheet TERPISAH yang dibagikan untuk umum")
        return v

    @field_validator("peran")
    @classmethod
    def _known_steps(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        from .core.workflow.roles import DEFAULT_ROLES

        known = [str(c) for c in DEFAULT_ROLES]
        bad = [k for k in v if k not in known]
        if bad:
            raise ValueError(f"tahap tidak dikenal: {', '.join(bad)} (pilihan: {', '.join(known)})")
        empty = [k for k, roles in v.items() if not [r for r in roles if r.strip()]]
        if empty:
            raise ValueError(f"daftar jabatan kosong untuk tahap {', '.join(empty)}")
        return {k: [" ".join(r.split()) for r in roles if r.strip()] for k, roles in v.items()}

    def publik_dir(self) -> Path:
        return self.publik.dir or self.output.dir / "publik"

    def holidays_path(self) -> Path:
        """The holiday calendar in force: ``[workflow] holidays``, else ``hari_libur.toml``
        beside the configuration file (the office keeps its own copy there, never inside
        the installed package), else the list shipped with the package."""
        if self.workflow.holidays is not None:
            return self.workflow.holidays
        if self.config_path is not None and (self.config_path.parent / HOLIDAYS_NAME).is_file():
            return self.config_path.parent / HOLIDAYS_NAME
        from .core.workflow.holidays import default_holidays_path

        return default_holidays_path()

    # --- conversions for the engine -------------------------------------------------

    def officials(self) -> tuple[Any, ...]:
        """The ``[[pejabat]]`` list as :class:`recorded.Pejabat` values."""
        from .core.recorded import Pejabat

        return tuple(Pejabat(p.nama, p.jabatan, akd=p.akd, nip=p.nip, plh=p.plh, plh_dari=p.plh_dari,
                             plh_sampai=p.plh_sampai, plh_sebutan=p.plh_sebutan, email=p.email)
                     for p in self.pejabat)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def kop_value(self) -> Kop:
        k = self.kop
        return Kop(k.pemerintah, k.instansi, k.alamat, k.email, k.website, k.telepon, k.logo)

    def question_titles(self) -> QuestionTitles:
        f = self.form
        return QuestionTitles(
            timestamp=tuple(f.timestamp),
            nama=f.nama,
            telepon=f.telepon,
            email=f.email,
            kronologi=f.kronologi,
            bukti=f.bukti,
            email_pengumpul=tuple(f.email_pengumpul),
        )

    def database_url(self) -> str:
        if self.storage.url:
            if self.storage.password_env:
                from .sqldialect import with_password

                return with_password(self.storage.url, self.storage.password_env)
            return self.storage.url
        return f"sqlite:///{self.storage.database}"

    def login_path(self) -> Path:
        """Where `login` keeps the office account's refresh token ([google] token_file)."""
        if self.google.token_file:
            return self.google.token_file
        base = self.config_path.parent if self.config_path else Path.cwd()
        return base / "google-login.json"

    def token_cache_path(self) -> Path:
        """Where access tokens wait for the next `sync` process ([google] token_cache)."""
        return self.google.token_cache or self.storage.database.parent / "google-token-cache.json"

    def credentials_path(self) -> Path | None:
        if self.source.credentials:
            return self.source.credentials
        env = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
        return Path(env) if env else None


HOLIDAYS_NAME = "hari_libur.toml"  # the office's holiday calendar, looked for beside the configuration

_PATH_KEYS = {
    ("source", "responses"),
    ("source", "evidence_dir"),
    ("source", "register"),
    ("source", "credentials"),
    ("google", "client_secrets"),
    ("google", "token_file"),
    ("google", "token_cache"),
    ("storage", "database"),
    ("backup", "dir"),
    ("output", "dir"),
    ("kop", "logo"),
    ("routing", "table"),
    ("workflow", "holidays"),
    ("templates", "dir"),
    ("publik", "dir"),
}
_NESTED_PATH_KEYS = {("notify", "email", "ca_file")}


def _env_value(text: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def env_override_names(environ: dict[str, str]) -> dict[tuple[str, ...], str]:
    """Which configuration key each ``SIAPMAS_*`` variable overrides: ("section", "key")
    or ("key",) → the variable's name (to name it when its value is refused)."""
    out: dict[tuple[str, ...], str] = {}
    for name in environ:
        if not name.startswith(ENV_PREFIX) or name == "SIAPMAS_CONFIG" or name.startswith("SIAPMAS_TEST_"):
            continue
        parts = tuple(name[len(ENV_PREFIX) :].lower().split("__"))
        if len(parts) in (1, 2):
            out[parts] = name
    return out


def apply_env_overrides(raw: dict[str, Any], environ: dict[str, str]) -> dict[str, Any]:
    """Return a copy of ``raw`` with ``SIAPMAS_<SECTION>__<KEY>`` variables applied."""
    out: dict[str, Any] = {k: (dict(v) if isinstance(v, dict) else v) for k, v in raw.items()}
    for parts, name in env_override_names(environ).items():
        text = environ[name]
        if len(parts) == 1:
            out[parts[0]] = _env_value(text)
        else:
            section = out.setdefault(parts[0], {})
            if isinstance(section, dict):
                section[parts[1]] = _env_value(text)
    return out


def _resolve_paths(raw: dict[str, Any], base: Path) -> None:
    for section, key in _PATH_KEYS:
        sec = raw.get(section)
        if isinstance(sec, dict) and isinstance(sec.get(key), str) and sec[key]:
            p = Path(sec[key]).expanduser()
            sec[key] = os.path.normpath(p if p.is_absolute() else (base / p))
    for section, sub, key in _NESTED_PATH_KEYS:
        inner = (raw.get(section) or {}).get(sub) if isinstance(raw.get(section), dict) else None
        if isinstance(inner, dict) and isinstance(inner.get(key), str) and inner[key]:
            p = Path(inner[key]).expanduser()
            inner[key] = os.path.normpath(p if p.is_absolute() else (base / p))


def _env_name_for(loc: tuple[Any, ...], names: dict[tuple[str, ...], str]) -> str | None:
    """The variable that set the value at *loc* (or the whole section holding it)."""
    for n in (2, 1):
        key = tuple(str(p) for p in loc[:n])
        if len(loc) >= n and key in names:
            return names[key]
    return None


def _format_validation(path: Path, exc: ValidationError, env_names: dict[tuple[str, ...], str] | None = None) -> str:
    lines = []
    from_env = 0
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        var = _env_name_for(tuple(err["loc"]), env_names or {})
        where = f"[{loc}] (dari variabel lingkungan {var})" if var else f"[{loc}]"
        from_env += var is not None
        if err["type"] == "extra_forbidden":
            lines.append(f"  {where}: kunci tidak dikenal (periksa ejaan; lihat README, Configuration)")
        else:
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"  {where}: {msg}")
    if from_env == len(lines):
        head = f"Nilai dari variabel lingkungan tidak valid (konfigurasi {path})"
    elif from_env:
        head = f"Konfigurasi {path} (dengan variabel lingkungan SIAPMAS_*) tidak valid"
    else:
        head = f"Konfigurasi {path} tidak valid"
    return head + ":\n" + "\n".join(lines)


def load_settings(path: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Load, override from the environment, resolve paths, validate."""
    environ = dict(os.environ if environ is None else environ)
    if path is None:
        env_path = environ.get("SIAPMAS_CONFIG")
        candidates = [Path(env_path)] if env_path else [Path(n) for n in DEFAULT_CONFIG_NAMES]
        path = next((c for c in candidates if c.is_file()), candidates[0])
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            f"Berkas konfigurasi tidak ditemukan: {path}",
            "Untuk produksi salin config/siapmas.google.example.toml menjadi config/siapmas.toml lalu isi "
            "id-nya; untuk mencoba dengan contoh data pakai `make demo` (--config config/demo.toml); "
            "atau beri --config PATH.",
        )
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"Konfigurasi {path} bukan TOML yang sah: {exc}",
            "Periksa tanda kutip dan tanda '=' pada baris yang disebut.",
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(f"Konfigurasi {path} bukan teks UTF-8.", "Simpan ulang sebagai UTF-8.") from None
    raw = apply_env_overrides(raw, environ)
    _resolve_paths(raw, path.resolve().parent)
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        names = env_override_names(environ)
        by_env = any(_env_name_for(tuple(e["loc"]), names) for e in exc.errors())
        raise ConfigError(
            _format_validation(path, exc, names),
            "Perbaiki atau hapus variabel lingkungan yang disebut (mis. di unit systemd atau Task Scheduler); "
            "nilai yang diperbolehkan tertera di atas." if by_env
            else "Perbaiki kunci yang disebut (nilai yang diperbolehkan tertera di atas).",
        ) from None
    settings.config_path = path.resolve()
    return settings
