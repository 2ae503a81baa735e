"""The Google backend: the form's response spreadsheet (gspread) and the Drive evidence
folder (google-api-python-client), reached as a service account or as the office's own
Google account signed in with `login` (google-auth; backends/google_auth.py).

Quota shape per cycle: spreadsheet metadata is fetched once per process and cached
(gspread would re-read it on every ``worksheet()`` call, so we use its HTTP client
directly); every cycle reads the response tab and all register tabs in ONE
``values:batchGet`` (UNFORMATTED_VALUE + SERIAL_NUMBER) and writes every changed cell in
ONE ``values:batchUpdate`` with RAW input, so citizen text never becomes a formula (a few,
cut between rows, only past Google's recommended 2 MB per request: google_requests). A
``spreadsheets.batchUpdate`` is only sent when a tab must be created or grown. Drive is
listed incrementally (a modifiedTime cursor with overlap) only when there are new rows.
Before all that, one Drive ``files.get`` of the spreadsheet's version (``change_stamp``)
lets an idle cycle skip the read altogether (siapmas_sync/cycle/idle.py), and a cycle after a
change of the sheet alone reads only the new rows and the operators' columns
(``read_tail``, siapmas_sync/cycle/tailread.py).
"""

from __future__ import annotations

import logging
import mimetypes
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import gspread
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaFileUpload
from gspread.exceptions import APIError
from gspread.urls import SPREADSHEET_VALUES_BATCH_URL

from ..config import Settings
from ..documents import atomic_write_bytes
from ..core.imagebudget import oversize_finding
from ..errors import BackendAccessError, SourceError
from ..core.kendali_sheet import CHECKBOX_COLUMNS, FREE_TEXT, KENDALI_TAB
from ..core.intake import extract_drive_id, sniff_mime
from ..core.models import CellUpdate, Evidence, Finding, Submission, CATATAN
from ..notify.pemberitahuan import PEMBERITAHUAN_TAB
from ..core.sheetplan import TablePlan, a1_column, header_key
from ..cycle.tailread import (
    OPERATOR_COLUMNS,
    ColumnRuns,
    SeenColumns,
    TailState,
    column_runs,
    header_of,
    rows_of,
    unchanged_head,
)
from .base import RESPONSE_TAB_NAMES, KeepAll, Readers, Snapshot
from .google_requests import (
    MULTIPART_MAX_BYTES,
    WRITE_PART_CELLS,
    check_cell_budget,
    chunk_updates,
    drive_literal,
    grid_after,
    new_sheet_id,
    quote_tab,
    ranges_for,
)
from .valuestream import read_value_columns, read_value_ranges
from ..dasbor import sheets as dasbor_sheets
from ..dasbor.layout import TAB as DASBOR_TAB, DasborView
from .google_auth import Identity, scopes_for
from .google_http import EndpointHttp, EndpointSession, RetryPolicy, access_error

log = logging.getLogger("siapmas.google")

META_FIELDS = (
    "properties(title,locale,timeZone),"
    "sheets(properties(sheetId,title,index,gridProperties(rowCount,columnCount)),"
    "charts(chartId,spec(basicChart(chartType,domains,series))))"  # the Dasbor's charts (dasbor/sheets.py)
)
DRIVE_FIELDS = "id,name,mimeType,size,createdTime,modifiedTime,webViewLink,trashed"
CURSOR_OVERLAP = timedelta(minutes=10)
STAMP_FIELDS = "modifiedTime,version"  # files.get of the spreadsheet before each read (cycle/idle.py)
DRIVE_FILES_URL = "https://www.googleapis.com/drive/v3/files"


@dataclass
class TabMeta:
    sheet_id: int
    title: str
    rows: int
    cols: int
    charts: dict[int, Any] = field(default_factory=dict)  # chartId -> source ranges (dasbor.sheets)


