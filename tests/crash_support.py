"""Helpers for tests/test_crash.py: real worker subprocesses, SIGKILL, process-session
bookkeeping, a time-stamped stand-in, and the "registered exactly once" invariants.

Nothing here replaces product code: the worker is always ``python -m siapmas_sync`` in a
separate process, and the spreadsheet is the Google stand-in reached through the real
client libraries. Worker output goes to files, never to pipes: a killed worker's
orphaned children (see test_crash.py) would otherwise keep a pipe open forever.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .google_standin.server import GoogleStandin, _Drop  # _Drop: close without answering
from .worlds import GoogleWorld, rows_as_dicts

WIB = ZoneInfo("Asia/Jakarta")
LOCK_WAITING = "Worker lain sedang memproses"
#: atomic_write_bytes(): tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=<same folder>)
TEMP_NAME = re.compile(r"^\..+\.tmp$")
#: Kendali columns whose text moves with the wall clock (office hours only)
CLOCK_COLUMNS = {("Kendali", "Terlambat"), ("Kendali", "Umur (hari kerja)")}
REGISTER_TABS = ("Buku Agenda", "Riwayat", "Kendali")
PDFS = {"aduan": "lembar-aduan.pdf", "disposisi": "lembar-disposisi.pdf", "kendali": "kartu-kendali.pdf"}


# --- the stand-in, with a clock on every logged request --------------------------------------

@dataclass
class Hold:
    """The next request of *route* is held at the stand-in: ``arrived`` is set when the
    worker sent it (and is now waiting for the answer); after :meth:`release` the stand-in
    applies it (``apply``) or not, and closes the connection without answering either way."""

    route: str
    apply: bool
    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        self.released.set()


class TimedStandin(GoogleStandin):
    """GoogleStandin whose request log also records when each request was answered
    (``stamps[i]`` is the time.monotonic() of ``requests[i]``), and that can hold a
    request (:meth:`hold`) so a worker can be killed at a known point of its cycle."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stamps: list[float] = []
        self._holds: list[Hold] = []

    def hold(self, route: str, *, apply: bool) -> Hold:
        h = Hold(route, apply)
        with self.lock:
            self._holds.append(h)
        return h

    def _respond(self, h: Any, method: str, name: str, *args: Any) -> Any:
        with self.lock:
            held = next((x for x in self._holds if x.route == name), None)
            if held is not None:
                self._holds.remove(held)
        if held is None:
            return super()._respond(h, method, name, *args)
        held.arrived.set()
        held.released.wait(300)
        if held.apply:
            super()._respond(h, method, name, *args)  # applied; the answer is never sent
        raise _Drop()

    def start(self) -> "TimedStandin":
        super().start()
        server = self._server
        if server is not None and "handle_error" not in vars(server):
            plain = server.handle_error

            def handle_error(request: Any, client_address: Any) -> None:
                # a SIGKILLed worker resets its connections: not the stand-in's problem
                if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
                    plain(request, client_address)

            server.handle_error = handle_error  # type: ignore[method-assign]
        return self

    def _log(self, *args: Any) -> None:  # same lock as the log itself: indexes stay aligned
        with self.lock:
            super()._log(*args)
            self.stamps.append(time.monotonic())

    def timed_requests(self) -> list[tuple[float, Any]]:
        with self.lock:
            return list(zip(self.stamps, self.requests))


def max_per_rolling_minute(standin: TimedStandin, api: str = "sheets") -> dict[tuple[str, str], int]:
    """Most requests (answered or not) in any 60 s window, per (account, read|write) —
    the grouping Sheets' per-user quota uses."""
    groups: dict[tuple[str, str], list[float]] = defaultdict(list)
    for t, r in standin.timed_requests():
        if r.api == api and r.account:
            groups[(r.account, "read" if r.method == "GET" else "write")].append(t)
    out = {}
    for k, ts in groups.items():
        window: deque[float] = deque()
        best = 0
        for t in sorted(ts):
            window.append(t)
            while window[0] <= t - 60:
                window.popleft()
            best = max(best, len(window))
        out[k] = best
    return out


def quota_rejections(standin: GoogleStandin) -> int:
    """429s the stand-in's quota produced (injected 429s carry ``fault='429'``)."""
    with standin.lock:
        return sum(1 for r in standin.requests if r.status == 429 and r.fault is None)


