"""In-memory state of the stand-in: Drive files (spreadsheets are Drive files too),
their ACLs and contents, spreadsheet grids, registered service-account keys.

Everything here is plain data so that :meth:`Store.dump` / :meth:`Store.load` round-trip
through JSON (cell values use the tagged encoding in :mod:`cells`).
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import json
import random
import string
import time
from typing import Any

from . import cells
from .auth import KeyRegistry

SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
FOLDER_MIME = "application/vnd.google-apps.folder"
ROLE_RANK = {"reader": 1, "commenter": 2, "writer": 3, "fileOrganizer": 3, "organizer": 4, "owner": 5}
DEFAULT_OWNER = "operator@siapmas.example"
#: Google-native files open in their editor (webViewLink …/edit?usp=drivesdk)
EDITOR_PATHS = {SPREADSHEET_MIME: "spreadsheets", "application/vnd.google-apps.document": "document",
                "application/vnd.google-apps.presentation": "presentation", "application/vnd.google-apps.form": "forms"}

DEFAULT_FORMAT = {
    "backgroundColor": {"red": 1, "green": 1, "blue": 1},
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {"foregroundColor": {}, "fontFamily": "arial,sans,sans-serif", "fontSize": 10,
                   "bold": False, "italic": False, "strikethrough": False, "underline": False,
                   "foregroundColorStyle": {"rgbColor": {}}},
    "backgroundColorStyle": {"rgbColor": {"red": 1, "green": 1, "blue": 1}},
}


def rfc3339(when: dt.datetime | float | str | None) -> str:
    """Drive's timestamp format: UTC with milliseconds, e.g. 2023-08-17T10:53:41.893Z."""
    if when is None:
        when = dt.datetime.now(dt.timezone.utc)
    if isinstance(when, str):
        when = dt.datetime.fromisoformat(when.replace("Z", "+00:00"))
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
    if isinstance(when, (int, float)):
        when = dt.datetime.fromtimestamp(when, dt.timezone.utc)
    if when.tzinfo is None:
        raise ValueError("naive datetime: give Drive timestamps a time zone")
    when = when.astimezone(dt.timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


class Store:
    def __init__(self, seed: int = 0):
        self.rng = random.Random(seed)
        self.files: dict[str, dict[str, Any]] = {}
        self.content: dict[str, bytes] = {}
        self.perms: dict[str, dict[str, str]] = {}
        self.spreadsheets: dict[str, dict[str, Any]] = {}
        self.keys = KeyRegistry()
        # True: a service account may own files in My Drive (the behaviour before Google took
        # its storage away, shared.check_storage); a test must ask for it
        self.service_account_quota = False
        self.clock = time.time  # epoch seconds; the server replaces it with its own clock
        # Drive's view of a spreadsheet's modifiedTime/version lags its edits (about three
        # minutes: googleapis/google-api-go-client#444, a Google engineer's answer): an edit's
        # new version shows in files.get only `drive_lag` seconds (of `lag_clock`) after it.
        self.drive_lag = 0.0
        self.lag_clock: Any = None  # None: `clock`
        self._versions: dict[str, list[tuple[float, int, str]]] = {}  # file id → (at, version, modifiedTime)

    # --- ids ---------------------------------------------------------------------
    def new_file_id(self, spreadsheet: bool = False) -> str:
        alphabet = string.ascii_letters + string.digits + "-_"
        n = 43 if spreadsheet else 32
        while True:
            fid = "1" + "".join(self.rng.choice(alphabet) for _ in range(n))
            if fid not in self.files:
                return fid

    def new_int_id(self) -> int:
        return self.rng.randrange(1, 2**31 - 1)

    # --- ACL --------------------------------------------------------------------
    def ancestors(self, file_id: str) -> list[str]:
        out, todo, seen = [], list(self.files.get(file_id, {}).get("parents", [])), set()
        while todo:
            pid = todo.pop()
            if pid in seen or pid not in self.files:
                continue
            seen.add(pid)
            out.append(pid)
            todo.extend(self.files[pid].get("parents", []))
        return out

    def role(self, account: str | None, file_id: str) -> str | None:
        """Effective role of an account on a file (direct, 'anyone', or inherited)."""
        best, best_rank = None, 0
        for fid in [file_id, *self.ancestors(file_id)]:
            acl = self.perms.get(fid, {})
            for who in (account, "anyone"):
                r = acl.get(who) if who else None
                if r and ROLE_RANK.get(r, 0) > best_rank:
                    best, best_rank = r, ROLE_RANK[r]
        return best

    def can_read(self, account: str | None, file_id: str) -> bool:
        return self.role(account, file_id) is not None

    def can_write(self, account: str | None, file_id: str) -> bool:
        return ROLE_RANK.get(self.role(account, file_id) or "", 0) >= ROLE_RANK["writer"]

    def share(self, file_id: str, email: str, role: str = "writer") -> None:
        if role not in ROLE_RANK:
            raise ValueError(f"unknown role {role}")
        self.perms.setdefault(file_id, {})[email] = role

    def unshare(self, file_id: str, email: str) -> None:
        self.perms.get(file_id, {}).pop(email, None)

    # --- Drive files ----------------------------------------------------------------
    def add_file(self, name: str, mime: str, parents: list[str] | None = None, content: bytes | None = None,
                 created: str | None = None, modified: str | None = None, owner: str = DEFAULT_OWNER,
                 file_id: str | None = None, **extra: Any) -> str:
        fid = file_id or self.new_file_id(spreadsheet=(mime == SPREADSHEET_MIME))
        created = created or rfc3339(self.clock())
        drive = next((self.files[p].get("driveId") for p in parents or () if p in self.files
                      and self.files[p].get("driveId")), None)
        rec = {"id": fid, "name": name, "mimeType": mime, "parents": list(parents or []),
               "createdTime": created, "modifiedTime": modified or created, "trashed": False,
               "starred": False, "owner": None if drive else owner}
        if drive:  # a shared drive owns its files; access comes from its members (inherited)
            rec["driveId"] = drive
        rec.update(extra)
        self.files[fid] = rec
        if content is not None:
            self.content[fid] = bytes(content)
        if not drive:
            self.perms.setdefault(fid, {})[owner] = "owner"
        return fid

    def add_shared_drive(self, name: str, members: dict[str, str]) -> str:
        """A shared drive: its root folder's id is the drive's id; *members* email → role
        (organizer, fileOrganizer, writer, commenter, reader)."""
        from .shared import SHARED_DRIVE_ROLES

        fid = self.new_file_id()
        created = rfc3339(self.clock())
        self.files[fid] = {"id": fid, "name": name, "mimeType": FOLDER_MIME, "parents": [], "createdTime": created,
                           "modifiedTime": created, "trashed": False, "starred": False, "owner": None,
                           "driveId": fid}
        for email, role in members.items():
            if role not in SHARED_DRIVE_ROLES:
                raise ValueError(f"not a shared-drive role: {role}")
        self.perms[fid] = dict(members)
        return fid

    def touch(self, file_id: str, when: str | None = None) -> None:
        """A change to a file: a new modifiedTime and version (Drive counts every change)."""
        if file_id in self.files:
            rec = self.files[file_id]
            history = self._versions.setdefault(file_id, [(float("-inf"), int(rec.get("version", 1)), rec["modifiedTime"])])
            rec["modifiedTime"] = when or rfc3339(self.clock())
            rec["version"] = int(rec.get("version", 1)) + 1
            history.append(((self.lag_clock or self.clock)(), rec["version"], rec["modifiedTime"]))
            del history[1:-64]  # the pre-change state and the recent changes are enough

    def drive_view(self, file_id: str) -> tuple[int, str]:
        """(version, modifiedTime) as Drive shows them now: a spreadsheet's change becomes
        visible `drive_lag` seconds after it was made."""
        rec = self.files[file_id]
        shown = (int(rec.get("version", 1)), rec["modifiedTime"])
        if self.drive_lag > 0 and rec["mimeType"] == SPREADSHEET_MIME and file_id in self._versions:
            cutoff = (self.lag_clock or self.clock)() - self.drive_lag
            for at, version, modified in self._versions[file_id]:
                if at <= cutoff:
                    shown = (version, modified)
        return shown

    def file_resource(self, file_id: str, base_url: str) -> dict[str, Any]:
        """The full Drive v3 File resource (before `fields` selection)."""
        rec = self.files[file_id]
        version, modified = self.drive_view(file_id)
        mime = rec["mimeType"]
        res: dict[str, Any] = {"kind": "drive#file", "id": file_id, "name": rec["name"], "mimeType": mime}
        for key in ("description", "appProperties", "properties", "originalFilename"):
            if key in rec:
                res[key] = rec[key]
        res.update({"starred": rec.get("starred", False), "trashed": rec.get("trashed", False),
                    "explicitlyTrashed": rec.get("trashed", False), "parents": list(rec.get("parents", [])),
                    "spaces": ["drive"], "version": str(version),
                    "createdTime": rec["createdTime"], "modifiedTime": modified})
        if rec.get("driveId"):  # owned by the shared drive: no owners, no `shared` (shared-drives-diffs)
            res["driveId"] = rec["driveId"]
        else:
            res["owners"] = [{"kind": "drive#user", "displayName": rec["owner"].split("@")[0],
                              "me": False, "emailAddress": rec["owner"]}]
            res["shared"] = len(self.perms.get(file_id, {})) > 1
        if mime == FOLDER_MIME:
            res["webViewLink"] = f"https://drive.google.com/drive/folders/{file_id}"
        elif mime in EDITOR_PATHS:  # Google-native: the editor, no size (nothing to download)
            res["webViewLink"] = f"https://docs.google.com/{EDITOR_PATHS[mime]}/d/{file_id}/edit?usp=drivesdk"
        elif mime.startswith("application/vnd.google-apps."):
            res["webViewLink"] = f"https://drive.google.com/file/d/{file_id}/view?usp=drivesdk"
        else:
            data = self.content.get(file_id, b"")
            res["webViewLink"] = f"https://drive.google.com/file/d/{file_id}/view?usp=drivesdk"
            res["webContentLink"] = f"https://drive.google.com/uc?id={file_id}&export=download"
            res["size"] = str(len(data))
            res["quotaBytesUsed"] = str(len(data))
            res["md5Checksum"] = hashlib.md5(data).hexdigest()
            res["sha256Checksum"] = hashlib.sha256(data).hexdigest()
            name = rec["name"]
            if "." in name:
                res["fileExtension"] = name.rsplit(".", 1)[1]
                res["fullFileExtension"] = name.split(".", 1)[1]
            res["originalFilename"] = rec.get("originalFilename", name)
            res["headRevisionId"] = hashlib.sha1(data).hexdigest()[:20]
        res["iconLink"] = f"https://drive-thirdparty.googleusercontent.com/16/type/{mime}"
        return res

    # --- spreadsheets -----------------------------------------------------------------
    def new_sheet(self, title: str, sheet_id: int, index: int, rows: int = 1000, cols: int = 26) -> dict[str, Any]:
        return {"properties": {"sheetId": sheet_id, "title": title, "index": index, "sheetType": "GRID",
                               "gridProperties": {"rowCount": rows, "columnCount": cols}},
                "data": [], "protectedRanges": [], "dataValidations": [], "formats": [], "merges": [],
                "notes": {}}

    def create_spreadsheet(self, title: str, tabs: dict[str, list[list[Any]]] | None = None, *,
                           locale: str = "in_ID", time_zone: str = "Asia/Jakarta",
                           parents: list[str] | None = None, owner: str = DEFAULT_OWNER,
                           created: str | None = None, rows: int | None = None, cols: int | None = None,
                           file_id: str | None = None) -> str:
        from zoneinfo import ZoneInfo

        fid = self.add_file(title, SPREADSHEET_MIME, parents, created=created, owner=owner, file_id=file_id)
        tz = ZoneInfo(time_zone)
        sheets = []
        for index, (name, data) in enumerate((tabs or {"Sheet1": []}).items()):
            data = data or []
            width = max((len(r) for r in data), default=0)
            sheet = self.new_sheet(name, 0 if index == 0 else self.new_int_id(), index,
                                   max(rows or 1000, len(data)), max(cols or 26, width))
            grid_rows = [[cells.from_python(v, tz) for v in row] for row in data]
            for row in grid_rows:
                while row and row[-1] is None:
                    row.pop()
            while grid_rows and not grid_rows[-1]:
                grid_rows.pop()
            sheet["data"] = grid_rows
            sheets.append(sheet)
        self.spreadsheets[fid] = {
            "properties": {"title": title, "locale": locale, "autoRecalc": "ON_CHANGE", "timeZone": time_zone,
                           "defaultFormat": copy.deepcopy(DEFAULT_FORMAT)},
            "sheets": sheets, "namedRanges": [],
        }
        return fid

    # --- persistence ----------------------------------------------------------------
    def dump(self) -> dict[str, Any]:
        sheets_out = {}
        for sid, ss in self.spreadsheets.items():
            s2 = {"properties": ss["properties"], "namedRanges": ss.get("namedRanges", []), "sheets": []}
            for sh in ss["sheets"]:
                d = {k: v for k, v in sh.items() if k not in ("data", "notes")}
                d["rows"] = [[cells.encode(c) for c in row] for row in sh["data"]]
                d["notes"] = [[r, c, t] for (r, c), t in sh.get("notes", {}).items()]
                s2["sheets"].append(d)
            sheets_out[sid] = s2
        return {
            "version": 1,
            "files": [dict(rec, permissions=[{"email": e, "role": r} for e, r in self.perms.get(fid, {}).items()],
                           **({"content_b64": base64.b64encode(self.content[fid]).decode()}
                              if fid in self.content else {}))
                      for fid, rec in self.files.items()],
            "spreadsheets": sheets_out,
            "keys": self.keys.keys,
        }

    def load(self, data: dict[str, Any]) -> None:
        self.files.clear()
        self.content.clear()
        self.perms.clear()
        self.spreadsheets.clear()
        for rec in data.get("files", []):
            rec = dict(rec)
            perms = rec.pop("permissions", [])
            content = rec.pop("content_b64", None)
            rec.setdefault("parents", [])
            rec.setdefault("trashed", False)
            rec.setdefault("owner", DEFAULT_OWNER)
            rec.setdefault("createdTime", rfc3339(self.clock()))
            rec.setdefault("modifiedTime", rec["createdTime"])
            self.files[rec["id"]] = rec
            self.perms[rec["id"]] = {p["email"]: p["role"] for p in perms}
            if content is not None:
                self.content[rec["id"]] = base64.b64decode(content)
        for sid, ss in data.get("spreadsheets", {}).items():
            sheets = []
            for sh in ss["sheets"]:
                d = {k: v for k, v in sh.items() if k not in ("rows", "notes")}
                d["data"] = [[cells.decode(c) for c in row] for row in sh.get("rows", [])]
                d["notes"] = {(r, c): t for r, c, t in sh.get("notes", [])}
                for key in ("protectedRanges", "dataValidations", "formats", "merges"):
                    d.setdefault(key, [])
                sheets.append(d)
            props = dict(ss.get("properties", {}))
            props.setdefault("locale", "in_ID")
            props.setdefault("timeZone", "Asia/Jakarta")
            props.setdefault("autoRecalc", "ON_CHANGE")
            props.setdefault("defaultFormat", copy.deepcopy(DEFAULT_FORMAT))
            self.spreadsheets[sid] = {"properties": props, "sheets": sheets,
                                      "namedRanges": ss.get("namedRanges", [])}
            if sid not in self.files:
                self.add_file(props.get("title", "Untitled spreadsheet"), SPREADSHEET_MIME, file_id=sid)
        for email, keys in data.get("keys", {}).items():
            for kid, pem in keys.items():
                self.keys.register(email, kid, pem)

    def dump_json(self) -> str:
        return json.dumps(self.dump(), indent=1, ensure_ascii=False)