def _rfc3339(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _parse_rfc3339(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class GoogleBackend:
    name = "google"

    def __init__(
        self,
        *,
        spreadsheet_id: str,
        key: dict[str, Any] | None = None,
        identity: Identity | None = None,
        response_tab: str = "",
        evidence_folder_id: str = "",
        upload_folder_id: str = "",
        backup_folder_id: str = "",
        rekap_folder_id: str = "",
        endpoint: str = "",
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        cache_dir: Path | None = None,
        thumbnail_max_bytes: int = 5_000_000,
    ) -> None:
        if not spreadsheet_id:
            raise SourceError(
                "[source] spreadsheet_id belum diisi.",
                "Salin ID dari URL spreadsheet jawaban (bagian antara /d/ dan /edit).",
            )
        self.spreadsheet_id = spreadsheet_id
        self.identity = identity or Identity.service_account(key or {}, None)
        self.account = self.identity.account
        self.response_tab = response_tab
        self.evidence_folder_id = evidence_folder_id
        self.upload_folder_id = upload_folder_id
        self.endpoint = endpoint
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.cache_dir = cache_dir
        self.thumbnail_max_bytes = thumbnail_max_bytes
        # drive.file only when the worker creates files: generated PDFs, ledger backups, recaps
        self.credentials = self.identity.credentials(scopes_for(upload_folder_id, backup_folder_id, rekap_folder_id))
        self.session = EndpointSession(self.credentials, endpoint, timeout)
        self.gc = gspread.Client(auth=self.credentials, session=self.session)
        self.http = self.gc.http_client
        self._drive: Any = None
        self._files: Any = None
        self._meta: dict[str, TabMeta] | None = None
        self._sheet_tz: ZoneInfo | None = None
        self._sheet_locale = ""  # properties.locale: formulas are written in its form (dasbor)
        self._resp_title = ""
        self._drive_index: dict[str, dict[str, Any]] = {}
        self._drive_cursor: datetime | None = None
        self.notices: list[str] = []  # for the cycle summary (the Dasbor left as it is)
        self.dasbor_skipped = False  # the last write left the Dasbor out (Google refused it)
        self.reads_tail = True  # ranges of rows: values:batchGet (tailread)
        self.part_cells = WRITE_PART_CELLS  # a large write-back goes out as it is planned (sheetwrite)
        self._moved_noted: set[str] = set()

    @classmethod
    def from_settings(cls, s: Settings) -> GoogleBackend:
        src = s.source
        return cls(
            spreadsheet_id=src.spreadsheet_id,
            identity=Identity.from_settings(s),
            response_tab=src.response_tab,
            evidence_folder_id=src.evidence_folder_id,
            upload_folder_id=src.upload_folder_id,
            backup_folder_id=s.backup.drive_folder_id,
            rekap_folder_id=s.rekap.drive_folder_id,
            endpoint=src.google_endpoint,
            timeout=src.timeout_seconds,
            retry=RetryPolicy(src.max_retries, base=src.retry_base_seconds),
            cache_dir=s.storage.database.parent / "bukti-cache",
            thumbnail_max_bytes=src.thumbnail_max_bytes,
        )

    # --- sheets -------------------------------------------------------------------------

    def _sheets(self, what: str, fn: Any) -> Any:
        try:
            return self.retry.call(fn)
        except Exception as exc:
            raise access_error(exc, what=what, account=self.account) from None

    def metadata(self, refresh: bool = False) -> dict[str, TabMeta]:
        """Tabs of the spreadsheet (cached: one request per process unless refreshed)."""
        if self._meta is None or refresh:
            data = self._sheets(
                f"spreadsheet {self.spreadsheet_id}",
                lambda: self.http.fetch_sheet_metadata(
                    self.spreadsheet_id, params={"includeGridData": "false", "fields": META_FIELDS}
                ),
            )
            tabs = {}
            for sh in data.get("sheets", []):
                p = sh["properties"]
                g = p.get("gridProperties", {})
                tabs[p["title"]] = TabMeta(int(p["sheetId"]), p["title"], int(g.get("rowCount", 1000)),
                                           int(g.get("columnCount", 26)), dasbor_sheets.charts_of(sh))
            self._meta = tabs
            tzname = data.get("properties", {}).get("timeZone")
            self._sheet_locale = str(data.get("properties", {}).get("locale") or "")
            try:
                self._sheet_tz = ZoneInfo(tzname) if tzname else None
            except (ZoneInfoNotFoundError, ValueError):
                self._sheet_tz = None
            self._resp_title = self._pick_response_tab(tabs)
        return self._meta

    def _pick_response_tab(self, tabs: dict[str, TabMeta]) -> str:
        want = self.response_tab
        if want:
            if want.isdigit():
                for t in tabs.values():
                    if t.sheet_id == int(want):
                        return t.title
            elif want in tabs:
                return want
        else:
            for candidate in RESPONSE_TAB_NAMES:
                for title in tabs:
                    if header_key(title) == header_key(candidate):
                        return title
        raise SourceError(
            f"Tab jawaban {want or '/'.join(RESPONSE_TAB_NAMES[:2])} tidak ada. Tab yang ada: {', '.join(tabs)}",
            "Isi [source] response_tab dengan nama tab jawaban atau gid-nya (angka setelah #gid= di URL).",
        )

    def change_stamp(self) -> dict[str, str] | None:
        """The spreadsheet's Drive ``version`` and ``modifiedTime`` — ONE small ``files.get``
        (the spreadsheet id is its Drive file id; the answer is ~100 bytes), asked before
        every read so an idle cycle need not read the sheet (siapmas_sync/cycle/idle.py). Drive
        shows an edit here only minutes after it is made (googleapis/google-api-go-client#444),
        which cycle/idle.py allows for."""
        # through the Sheets session (requests), not the Drive discovery client: an idle
        # `sync` process then never builds googleapiclient's Drive service at all
        url = f"{DRIVE_FILES_URL}/{self.spreadsheet_id}"

        def get() -> Any:
            resp = self.session.request("get", url, params={"fields": STAMP_FIELDS, "supportsAllDrives": "true"})
            if resp.status_code == 404:  # the read that follows explains it
                return None
            if not resp.ok:
                raise APIError(resp)
            return resp.json()

        meta = self._sheets(f"spreadsheet {self.spreadsheet_id}", get)
        if not meta:
            return None
        return {k: str(meta.get(k, "")) for k in ("version", "modifiedTime")}

    @property
    def sheet_tz(self) -> ZoneInfo | None:
        return self._sheet_tz

    def read(self, register_tabs: Sequence[str], readers: Readers | None = None) -> Snapshot:
        readers = readers or KeepAll()
        meta = self.metadata()
        titles = [self._resp_title] + [t for t in register_tabs if t in meta]
        try:
            values = self.retry.call(lambda: self._batch_get(titles, readers))
        except APIError as exc:
            if exc.response.status_code != 400:
                raise access_error(exc, what=f"spreadsheet {self.spreadsheet_id}", account=self.account) from None
            # a tab was renamed or removed since the metadata was cached: look again, once
            meta = self.metadata(refresh=True)
            titles = [self._resp_title] + [t for t in register_tabs if t in meta]
            values = self._sheets(f"spreadsheet {self.spreadsheet_id}", lambda: self._batch_get(titles, readers))
        except Exception as exc:
            raise access_error(exc, what=f"spreadsheet {self.spreadsheet_id}", account=self.account) from None
        tabs: dict[str, Any] = {t: None for t in register_tabs}
        tabs.update(zip(titles[1:], values[1:]))
        return Snapshot(responses=values[0], tabs=tabs, sheet_tz=self._sheet_tz)

    def _batch_get(self, titles: Sequence[str], readers: Readers) -> list[Any]:
        """One values:batchGet of whole tabs, each fed to a fresh reader as it streams in."""
        return self._values_get([quote_tab(t) for t in titles], lambda: [readers.responses(titles[0], self._sheet_tz)]
                                + [readers.register(t) for t in titles[1:]])

    def _values_get(self, ranges: Sequence[str], make_readers: Callable[[], Sequence[Any]] | None) -> list[Any]:
        """One values:batchGet of A1 *ranges* (unformatted values, dates as serial numbers),
        each range fed to its reader as it streams in (see valuestream); without readers,
        asked in COLUMNS major dimension and answered as each range's columns."""
        params: dict[str, Any] = {
            "valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER",
            "majorDimension": "ROWS" if make_readers is not None else "COLUMNS", "ranges": list(ranges),
            "prettyPrint": "false",  # Google indents replies by default: ~40% of a values reply is spaces
        }
        resp = self.session.request(
            "get", SPREADSHEET_VALUES_BATCH_URL % self.spreadsheet_id, params=params, stream=True
        )
        try:
            if not resp.ok:
                raise APIError(resp)
            if make_readers is None:
                return read_value_columns(resp)
            return read_value_ranges(resp, make_readers())
        finally:
            resp.close()

    def read_tail(self, tail: TailState, readers: Any) -> Snapshot | None:
        """A change read as a change (tailread): ONE values:batchGet of the response tab's
        header and its rows from the last known one (``A{n}:{last column}``, open-ended: the
        form only appends), and the key and operator columns of Kendali and Pemberitahuan.
        None when a full read must look instead: the last known row reads differently (a
        row deleted or inserted above it, its answers edited), Kendali's columns moved, or
        the grid shrank below the last known row (Google: 400 "exceeds grid limits")."""
        meta = self.metadata()
        resp_tab = meta.get(self._resp_title)
        if resp_tab is not None and tail.last_row > resp_tab.rows:  # the grid grew since it was cached
            meta = self.metadata(refresh=True)
            resp_tab = meta.get(self._resp_title)
        kendali = meta.get(KENDALI_TAB)
        if resp_tab is None or kendali is None or tail.last_row > resp_tab.rows or kendali.rows < 2:
            return None
        # the tabs read in part, with the header each had when last written
        parts = {KENDALI_TAB: tail.kendali_header}
        if PEMBERITAHUAN_TAB in meta:
            if PEMBERITAHUAN_TAB not in tail.headers:
                return None
            parts[PEMBERITAHUAN_TAB] = tail.headers[PEMBERITAHUAN_TAB]
        runs = {t: column_runs(h, OPERATOR_COLUMNS[t]) for t, h in parts.items()}
        rq, last = quote_tab(resp_tab.title), a1_column(resp_tab.cols - 1)
        ranges = [f"{rq}!A1:{last}1", f"{rq}!A{tail.last_row}:{last}"]
        for t, tab_runs in runs.items():
            ranges += [f"{quote_tab(t)}!{a1_column(a)}1:{a1_column(b)}" for a, b in tab_runs]
        try:
            got = self.retry.call(lambda: self._values_get(ranges, None))
        except APIError as exc:
            if exc.response.status_code != 400:
                raise access_error(exc, what=f"spreadsheet {self.spreadsheet_id}", account=self.account) from None
            self._meta = None  # the grid changed: the full read looks again
            return None
        except Exception as exc:
            raise access_error(exc, what=f"spreadsheet {self.spreadsheet_id}", account=self.account) from None
        got += [[]] * (len(ranges) - len(got))  # a range Google answered without an entry reads as empty
        header, rows = header_of(got[0]), rows_of(got[1])
        tabs = {t: ColumnRuns(parts[t], runs[t], readers.register(t)) for t in parts}
        at = 2
        for c in tabs.values():
            for i in range(len(c.runs)):
                c.take(i, got[at])
                at += 1
        if not (header and all(c.matches() for c in tabs.values())
                and unchanged_head(tail, header, rows[0] if rows else None)):
            self._meta = None  # columns may have been added: the full read sees the grid afresh
            return None
        resp = readers.responses(resp_tab.title, self._sheet_tz, first_row=tail.last_row)
        resp.header(header)
        for row in rows:
            resp.row(row)
        seen = tail.seen.tabs if tail.seen is not None else {}
        snap = Snapshot(responses=resp.result(),
                        tabs={PEMBERITAHUAN_TAB: None, **{t: c.result(seen.get(t)) for t, c in tabs.items()}},
                        sheet_tz=self._sheet_tz, partial=True)
        if tail.seen is not None:  # compared: only its token is needed now (not held while rendering)
            tail.seen = SeenColumns(tail.seen.token, {})
        return snap

    def write(self, plans: Sequence[TablePlan], controls: Mapping[str, Mapping[str, list[str]]] | None = None,
              *, dasbor: DasborView | None = None) -> None:
        updates = [u for p in plans for u in p.updates]
        self.notices, self.dasbor_skipped = [], False
        if not updates and dasbor is None:
            return
        if dasbor is None:
            self._ensure_grid(updates, plans, controls or {})
        else:
            self._grid_with_dasbor(updates, plans, controls or {}, dasbor)
        # one values:batchUpdate per cycle, unless the changes exceed Google's recommended
        # 2 MB per request (a first write-back of a large sheet): then a few, cut between rows
        for chunk in chunk_updates(updates):
            self._write_values({"valueInputOption": "RAW", "data": ranges_for(chunk)}, updates, plans, controls or {})

    def _grid_with_dasbor(self, updates: Sequence[CellUpdate], plans: Sequence[TablePlan],
                          controls: Mapping[str, Mapping[str, list[str]]], dasbor: DasborView) -> None:
        """The grid growth with the Dasbor drawn in the same request. A 400 (a chart or the
        tab changed by staff since the metadata was read) looks again once; a Dasbor Google
        still refuses is left as it is — it is decoration: the register is written anyway."""
        for attempt in (1, 2):
            try:
                self._ensure_grid(updates, plans, controls, dasbor=dasbor, retry_on_400=False)
                return
            except APIError as exc:
                if exc.response.status_code != 400:
                    raise access_error(exc, what=f"spreadsheet {self.spreadsheet_id}", account=self.account) from None
                if attempt == 1:
                    self.metadata(refresh=True)
                    continue
                reason = _google_message(exc)
        log.warning("Tab Dasbor tidak diperbarui: Google menolak perubahannya (%s)", reason)
        self.notices.append(f"Tab {DASBOR_TAB} tidak diperbarui siklus ini: Google menolak perubahannya ({reason}). "
                            "Nomor, status dan tab register tetap ditulis; Dasbor dicoba lagi pada siklus berikutnya.")
        self.dasbor_skipped = True
        self._ensure_grid(updates, plans, controls)

    def _write_values(self, body: dict[str, Any], updates: Sequence[CellUpdate], plans: Sequence[TablePlan],
                      controls: Mapping[str, Mapping[str, list[str]]]) -> None:
        try:
            self.retry.call(lambda: self.http.values_batch_update(self.spreadsheet_id, body=body))
        except APIError as exc:
            if exc.response.status_code == 400 and "grid" in exc.response.text.lower():
                self.metadata(refresh=True)  # staff changed the grid since we looked
                self._ensure_grid(updates, plans, controls)
                self._sheets("spreadsheet", lambda: self.http.values_batch_update(self.spreadsheet_id, body=body))
            else:
                raise access_error(exc, what=f"spreadsheet {self.spreadsheet_id}", account=self.account) from None
        except Exception as exc:
            raise access_error(exc, what=f"spreadsheet {self.spreadsheet_id}", account=self.account) from None

    def _ensure_grid(self, updates: Sequence[CellUpdate], plans: Sequence[TablePlan] = (),
                     controls: Mapping[str, Mapping[str, list[str]]] | None = None, *,
                     dasbor: DasborView | None = None, retry_on_400: bool = True) -> None:
        """Create missing tabs and grow small ones so every update fits, set the
        dropdowns / checkbox / protection of controlled tabs, and draw the Dasbor (cells
        and charts) when it changed — all in one request."""
        meta = self.metadata()
        controls = controls or {}
        need: dict[str, tuple[int, int]] = {}
        for u in updates:
            r, c = need.get(u.tab, (0, 0))
            need[u.tab] = (max(r, u.row + 1), max(c, u.col + 1))
        requests_: list[dict[str, Any]] = []
        for tab, (rows, cols) in need.items():
            t = meta.get(tab)
            if t is None:
                sheet_id = new_sheet_id(tab, {m.sheet_id for m in meta.values()})
                requests_.append({"addSheet": {"properties": {
                    "sheetId": sheet_id,
                    "title": tab,
                    "gridProperties": {"rowCount": max(rows + 500, 1000), "columnCount": max(cols, 10), "frozenRowCount": 1},
                }}})
                plan = next((p for p in plans if p.tab == tab), None)
                if tab in controls and plan is not None:
                    requests_.extend(self._control_requests(sheet_id, plan.header, controls[tab]))
                continue
            if rows > t.rows:
                requests_.append({"appendDimension": {"sheetId": t.sheet_id, "dimension": "ROWS", "length": rows - t.rows + 500}})
            if cols > t.cols:
                requests_.append({"appendDimension": {"sheetId": t.sheet_id, "dimension": "COLUMNS", "length": cols - t.cols}})
        dash: list[dict[str, Any]] = []
        elsewhere: dict[int, Any] = {}  # charts on other tabs (one of ours a user moved there)
        if dasbor is not None:
            d = meta.get(DASBOR_TAB)
            sid = d.sheet_id if d else new_sheet_id(DASBOR_TAB, {m.sheet_id for m in meta.values()}
                                                    | {r["addSheet"]["properties"]["sheetId"] for r in requests_ if "addSheet" in r})
            elsewhere = {cid: r for t in meta.values() if t.title != DASBOR_TAB for cid, r in t.charts.items()}
            dash = dasbor_sheets.requests_for(dasbor, sheet_id=sid, exists=d is not None, elsewhere=elsewhere,
                                              grid=(d.rows, d.cols) if d else (0, 0), charts=d.charts if d else {},
                                              locale=self._sheet_locale)
            requests_ += dash
        if not requests_:  # Google refuses an empty batchUpdate (400 "Must specify at least one request.")
            return
        check_cell_budget(grid_after(meta, requests_), self.spreadsheet_id)
        body = {"requests": requests_}
        if retry_on_400:
            self._sheets("spreadsheet", lambda: self.http.batch_update(self.spreadsheet_id, body))
        else:
            try:
                self.retry.call(lambda: self.http.batch_update(self.spreadsheet_id, body))
            except APIError:
                raise
            except Exception as exc:
                raise access_error(exc, what="spreadsheet", account=self.account) from None
        # keep the cached grid in step without another metadata read
        by_id = {t.sheet_id: t for t in meta.values()}
        for req in requests_:
            if "addSheet" in req:
                p = req["addSheet"]["properties"]
                g = p["gridProperties"]
                meta[p["title"]] = TabMeta(p["sheetId"], p["title"], g["rowCount"], g["columnCount"])
            elif "appendDimension" in req:
                a = req["appendDimension"]
                t = by_id[a["sheetId"]]
                if a["dimension"] == "ROWS":
                    t.rows += a["length"]
                else:
                    t.cols += a["length"]
        if dash and dasbor is not None:
            dasbor_sheets.applied(dash, meta[DASBOR_TAB].charts)
            for title in dasbor_sheets.moved(dasbor, sid, elsewhere):
                if title not in self._moved_noted:  # said once per process, the chart left where the user put it
                    self._moved_noted.add(title)
                    self.notices.append(f"Grafik Dasbor '{title}' telah dipindahkan pengguna ke tab lain; dibiarkan "
                                        "di sana dan tetap diperbarui.")

    def _control_requests(self, sheet_id: int, header: Sequence[str], lists: Mapping[str, list[str]]) -> list[dict[str, Any]]:
        """Dropdowns for the editable columns, a checkbox for "Rahasia", and protection
        (only the service account may edit) for every computed column."""
        reqs: list[dict[str, Any]] = []

        def col_range(c: int) -> dict[str, int]:
            return {"sheetId": sheet_id, "startRowIndex": 1, "startColumnIndex": c, "endColumnIndex": c + 1}

        for title, choices in lists.items():
            if title in header:
                reqs.append({"setDataValidation": {"range": col_range(header.index(title)), "rule": {
                    "condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": v} for v in choices]},
                    "strict": True, "showCustomUi": True}}})
        for title in CHECKBOX_COLUMNS:  # Kendali's Rahasia, Pemberitahuan's Terkirim
            if title in header:
                reqs.append({"setDataValidation": {"range": col_range(header.index(title)),
                                                   "rule": {"condition": {"type": "BOOLEAN"}, "strict": True}}})
        editable = set(lists) | set(CHECKBOX_COLUMNS) | set(FREE_TEXT)
        for c, title in enumerate(header):
            if title not in editable:
                reqs.append({"addProtectedRange": {"protectedRange": {
                    "range": {"sheetId": sheet_id, "startColumnIndex": c, "endColumnIndex": c + 1},
                    "description": f"{title}: diisi otomatis oleh SIAPMAS Sync",
                    "warningOnly": False, "editors": {"users": [self.account]}}}})
        return reqs

    # --- drive --------------------------------------------------------------------------

    @property
    def drive(self) -> Any:
        if self._drive is None:
            http = AuthorizedHttp(self.credentials, http=EndpointHttp.make(self.timeout, self.endpoint))
            opts = {"api_endpoint": self.endpoint} if self.endpoint else None
            self._drive = build("drive", "v3", http=http, client_options=opts, static_discovery=True, cache_discovery=False)
        return self._drive

    @property
    def files(self) -> Any:
        """The Drive ``files`` collection, built once: googleapiclient makes every method of
        a collection afresh each time it is asked for one (~1.5 ms, per evidence file)."""
        if self._files is None:
            self._files = self.drive.files()
        return self._files

    def _drive_call(self, what: str, request_factory: Any) -> Any:
        try:
            return self.retry.call(lambda: request_factory().execute(num_retries=0))
        except HttpError as exc:
            if exc.resp.status == 404:
                return None
            raise access_error(exc, what=what, account=self.account) from None
        except Exception as exc:
            raise access_error(exc, what=what, account=self.account) from None

    def refresh_drive_index(self) -> None:
        """List the evidence folder: everything once, then only what changed since the
        cursor (with overlap, so files that became visible late are not missed)."""
        if not self.evidence_folder_id:
            return
        q = f"{drive_literal(self.evidence_folder_id)} in parents and trashed = false"
        if self._drive_cursor is not None:
            q += f" and modifiedTime > {drive_literal(_rfc3339(self._drive_cursor - CURSOR_OVERLAP))}"
        token = None
        while True:
            resp = self._drive_call(
                f"folder bukti {self.evidence_folder_id}",
                lambda: self.files.list(
                    q=q, fields=f"nextPageToken, files({DRIVE_FIELDS})", pageSize=1000,
                    pageToken=token, orderBy="modifiedTime", supportsAllDrives=True, includeItemsFromAllDrives=True,
                ),
            )
            if resp is None:
                raise BackendAccessError(
                    f"Folder bukti {self.evidence_folder_id} tidak ditemukan (404).",
                    f"Periksa [source] evidence_folder_id dan bagikan folder itu kepada {self.account} sebagai Viewer.",
                )
            for f in resp.get("files", []):
                self._drive_index[f["id"]] = f
                mt = _parse_rfc3339(f["modifiedTime"]) if f.get("modifiedTime") else None
                if mt and (self._drive_cursor is None or mt > self._drive_cursor):
                    self._drive_cursor = mt
            token = resp.get("nextPageToken")
            if not token:
                break

    def find_evidence(self, submissions: Sequence[Submission]) -> dict[str, tuple[list[Evidence], list[Finding]]]:
        if not any(s.bukti_urls for s in submissions):
            return {s.key: ([], []) for s in submissions}
        self.refresh_drive_index()
        out: dict[str, tuple[list[Evidence], list[Finding]]] = {}
        for s in submissions:
            evidence: list[Evidence] = []
            findings: list[Finding] = []
            for url in s.bukti_urls:
                ev, finding = self._evidence_for(url)
                evidence.append(ev)
                if finding:
                    findings.append(finding)
            out[s.key] = (evidence, findings)
        return out

    def _evidence_for(self, url: str) -> tuple[Evidence, Finding | None]:
        fid = extract_drive_id(url)
        if fid is None:
            return Evidence(url=url), Finding("bukti_hilang", f"Bukti dukung bukan tautan Google Drive: {url[:80]}", CATATAN)
        meta = self._drive_index.get(fid)
        if meta is None:  # outside the listed folder (or no folder configured): ask directly
            meta = self._drive_call(f"berkas bukti {fid}", lambda: self.files.get(fileId=fid, fields=DRIVE_FIELDS, supportsAllDrives=True))
            if meta is not None:
                self._drive_index[fid] = meta
        if meta is None or meta.get("trashed"):
            return Evidence(url=url, drive_id=fid), Finding("bukti_hilang", f"Bukti dukung tidak ditemukan di Drive: {url[:80]}", CATATAN)
        size = int(meta["size"]) if meta.get("size") else None
        mime = meta.get("mimeType") or mimetypes.guess_type(meta.get("name", ""))[0]
        local = None
        finding = None
        if mime and mime.startswith("image/") and size is not None and size <= self.thumbnail_max_bytes and self.cache_dir:
            local, real_mime = self._download_image(fid, meta)
            if real_mime is None:
                finding = Finding("bukti_berbahaya", f"Berkas {meta.get('name')} berekstensi/berjenis gambar tetapi isinya bukan gambar", CATATAN)
                mime, local = "application/octet-stream", None
            elif local is not None and (finding := oversize_finding(local, meta.get("name"))) is not None:
                local = None  # declares more pixels than a thumbnail may decode (imagebudget)
        return Evidence(url=url, drive_id=fid, name=meta.get("name"), size=size, mime=mime, local_path=local, found=True), finding

    def _download_image(self, fid: str, meta: dict[str, Any]) -> tuple[Path | None, str | None]:
        assert self.cache_dir is not None
        safe = "".join(ch for ch in fid if ch.isalnum() or ch in "-_")[:128]
        path = self.cache_dir / safe
        if not path.exists():
            data = self._drive_call(f"berkas bukti {fid}", lambda: self.files.get_media(fileId=fid, supportsAllDrives=True))
            if data is None:
                return None, None
            atomic_write_bytes(path, data)
            if os.name == "posix":
                os.chmod(path, 0o600)
        with open(path, "rb") as fh:
            head = fh.read(64)
        real = sniff_mime(head)
        return (path if real and real.startswith("image/") else None), (real if real and real.startswith("image/") else None)

    def publish(self, files: Sequence[Path], *, folder_id: str | None = None) -> list[str]:
        """Upload generated files to the configured Drive folder (idempotent by name): the
        documents' ``upload_folder_id``, or *folder_id* (the recap's folder) under their own
        file names."""
        folder = folder_id or self.upload_folder_id
        if not folder:
            return [str(f) for f in files]
        return [self.upload(f, folder, f.name if folder_id else f"{f.parent.name}-{f.name}",
                            _XLSX_MIME if f.suffix == ".xlsx" else "application/pdf", "folder unggah")
                for f in files]

    def upload(self, path: Path, folder_id: str, name: str, mimetype: str, what: str, resumable: bool = False) -> str:
        """Put ``path`` into a Drive folder as ``name``, replacing the content of a file of
        that name there (a retried or repeated upload never makes a copy); its link or id.
        Files over Google's multipart limit go up as resumable uploads."""
        q = f"{drive_literal(folder_id)} in parents and name = {drive_literal(name)} and trashed = false"
        found = self._drive_call(what, lambda: self.files.list(
            q=q, fields="files(id,webViewLink)", pageSize=1, supportsAllDrives=True, includeItemsFromAllDrives=True))
        existing = (found or {}).get("files", [])
        media = MediaFileUpload(str(path), mimetype=mimetype,
                                resumable=resumable or path.stat().st_size > MULTIPART_MAX_BYTES)
        if existing:  # a document re-rendered (e.g. rahasia switched on), a backup sent again: replace its content
            fid = existing[0]["id"]
            self._drive_call(what, lambda: self.files.update(fileId=fid, media_body=media, fields="id",
                                                              supportsAllDrives=True))
            return str(existing[0].get("webViewLink") or fid)
        created = self._drive_call(
            what, lambda: self.files.create(body={"name": name, "parents": [folder_id]}, media_body=media,
                                            fields="id,webViewLink", supportsAllDrives=True),
        )
        return str((created or {}).get("webViewLink") or (created or {}).get("id", ""))

    def trim_folder(self, folder_id: str, prefix: str, keep: Callable[[list[str]], list[str]], what: str) -> list[str]:
        """Delete the files named ``prefix…`` in a Drive folder that ``keep`` (given their
        names) does not keep; only files this app created are visible with ``drive.file``."""
        q = f"{drive_literal(folder_id)} in parents and name contains {drive_literal(prefix)} and trashed = false"
        found: dict[str, dict[str, Any]] = {}
        token = None
        while True:
            resp = self._drive_call(what, lambda: self.files.list(
                q=q, fields="nextPageToken,files(id,name,driveId,capabilities(canDelete,canTrash))", pageSize=1000,
                pageToken=token, supportsAllDrives=True, includeItemsFromAllDrives=True))
            found.update({f["name"]: f for f in (resp or {}).get("files", [])})
            token = (resp or {}).get("nextPageToken")
            if not token:
                break
        kept = set(keep(sorted(found)))
        gone = [n for n in sorted(found) if n not in kept]
        for n in gone:
            f = found[n]
            caps = f.get("capabilities") or {}
            if caps.get("canDelete", True):  # My Drive owner; in a shared drive, a Manager (organizer)
                self._drive_call(what, lambda: self.files.delete(fileId=f["id"], supportsAllDrives=True))
            elif caps.get("canTrash"):  # a Content manager: to the trash, which Drive empties after 30 days
                self._drive_call(what, lambda: self.files.update(fileId=f["id"], body={"trashed": True},
                                                                  supportsAllDrives=True))
            else:
                raise prune_refused(what, folder_id, self.account, shared=bool(f.get("driveId")), waiting=len(gone))
        return gone

    def close(self) -> None:
        self.session.close()