# --- worker processes --------------------------------------------------------------------------

def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIAPMAS_")}
    env.update(extra or {})
    return env


@dataclass
class Worker:
    """One ``python -m siapmas_sync`` process in its own session (sid == pid)."""

    proc: subprocess.Popen[bytes]
    out_path: Path
    err_path: Path
    started: float
    killed: bool = False

    @classmethod
    def start(cls, config: Path, *args: str, env: dict[str, str] | None = None,
              prefix: list[str] | None = None, logdir: Path | None = None) -> "Worker":
        logdir = logdir or config.parent / "logs"
        logdir.mkdir(exist_ok=True)
        n = len(list(logdir.glob("*.out")))
        out_path, err_path = logdir / f"{n:04d}.out", logdir / f"{n:04d}.err"
        with out_path.open("wb") as out, err_path.open("wb") as err:
            proc = subprocess.Popen(
                [*(prefix or []), sys.executable, "-m", "siapmas_sync", "--config", str(config), *args],
                stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=config.parent,
                env=cli_env(env), start_new_session=True,
            )
        return cls(proc, out_path, err_path, time.monotonic())

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def sigkill(self) -> None:
        """SIGKILL the worker itself (not its children) — as `kill -9` or the OOM killer do."""
        if self.alive():
            os.kill(self.proc.pid, signal.SIGKILL)
            self.killed = True
        self.proc.wait()

    def wait(self, timeout: float = 180) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.sigkill()
            raise AssertionError(f"worker pid {self.pid} still running after {timeout}s; stderr:\n{self.stderr[-3000:]}")

    @property
    def stdout(self) -> str:
        return self.out_path.read_text(encoding="utf-8", errors="replace")

    @property
    def stderr(self) -> str:
        return self.err_path.read_text(encoding="utf-8", errors="replace")


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(config: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 180,
            sessions: list[int] | None = None) -> Result:
    w = Worker.start(config, *args, env=env)
    if sessions is not None:
        sessions.append(w.pid)
    rc = w.wait(timeout)
    return Result(rc, w.stdout, w.stderr, time.monotonic() - w.started)


def expect_ok(r: Result, what: str = "sync") -> Result:
    assert r.returncode == 0, f"{what} exited {r.returncode}\nstdout:\n{r.stdout[-2000:]}\nstderr:\n{r.stderr[-4000:]}"
    return r


# --- processes left behind -----------------------------------------------------------------------

