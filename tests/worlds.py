"""The worlds the same contract suite runs in: the embedded local backend (an exported
CSV + a register workbook), the Google backend (the real gspread / googleapiclient /
google-auth libraries against the loopback stand-in) and the in-memory backend. A world is what a person can do
to the spreadsheet (a new form response, a sort, an inserted column, an edit in
Kendali) plus a way to build the worker."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl

from siapmas_sync.backends.google import GoogleBackend
from siapmas_sync.backends.local import LocalBackend
from siapmas_sync.backends.memory import MemoryBackend, MemorySpreadsheet
from siapmas_sync.config import load_settings
from siapmas_sync.cycle.engine import Engine
from siapmas_sync.ledger import Ledger
from siapmas_sync.core.sheetplan import cell_text

from .google_standin.server import GoogleStandin

HEADER = ["Timestamp", "Nama", "No. Tlp/WA (yang aktif)", "E-mail (yang aktif)", "Kronologi, Waktu dan Tempat", "Bukti Dukung"]
SA_EMAIL = "siapmas-sync@setwan-siapmas.iam.gserviceaccount.com"


def rows_as_dicts(values: list[list[Any]]) -> list[dict[str, Any]]:
    if not values:
        return []
    header = [cell_text(h) for h in values[0]]
    return [dict(zip(header, list(r) + [""] * (len(header) - len(r)))) for r in values[1:]]


class World:
    name = ""
    response_tab = "Form Responses 1"

    def __init__(self, tmp: Path, clock: Callable[[], datetime], db_url: str | None = None) -> None:
        self.tmp = tmp
        self.db_url = db_url  # a PostgreSQL ledger; None = SQLite under var/
        self.clock = clock
        self.config = tmp / "siapmas.toml"
        self._open: list[tuple[Any, Ledger]] = []

    # --- the worker ---------------------------------------------------------------------
    def backend(self, settings: Any) -> Any:
        raise NotImplementedError

    def engine(self, **env: str) -> Engine:
        settings = load_settings(self.config, environ=env)
        ledger = Ledger(settings.database_url())
        backend = self.backend(settings)
        self._open.append((backend, ledger))
        return Engine(settings, backend, ledger, clock=self.clock)

    def storage_toml(self) -> str:
        """The config's [storage] section: SQLite under var/, or the world's PostgreSQL."""
        url = f'url = "{self.db_url}"\n' if self.db_url else ""
        return f'[storage]\ndatabase = "var/siapmas.db"\n{url}'

    def wipe_ledger(self) -> None:
        """The ledger is lost: the SQLite file deleted, or every table of the PostgreSQL
        database dropped."""
        if self.db_url:
            from sqlalchemy import create_engine

            from siapmas_sync.ledger.schema import metadata

            engine = create_engine(self.db_url)
            metadata.drop_all(engine)
            engine.dispose()
            return
        db = self.tmp / "var" / "siapmas.db"
        for p in db.parent.glob("siapmas.db*"):
            if not p.name.endswith(".lock") and not p.name.endswith(".info"):
                p.unlink()

    def close(self) -> None:
        for backend, ledger in self._open:
            backend.close()
            ledger.close()

    # --- what people do -------------------------------------------------------------------
    def add_responses(self, rows: list[list[Any]]) -> None:
        raise NotImplementedError

    def tab(self, title: str) -> list[list[Any]]:
        raise NotImplementedError

    def put_tab(self, title: str, values: list[list[Any]]) -> None:
        raise NotImplementedError

    def responses(self) -> list[dict[str, Any]]:
        return rows_as_dicts(self.tab(self.response_tab))

    def reverse_responses(self) -> None:
        values = self.tab(self.response_tab)
        self.put_tab(self.response_tab, [values[0]] + list(reversed(values[1:])))

    def delete_response(self, index: int) -> None:
        """Staff delete a response row (0-based among data rows)."""
        values = self.tab(self.response_tab)
        self.put_tab(self.response_tab, values[: index + 1] + values[index + 2 :])

    def insert_column(self, index: int, title: str) -> None:
        values = self.tab(self.response_tab)
        width = max(len(r) for r in values)
        out = []
        for i, r in enumerate(values):
            r = list(r) + [""] * (width - len(r))
            out.append(r[:index] + [title if i == 0 else "catatan staf"] + r[index:])
        self.put_tab(self.response_tab, out)

    def edit(self, tab: str, agenda: str, **cells: Any) -> None:
        values = self.tab(tab)
        header = [cell_text(h) for h in values[0]]
        out = [list(r) + [""] * (len(header) - len(r)) for r in values]
        for r in out[1:]:
            if cell_text(r[header.index("No. Agenda")]) == agenda:
                for title, v in cells.items():
                    r[header.index(title.replace("_", " "))] = v
        self.put_tab(tab, out)


class LocalWorld(World):
    name = "local"
    response_tab = "Jawaban Formulir 1"

    def __init__(self, tmp: Path, clock: Callable[[], datetime], evidence: dict[str, bytes] | None = None,
                 db_url: str | None = None) -> None:
        super().__init__(tmp, clock, db_url)
        self.csv = tmp / "responses.csv"
        self.register = tmp / "var" / "register.xlsx"
        (tmp / "evidence").mkdir()
        self.files = {name: Path(name).stem for name in evidence or {}}  # a link's id is its file's stem
        for name, data in (evidence or {}).items():
            (tmp / "evidence" / name).write_bytes(data)
        with self.csv.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerow(HEADER)
        self.config.write_text(
            '[source]\nresponses = "responses.csv"\nevidence_dir = "evidence"\nregister = "var/register.xlsx"\n'
            + self.storage_toml() + '[output]\ndir = "var/output"\nprint_batch = false\n',
            encoding="utf-8",
        )

    def backend(self, settings: Any) -> LocalBackend:
        return LocalBackend.from_settings(settings)

    def add_responses(self, rows: list[list[Any]]) -> None:
        # surrogatepass: a bad export can hold lone surrogates; the reader must cope
        with self.csv.open("a", newline="", encoding="utf-8", errors="surrogatepass") as fh:
            w = csv.writer(fh)
            for r in rows:
                w.writerow([v.strftime("%d/%m/%Y %H.%M.%S") if isinstance(v, datetime) else v for v in r])

    def tab(self, title: str) -> list[list[Any]]:
        wb = openpyxl.load_workbook(self.register)
        if title not in wb.sheetnames:
            return []
        return [list(r) for r in wb[title].iter_rows(values_only=True)]

    def put_tab(self, title: str, values: list[list[Any]]) -> None:
        wb = openpyxl.load_workbook(self.register)
        ws = wb[title]
        ws.delete_rows(1, ws.max_row)
        for r in values:
            ws.append([None if v == "" else v for v in r])
        wb.save(self.register)

    def delete_response(self, index: int) -> None:
        # the export is the form's own copy: a deleted response is gone from it too
        with self.csv.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        with self.csv.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows[: index + 1] + rows[index + 2 :])
        super().delete_response(index)

    def cell_is_text(self, title: str, text: str) -> bool:
        wb = openpyxl.load_workbook(self.register)
        return any(c.value == text and c.data_type == "s" for row in wb[title].iter_rows() for c in row)


class GoogleWorld(World):
    name = "google"

    def __init__(self, tmp: Path, clock: Callable[[], datetime], standin: GoogleStandin,
                 evidence: dict[str, bytes] | None = None, db_url: str | None = None) -> None:
        super().__init__(tmp, clock, db_url)
        self.standin = standin
        key = standin.make_service_account_key(SA_EMAIL)
        self.key_path = tmp / "service-account.json"
        self.key_path.write_text(json.dumps(key), encoding="utf-8")
        self.folder = standin.create_folder("Bukti Dukung (File responses)", share_with=[(SA_EMAIL, "reader")])
        self.files: dict[str, str] = {}
        for name, data in (evidence or {}).items():
            mime = "image/jpeg" if name.endswith(".jpg") else "video/mp4" if name.endswith(".mp4") else "application/pdf"
            self.files[name] = standin.add_drive_file(name, data, self.folder, mime)
        self.sid = standin.create_spreadsheet(
            "SIAPMAS (Jawaban)", {self.response_tab: [HEADER]}, share_with=[(SA_EMAIL, "writer")]
        )
        self.config.write_text(
            f'[source]\nbackend = "google"\nspreadsheet_id = "{self.sid}"\nevidence_folder_id = "{self.folder}"\n'
            f'credentials = "service-account.json"\ngoogle_endpoint = "{standin.url}"\n'
            'retry_base_seconds = 0.01\ntimeout_seconds = 5\n'
            + self.storage_toml() + '[output]\ndir = "var/output"\nprint_batch = false\n',
            encoding="utf-8",
        )

    def backend(self, settings: Any) -> GoogleBackend:
        return GoogleBackend.from_settings(settings)

    def add_responses(self, rows: list[list[Any]]) -> None:
        # the form appends after the last row that has content (what Google Forms does)
        values = self.standin.get_values(self.sid, self.response_tab)
        last = max((i for i, r in enumerate(values) if any(cell_text(v) for v in r)), default=-1)
        self.standin.set_values(self.sid, self.response_tab, rows, start_row=last + 2)

    def tab(self, title: str) -> list[list[Any]]:
        try:
            values = self.standin.get_values(self.sid, title)
        except KeyError:
            return []
        return [list(r) for r in values]

    def put_tab(self, title: str, values: list[list[Any]]) -> None:
        width = max(len(r) for r in values)
        old = self.standin.get_values(self.sid, title)
        blank = [[""] * max(width, max((len(r) for r in old), default=0)) for _ in old]
        self.standin.set_values(self.sid, title, blank)
        self.standin.set_values(self.sid, title, [list(r) + [""] * (width - len(r)) for r in values])

    def cell_is_text(self, title: str, text: str) -> bool:
        from .google_standin import cells as standin_cells

        values = self.standin.get_values(self.sid, title)
        return any(v == text and type(v) is str and not isinstance(v, standin_cells.Formula) for r in values for v in r)


class MemoryWorld(World):
    """The in-memory backend (siapmas_sync/backends/memory.py): the spreadsheet is a
    :class:`MemorySpreadsheet` that outlives every worker built on it, as Google's does."""

    name = "memory"

    def __init__(self, tmp: Path, clock: Callable[[], datetime], evidence: dict[str, bytes] | None = None,
                 db_url: str | None = None) -> None:
        super().__init__(tmp, clock, db_url)
        self.sheet = MemorySpreadsheet(self.response_tab, HEADER)
        self.files: dict[str, str] = {}  # file name → Drive id, as GoogleWorld.files
        for i, (name, data) in enumerate((evidence or {}).items()):
            self.files[name] = f"mem{i:04d}"
            self.sheet.files[self.files[name]] = (name, data)
        self.config.write_text('[source]\nevidence_dir = "."\n' + self.storage_toml() + '[output]\ndir = "var/output"\nprint_batch = false\n',
                               encoding="utf-8")

    def backend(self, settings: Any) -> MemoryBackend:
        return MemoryBackend(self.sheet)

    def add_responses(self, rows: list[list[Any]]) -> None:
        self.sheet.append(rows)

    def tab(self, title: str) -> list[list[Any]]:
        return self.sheet.get(title)

    def put_tab(self, title: str, values: list[list[Any]]) -> None:
        self.sheet.put(title, values)

    def cell_is_text(self, title: str, text: str) -> bool:
        return any(v == text and type(v) is str for r in self.sheet.get(title) for v in r)


@contextmanager
def open_world(kind: str, tmp: Path, clock: Callable[[], datetime], *, evidence: dict[str, bytes] | None = None,
               db_url: str | None = None) -> Iterator[World]:
    """A world of *kind* ("memory", "local" or "google": the stand-in runs while it is open)."""
    if kind == "google":
        with GoogleStandin() as standin:
            w: World = GoogleWorld(tmp, clock, standin, evidence, db_url=db_url)
            try:
                yield w
            finally:
                w.close()
        return
    w = MemoryWorld(tmp, clock, evidence, db_url) if kind == "memory" else LocalWorld(tmp, clock, evidence, db_url)
    try:
        yield w
    finally:
        w.close()