def prune_refused(what: str, folder_id: str, account: str, *, shared: bool, waiting: int) -> BackendAccessError:
    """The role a deployment lacks to prune old files (doctor says the same before a cycle)."""
    if shared:
        return BackendAccessError(
            f"{waiting} berkas lama di {what} ({folder_id}) tidak dapat dihapus: {account} hanya Contributor "
            "(writer) di Shared Drive itu; menghapus perlu peran Manager (organizer).",
            f"Di Google Drive, buka Shared Drive itu → Kelola anggota, ubah peran {account} menjadi Manager "
            "(atau Content manager: berkas lama lalu dipindah ke sampah dan dihapus Drive setelah 30 hari). "
            "Sampai itu, cadangan di Drive menumpuk; cadangan lokal tetap dirapikan.",
        )
    return BackendAccessError(
        f"{waiting} berkas lama di {what} ({folder_id}) tidak dapat dihapus oleh {account}: berkas itu milik akun lain.",
        "Hapus berkas lama itu dengan akun pemiliknya, atau pakai folder di Shared Drive dengan peran Manager.",
    )


_XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _google_message(exc: APIError) -> str:
    try:
        return str(exc.response.json()["error"]["message"])[:200]
    except (ValueError, KeyError, TypeError):
        return f"HTTP {exc.response.status_code}"