def _proc_stat(pid: str) -> tuple[int, int, str] | None:
    """(ppid, session id, state) from /proc/<pid>/stat."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    rest = text[text.rfind(")") + 2:].split()
    return int(rest[1]), int(rest[3]), rest[0]


def session_processes(sids: set[int] | list[int]) -> dict[int, str]:
    """Live processes (pid → state) whose session is one of ``sids``."""
    want = set(sids)
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _proc_stat(entry)
            if st and st[1] in want and st[2] != "Z":
                out[int(entry)] = st[2]
    return out


def children_of(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _proc_stat(entry)
            if st and st[0] == pid:
                out.append(int(entry))
    return out


def wait_sessions_gone(sids: list[int], timeout: float) -> dict[int, str]:
    """Wait for every process of these sessions to exit; return the survivors."""
    end = time.monotonic() + timeout
    while True:
        left = session_processes(sids)
        if not left or time.monotonic() >= end:
            return left
        time.sleep(0.1)


def settle_and_reap(sids: list[int], settle_timeout: float = 30) -> dict[int, str]:
    """Processes a killed worker left behind (orphaned render processes): wait until none
    of them is running or in disk I/O (so none is mid-write), then SIGKILL them by pid.
    Returns what was found. Only processes in sessions this test started are touched."""
    found = session_processes(sids)
    end = time.monotonic() + settle_timeout
    quiet_since = None
    while found and time.monotonic() < end:
        busy = [p for p, s in session_processes(sids).items() if s in ("R", "D")]
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 0.5:
            break
        time.sleep(0.05)
    for pid in session_processes(sids):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    wait_sessions_gone(sids, 5)
    return found


# --- responses as the form writes them -------------------------------------------------------------

TOPICS = ["jalan rusak dan berlubang", "pupuk bersubsidi langka", "sampah menumpuk di pasar",
          "lampu penerangan jalan mati", "saluran irigasi tersumbat", "pungutan liar di sekolah",
          "antrean BPJS di puskesmas", "banjir di permukiman"]
DESA = ["Jatirejo", "Kemlagi", "Mojosari", "Dawarblandong", "Trowulan", "Pacet", "Gondang", "Sooko"]


@dataclass
class Form:
    """Distinct responses (no two are duplicates): response i's chronology starts with a
    unique first sentence, which becomes the item's perihal."""

    world: GoogleWorld
    rng: random.Random
    evidence_link: str | None = None
    n: int = 0
    perihal: dict[str, int] = field(default_factory=dict)  # perihal → response number

    @staticmethod
    def perihal_of(i: int) -> str:
        return f"Aduan uji nomor {i:05d} tentang {TOPICS[i % len(TOPICS)]}"

    def row(self, i: int) -> list[object]:
        # two calendar years, both in the past: per-year numbering is exercised
        if self.rng.random() < 0.3:
            ts = datetime(2025, 12, 30, 8, 0, tzinfo=WIB) + timedelta(minutes=7 * i, seconds=i % 60)
        else:
            ts = datetime(2026, 1, 5, 8, 0, tzinfo=WIB) + timedelta(minutes=7 * i, seconds=i % 60)
        kron = (f"{self.perihal_of(i)}. Kejadian di Desa {DESA[i % len(DESA)]} sejak pekan lalu; "
                f"warga sudah melapor ke kecamatan tetapi belum ada tindak lanjut (kasus {i}).")
        bukti = self.evidence_link if self.evidence_link and self.rng.random() < 0.3 else ""
        return [ts, f"Warga Uji {i}", f"0812-3456-{7000 + i % 1000:04d}", f"warga{i}@example.com", kron, bukti]

    def add(self, k: int) -> None:
        rows = []
        for _ in range(k):
            self.n += 1
            self.perihal[self.perihal_of(self.n)] = self.n
            rows.append(self.row(self.n))
        if rows:
            self.world.add_responses(rows)


def jpeg_bytes() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buf, "JPEG", quality=90)
    return buf.getvalue()


# --- the output folder ---------------------------------------------------------------------------

def output_dir(world: GoogleWorld) -> Path:
    return world.tmp / "var" / "output"


def leftovers(out: Path) -> tuple[list[Path], list[Path]]:
    """(temporary files, zero-byte files) anywhere under the output folder."""
    temps, empty = [], []
    if not out.exists():
        return temps, empty
    for p in out.rglob("*"):
        if p.is_file():
            if TEMP_NAME.match(p.name) or p.name.endswith(".tmp"):
                temps.append(p)
            elif p.stat().st_size == 0:
                empty.append(p)
    return temps, empty


def check_document_files(out: Path) -> None:
    """Every finished file under the output folder is whole (PDFs parse, DOCX zips test)."""
    import pypdf

    for p in out.rglob("*"):
        if not p.is_file() or TEMP_NAME.match(p.name):
            continue
        if p.suffix == ".pdf":
            try:
                reader = pypdf.PdfReader(str(p), strict=False)
                assert len(reader.pages) >= 1
            except Exception as exc:  # noqa: BLE001 - reported with the path
                raise AssertionError(f"half-written or corrupt PDF {p}: {exc!r}") from None
        elif p.suffix == ".docx":
            try:
                with zipfile.ZipFile(p) as z:
                    bad = z.testzip()
                    assert bad is None, f"bad member {bad}"
                    assert "word/document.xml" in z.namelist()
            except Exception as exc:  # noqa: BLE001
                raise AssertionError(f"half-written or corrupt DOCX {p}: {exc!r}") from None


# --- the invariants ------------------------------------------------------------------------------

def register_rows(world: GoogleWorld, tab: str) -> list[dict[str, Any]]:
    """A register tab's data rows, blank rows skipped (a cleared duplicate leaves one)."""
    return [r for r in rows_as_dicts(world.tab(tab)) if any(str(v).strip() for v in r.values())]


def _num(v: Any) -> int:
    return int(float(v))


def _agenda_folder(agenda: str) -> str:
    return re.sub(r"[^0-9A-Za-z._-]+", "-", agenda).strip("-.")


def snapshot_tabs(world: GoogleWorld) -> dict[str, list[list[Any]]]:
    return {t: world.tab(t) for t in (world.response_tab, *REGISTER_TABS)}


def tab_diff(before: dict[str, list[list[Any]]], after: dict[str, list[list[Any]]]) -> list[tuple[str, str, int, Any, Any]]:
    """Changed cells as (tab, column title, row, old, new)."""
    out = []
    for tab in after:
        a, b = before.get(tab, []), after[tab]
        header = [str(h) for h in (b[0] if b else [])]
        for r in range(max(len(a), len(b))):
            ra = a[r] if r < len(a) else []
            rb = b[r] if r < len(b) else []
            for c in range(max(len(ra), len(rb))):
                va = ra[c] if c < len(ra) else ""
                vb = rb[c] if c < len(rb) else ""
                if va != vb:
                    out.append((tab, header[c] if c < len(header) else f"#{c}", r, va, vb))
    return out


def sync_writes_nothing(world: GoogleWorld, standin: GoogleStandin, env: dict[str, str] | None = None) -> None:
    """A cycle with no new input writes nothing: no values:batchUpdate, cells_written 0.
    Only the wall-clock Kendali columns (late-by, age) may tick between two cycles, and
    only during office hours; that (and nothing else) gets one more try."""
    for attempt in range(2):
        before_tabs = snapshot_tabs(world)
        before = standin.count(route="sheets.values.batchUpdate") + standin.count(route="sheets.batchUpdate")
        r = expect_ok(run_cli(world.config, "sync", "--json", env=env))
        after = standin.count(route="sheets.values.batchUpdate") + standin.count(route="sheets.batchUpdate")
        report = r.json()
        if report["cells_written"] == 0 and after == before:
            assert report["new"] == [] and report["rendered"] == []
            return
        changed = tab_diff(before_tabs, snapshot_tabs(world))
        unexplained = [c for c in changed if (c[0], c[1]) not in CLOCK_COLUMNS]
        assert not unexplained and attempt == 0, (
            f"a cycle with nothing new wrote {report['cells_written']} cells "
            f"({after - before} write requests); changed: {unexplained[:10] or changed[:10]}")


@dataclass
class Verified:
    items: list[dict[str, Any]]
    by_year: dict[int, list[int]]


def verify_exactly_once(world: GoogleWorld, form: Form, env: dict[str, str] | None = None,
                        show_sample: int = 3) -> Verified:
    """Every response registered exactly once, gapless per year, mirrored everywhere,
    documents whole. Call only after a completed sync."""
    status = expect_ok(run_cli(world.config, "status", "--json", env=env), "status --json")
    items: list[dict[str, Any]] = status.json()

    # -- the ledger: one item per response, one response per item
    per = Counter(it["perihal"] for it in items)
    assert not [p for p, n in per.items() if n > 1], f"responses numbered twice: {[p for p, n in per.items() if n > 1]}"
    missing = set(form.perihal) - set(per)
    extra = set(per) - set(form.perihal)
    assert not missing, f"{len(missing)} responses never got a number, e.g. {sorted(missing)[:3]}"
    assert not extra, f"items that are no response: {sorted(extra)[:3]}"
    assert len({it["agenda"] for it in items}) == len(items) == form.n
    assert len({it["key"] for it in items}) == len(items)

    # -- per-year sequences gapless from 1, agenda text from (seq, year), year = received year
    by_year: dict[int, list[int]] = defaultdict(list)
    for it in items:
        by_year[it["year"]].append(it["seq"])
        assert it["agenda"] == f"{it['seq']:04d}/SIAPMAS/{it['year']}", it
        assert datetime.fromisoformat(it["received_at"]).astimezone(WIB).year == it["year"], it
        assert it["stage"] == "TERAGENDA", it
    for year, seqs in by_year.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), f"year {year}: sequence not gapless: {sorted(seqs)}"
    by_perihal = {it["perihal"]: it for it in items}
    by_agenda = {it["agenda"]: it for it in items}

    # -- the response tab: every row has exactly its one agenda number and the ledger's stage
    rows = world.responses()
    assert len(rows) == form.n, f"{len(rows)} response rows, {form.n} submitted"
    for row in rows:
        p = str(row["Kronologi, Waktu dan Tempat"]).split(". ")[0]
        it = by_perihal[p]
        assert row.get("No. Agenda") == it["agenda"], (p, row.get("No. Agenda"), it["agenda"])
        assert row.get("Tahap") == it["stage"], (p, row.get("Tahap"), it["stage"])
    seen = Counter(r["No. Agenda"] for r in rows)
    assert all(n == 1 for n in seen.values()), f"agenda shown on several rows: {[a for a, n in seen.items() if n > 1]}"

    # -- Buku Agenda: one row per item, agreeing with the ledger
    buku = register_rows(world, "Buku Agenda")
    counts = Counter(b["No. Agenda"] for b in buku)
    assert all(n == 1 for n in counts.values()), f"Buku Agenda rows repeated: {[a for a, n in counts.items() if n > 1]}"
    assert set(counts) == set(by_agenda), (sorted(set(counts) ^ set(by_agenda)))[:5]
    for b in buku:
        it = by_agenda[b["No. Agenda"]]
        assert _num(b["No."]) == it["seq"] and b["Isi Ringkas"] == it["perihal"], (b, it["agenda"])
        assert str(b["Ket."]).startswith(it["stage"]), b

    # -- Kendali: one row per item with the ledger's stage
    kendali = register_rows(world, "Kendali")
    kc = Counter(k["No. Agenda"] for k in kendali)
    assert set(kc) == set(by_agenda) and all(n == 1 for n in kc.values()), "Kendali rows disagree with the ledger"
    assert all(k["Tahap"] == by_agenda[k["No. Agenda"]]["stage"] for k in kendali)

    # -- Riwayat: unique event ids; each item exactly DITERIMA then TERAGENDA
    riwayat = register_rows(world, "Riwayat")
    ids = [_num(r["ID"]) for r in riwayat]
    assert len(ids) == len(set(ids)), "Riwayat has an event id twice"
    events: dict[str, list[tuple[int, str, str, str]]] = defaultdict(list)
    for r in riwayat:
        events[r["No. Agenda"]].append((_num(r["ID"]), r["Peristiwa"], r["Dari Tahap"], r["Ke Tahap"]))
    assert set(events) == set(by_agenda), "Riwayat names agenda numbers the ledger does not have (or misses some)"
    for agenda, evs in events.items():
        kinds = [e[1:] for e in sorted(evs)]
        assert kinds == [("DITERIMA", "", "DITERIMA"), ("TERAGENDA", "DITERIMA", "TERAGENDA")], (agenda, kinds)

    # -- show --json history == Riwayat, for a sample (each call is a process)
    sample = random.Random(len(items)).sample(sorted(by_agenda), min(show_sample, len(by_agenda)))
    for agenda in sample:
        data = expect_ok(run_cli(world.config, "show", agenda, "--json", env=env), "show --json").json()
        assert data["agenda"] == agenda and data["seq"] == by_agenda[agenda]["seq"]
        hist = [(h["event"], h["from"] or "", h["to"] or "") for h in data["history"]]
        assert hist == [e[1:] for e in sorted(events[agenda])], (agenda, hist, events[agenda])

    # -- documents: <output>/<year>/<agenda-with-dashes>/, the 3 PDFs open, no stray folders
    import pypdf

    out = output_dir(world)
    for it in items:
        folder = out / str(it["year"]) / _agenda_folder(it["agenda"])
        for kind, name in PDFS.items():
            assert Path(it["documents"].get(kind, "")) == folder / name, (it["agenda"], kind, it["documents"])
            pages = len(pypdf.PdfReader(str(folder / name)).pages)
            assert pages >= 1 and (kind != "kendali" or pages == 3), (it["agenda"], name, pages)
    for year in by_year:
        folders = {p.name for p in (out / str(year)).iterdir()}
        want = {_agenda_folder(a) for a, it in by_agenda.items() if it["year"] == year}
        assert folders == want, f"stray or missing folders in {year}: {sorted(folders ^ want)[:5]}"
    check_document_files(out)
    temps, empty = leftovers(out)
    assert not empty, f"zero-byte files: {empty}"
    return Verified(items, dict(by_year))




def pg_lock_holders(db_url: str) -> set[int]:
    """Process ids of the siapmas-sync workers holding an advisory lock in *db_url*'s
    database (the lock session names its worker: ``siapmas-sync pid N di HOST``)."""
    import re

    import psycopg

    plain = db_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database()").fetchall()
    return {int(m.group(1)) for (name,) in rows if (m := re.match(r"siapmas-sync pid (\d+) ", name or ""))}
