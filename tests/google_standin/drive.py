"""Drive API v3 semantics over :class:`state.Store`.

- files.list: ``q`` (see :mod:`driveq`), ``fields``, ``pageSize`` (unspecified: all, paged
  at 1000; larger values coerced to 1000), ``pageToken``, ``orderBy``; default body ``{"kind": "drive#fileList",
  "incompleteSearch": false, "files": [{"kind","id","name","mimeType"}]}`` (gspread
  cassette ClientTest.test_list_spreadsheet_files shows the ``fields`` selection).
- files.get: metadata with ``fields``; ``alt=media`` with ``Range`` -> 206 +
  ``Content-Range``; Google-native files are not downloadable (403 fileNotDownloadable).
- files.create: metadata only (folders, spreadsheets), ``uploadType=multipart``,
  ``uploadType=media`` and ``uploadType=resumable``.
- Files the caller cannot see are 404 ``File not found: <id>.`` (Drive does not reveal
  existence with 403); writing with reader access is 403 insufficientFilePermissions.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

from . import driveq, fieldmask, shared
from .errors import ApiError, drive_error
from .state import FOLDER_MIME, ROLE_RANK, SPREADSHEET_MIME, Store, rfc3339

DEFAULT_FILE_FIELDS = "kind,id,name,mimeType"
DEFAULT_LIST_FIELDS = "kind,incompleteSearch,nextPageToken,files(kind,id,name,mimeType)"
ORDER_KEYS = {"createdTime", "modifiedTime", "name", "name_natural", "folder", "recency", "starred",
              "quotaBytesUsed", "viewedByMeTime", "modifiedByMeTime", "sharedWithMeTime"}


def not_found(file_id: str) -> ApiError:
    return drive_error(404, "notFound", f"File not found: {file_id}.", location="fileId")


def invalid(param: str, message: str = "Invalid Value") -> ApiError:
    return drive_error(400, "invalid", message, location=param)


def invalid_fields(name: str) -> ApiError:
    """Drive's answer to a ``fields`` mask naming an unknown field (public threads quote it:
    reason invalidParameter, location fields, "Invalid field selection <name>")."""
    return drive_error(400, "invalidParameter", f"Invalid field selection {name}", location="fields")


#: File fields a files.create body may set (Drive v3 reference, "Files: create": the
#: writable fields; anything else is 403 fieldNotWritable).
WRITABLE_ON_CREATE = {"appProperties", "contentHints", "contentRestrictions", "copyRequiresWriterPermission",
                      "createdTime", "description", "downloadRestrictions", "folderColorRgb", "id",
                      "inheritedPermissionsDisabled", "mimeType", "modifiedTime", "name", "originalFilename",
                      "parents", "properties", "shortcutDetails", "starred", "viewedByMeTime", "writersCanShare",
                      "labelInfo"}
#: files.update: the same except ``parents`` (moved with addParents/removeParents) and ``id``;
#: ``trashed`` may be set.
WRITABLE_ON_UPDATE = (WRITABLE_ON_CREATE - {"parents", "id", "createdTime"}) | {"trashed"}


def not_writable(meta: dict[str, Any], allowed: set[str], update: bool) -> None:
    bad = sorted(k for k in meta if k not in allowed)
    if not bad:
        return
    if update and bad == ["parents"]:
        raise drive_error(403, "fieldNotWritable", "The parents field is not directly writable in update requests. "
                          "Use the addParents and removeParents parameters instead.")
    raise drive_error(403, "fieldNotWritable", "The resource body includes fields which are not directly writable.")


def capabilities(store: Store, account: str | None, file_id: str) -> dict[str, Any]:
    """What the caller may do with a file, from its sharing (Drive v3 File.capabilities)."""
    role = store.role(account, file_id)
    rank = ROLE_RANK.get(role or "", 0)
    folder = store.files[file_id]["mimeType"] == FOLDER_MIME
    writer = rank >= ROLE_RANK["writer"]
    out = {"canEdit": writer, "canComment": rank >= ROLE_RANK["commenter"], "canCopy": not folder and rank >= 1,
           "canDownload": rank >= 1, "canShare": writer, "canRename": writer,
           "canTrash": shared.may_trash(store, account, file_id) or role == "owner",
           "canDelete": shared.may_delete(store, account, file_id), "canReadRevisions": writer,
           "canModifyContent": writer, "canListChildren": folder and rank >= 1, "canAddChildren": folder and writer,
           "canRemoveChildren": folder and writer}
    out.update(shared.capabilities(store, account, file_id))
    return out


def resource(store: Store, account: str | None, file_id: str, base_url: str) -> dict[str, Any]:
    res = store.file_resource(file_id, base_url)
    res["capabilities"] = capabilities(store, account, file_id)
    return res


def insufficient(file_id: str) -> ApiError:
    return drive_error(403, "insufficientFilePermissions",
                       "The user does not have sufficient permissions for this file.")


def visible(store: Store, account: str | None, file_id: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """The file, or 404 when the caller cannot see it — or it is in a shared drive and the
    request lacks ``supportsAllDrives=true`` (shared.py)."""
    rec = store.files.get(file_id)
    if rec is None or not store.can_read(account, file_id) or shared.hidden(store, file_id, params or {}):
        raise not_found(file_id)
    return rec


def _select(obj: dict[str, Any], fields: str | None, default: str) -> dict[str, Any]:
    try:
        return fieldmask.select(obj, fields if fields else default)
    except fieldmask.FieldMaskError:
        raise invalid_fields(str(fields)) from None


def file_get(store: Store, account: str | None, file_id: str, params: dict[str, Any], base_url: str) -> dict[str, Any]:
    visible(store, account, file_id, params)
    return _select(resource(store, account, file_id, base_url), params.get("fields"), DEFAULT_FILE_FIELDS)


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def file_media(store: Store, account: str | None, file_id: str, range_header: str | None,
               params: dict[str, Any] | None = None) -> tuple[int, bytes, dict[str, str]]:
    rec = visible(store, account, file_id, params)
    if rec["mimeType"].startswith("application/vnd.google-apps."):
        raise drive_error(403, "fileNotDownloadable",
                          "Only files with binary content can be downloaded. Use Export with Docs Editors files.",
                          location="alt")
    data = store.content.get(file_id, b"")
    # recorded answers: the media comes as an attachment, with the whole object's CRC32C and MD5
    headers = {"Content-Type": rec["mimeType"], "Accept-Ranges": "bytes", "Content-Disposition": "attachment",
               "X-Goog-Hash": "crc32c=" + base64.b64encode(shared.crc32c(data).to_bytes(4, "big")).decode()
               + ",md5=" + base64.b64encode(hashlib.md5(data).digest()).decode()}
    if range_header:
        m = _RANGE.match(range_header.strip())
        if m and (m.group(1) or m.group(2)):
            size = len(data)
            if m.group(1):
                start = int(m.group(1))
                end = int(m.group(2)) if m.group(2) else size - 1
            else:
                start, end = max(0, size - int(m.group(2))), size - 1
            end = min(end, size - 1)
            if start >= size or start > end:
                raise ApiError(416, {"error": {"code": 416, "message": "Request range not satisfiable",
                                               "errors": [{"domain": "global", "reason": "requestedRangeNotSatisfiable",
                                                           "message": "Request range not satisfiable"}]}},
                               {"Content-Range": f"bytes */{size}"})
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
            return 206, data[start:end + 1], headers
    return 200, data, headers


def _sort_key(order_by: str | None):
    specs = []
    for part in (order_by or "").split(","):
        part = part.strip()
        if not part:
            continue
        words = part.split()
        key = words[0]
        desc = len(words) > 1 and words[1].lower() == "desc"
        if key not in ORDER_KEYS or len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise invalid("orderBy", "Invalid Value")
        specs.append((key, desc))
    return specs


def _order(files: list[dict[str, Any]], specs: list[tuple[str, bool]]) -> list[dict[str, Any]]:
    out = sorted(files, key=lambda f: (f["createdTime"], f["id"]))
    for key, desc in reversed(specs):
        if key in ("name", "name_natural"):
            k = lambda f: f["name"].lower()  # noqa: E731
        elif key == "folder":
            k = lambda f: 0 if f["mimeType"] == FOLDER_MIME else 1  # noqa: E731
        elif key == "recency":
            k = lambda f: f["modifiedTime"]  # noqa: E731
        elif key == "starred":
            k = lambda f: 0 if f.get("starred") else 1  # noqa: E731
        elif key in ("createdTime", "modifiedTime"):
            k = lambda f, key=key: f[key]  # noqa: E731
        else:
            k = lambda f: 0  # noqa: E731
        out.sort(key=k, reverse=desc)
    return out


def _token(offset: int, fingerprint: str) -> str:
    raw = json.dumps([offset, fingerprint]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _untoken(token: str, fingerprint: str) -> int:
    try:
        offset, fp = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, TypeError):
        raise invalid("pageToken") from None
    if fp != fingerprint or not isinstance(offset, int):
        raise invalid("pageToken")
    return offset


def files_list(store: Store, account: str | None, params: dict[str, Any], base_url: str) -> dict[str, Any]:
    q = params.get("q")
    try:
        pred = driveq.compile_query(q, acl=lambda fid: store.perms.get(fid, {}),
                                    content=lambda fid: store.content.get(fid, b""), me=account)
    except driveq.QueryError:
        raise invalid("q") from None
    # Discovery doc (drive.v3.json): unspecified -> "the entire list of files for
    # non-shared drives" (we still page at 1000); values above 1000 are coerced to 1000.
    try:
        page_size = int(params.get("pageSize") or 1000)
    except ValueError:
        raise invalid("pageSize") from None
    if page_size < 1:
        raise invalid("pageSize", f"Invalid value '{page_size}'. Values must be within the range: [1, 1000]")
    page_size = min(page_size, 1000)
    specs = _sort_key(params.get("orderBy"))
    candidates = [rec for fid, rec in store.files.items()
                  if store.can_read(account, fid) and shared.listed(store, fid, params)]
    try:
        matched = [rec for rec in candidates if pred(rec)]
    except driveq.QueryError:
        raise invalid("q") from None
    ordered = _order(matched, specs)
    fingerprint = hashlib.sha1(json.dumps([q, params.get("orderBy"), account]).encode()).hexdigest()[:16]
    offset = _untoken(params["pageToken"], fingerprint) if params.get("pageToken") else 0
    page = ordered[offset:offset + page_size]
    body: dict[str, Any] = {"kind": "drive#fileList", "incompleteSearch": False}
    if offset + page_size < len(ordered):
        body["nextPageToken"] = _token(offset + page_size, fingerprint)
    body["files"] = [resource(store, account, rec["id"], base_url) for rec in page]
    return _select(body, params.get("fields"), DEFAULT_LIST_FIELDS)


def _check_parents(store: Store, account: str | None, parents: list[str], params: dict[str, Any]) -> None:
    for pid in parents:
        rec = store.files.get(pid)
        if rec is None or not store.can_read(account, pid) or shared.hidden(store, pid, params):
            raise drive_error(404, "notFound", f"File not found: {pid}.", location="fileId")
        if not store.can_write(account, pid):
            raise insufficient(pid)
        if rec["mimeType"] != FOLDER_MIME:
            raise drive_error(400, "invalid", "The specified parent is not a folder.", location="parents")


def create_file(store: Store, account: str | None, meta: dict[str, Any], content: bytes | None,
                media_type: str | None, params: dict[str, Any], base_url: str, now: str | None = None) -> dict[str, Any]:
    not_writable(meta, WRITABLE_ON_CREATE, update=False)
    parents = list(meta.get("parents") or [])
    if len(parents) > 1:
        raise drive_error(403, "cannotAddParent", "Increasing the number of parents is not allowed. A file can "
                          "only have one parent.")
    _check_parents(store, account, parents, params)
    mime = meta.get("mimeType") or media_type or ("application/octet-stream" if content is not None else
                                                   "application/octet-stream")
    shared.check_storage(store, account, parents, mime)
    name = meta.get("name") or ("Untitled" if content is None else "Untitled")
    extra = {k: meta[k] for k in ("description", "appProperties", "properties", "originalFilename") if k in meta}
    created = meta.get("createdTime") or now
    if mime == SPREADSHEET_MIME:
        fid = store.create_spreadsheet(name, None, parents=parents, owner=account or "anonymous",
                                       locale="en_US", time_zone="Etc/GMT", created=created)
        if extra:
            store.files[fid].update(extra)
    else:
        fid = store.add_file(name, mime, parents, content if mime != FOLDER_MIME else None, created=created,
                             modified=meta.get("modifiedTime") or created, owner=account or "anonymous", **extra)
        if mime != FOLDER_MIME and content is None:
            store.content[fid] = b""
    if meta.get("starred"):
        store.files[fid]["starred"] = True
    return _select(resource(store, account, fid, base_url), params.get("fields"), DEFAULT_FILE_FIELDS)


def update_file(store: Store, account: str | None, file_id: str, meta: dict[str, Any], content: bytes | None,
                params: dict[str, Any], base_url: str, now: str | None = None) -> dict[str, Any]:
    rec = visible(store, account, file_id, params)
    if not store.can_write(account, file_id):
        raise insufficient(file_id)
    not_writable(meta, WRITABLE_ON_UPDATE, update=True)
    if meta.get("trashed") and shared.may_trash(store, account, file_id) is False:
        raise insufficient(file_id)  # a Contributor cannot trash in a shared drive
    if "name" in meta:
        rec["name"] = meta["name"]
        if file_id in store.spreadsheets:
            store.spreadsheets[file_id]["properties"]["title"] = meta["name"]
    for key in ("description", "appProperties", "properties", "starred", "trashed"):
        if key in meta:
            rec[key] = meta[key]
    if "mimeType" in meta and meta["mimeType"] != rec["mimeType"]:
        raise drive_error(403, "fieldNotWritable", "The resource body includes fields which are not directly writable.")
    add = [p for p in (params.get("addParents") or "").split(",") if p]
    remove = [p for p in (params.get("removeParents") or "").split(",") if p]
    if add:
        _check_parents(store, account, add, params)
    parents = [p for p in rec.get("parents", []) if p not in remove]
    for p in add:
        if p not in parents:
            parents.append(p)
    if len(parents) > 1:
        raise drive_error(403, "cannotAddParent", "Increasing the number of parents is not allowed. A file can "
                          "only have one parent.")
    rec["parents"] = parents
    if content is not None:
        store.content[file_id] = content
        rec["version"] = rec.get("version", 1) + 1
    rec["modifiedTime"] = meta.get("modifiedTime") or now or rfc3339(None)
    return _select(resource(store, account, file_id, base_url), params.get("fields"), DEFAULT_FILE_FIELDS)


def delete_file(store: Store, account: str | None, file_id: str, params: dict[str, Any] | None = None) -> None:
    visible(store, account, file_id, params)
    if not shared.may_delete(store, account, file_id):  # owner; in a shared drive, an organizer
        raise insufficient(file_id)
    todo = [file_id]
    while todo:
        fid = todo.pop()
        todo.extend(c for c, r in store.files.items() if fid in r.get("parents", []))
        store.files.pop(fid, None)
        store.content.pop(fid, None)
        store.perms.pop(fid, None)
        store.spreadsheets.pop(fid, None)


def _perm_id(email: str) -> str:
    if email == "anyone":
        return "anyoneWithLink"
    return str(int(hashlib.sha1(email.encode()).hexdigest(), 16))[:20]


def _perm_resource(email: str, role: str) -> dict[str, Any]:
    if email == "anyone":
        return {"kind": "drive#permission", "id": "anyoneWithLink", "type": "anyone", "role": role,
                "allowFileDiscovery": False}
    return {"kind": "drive#permission", "id": _perm_id(email), "type": "user", "emailAddress": email,
            "role": role, "displayName": email.split("@")[0], "deleted": False, "pendingOwner": False}


def permissions_list(store: Store, account: str | None, file_id: str, params: dict[str, Any]) -> dict[str, Any]:
    visible(store, account, file_id, params)
    perms = [_perm_resource(e, r) for e, r in store.perms.get(file_id, {}).items()]
    return _select({"kind": "drive#permissionList", "permissions": perms}, params.get("fields"),
                   "kind,permissions(kind,id,type,role)")


def permissions_create(store: Store, account: str | None, file_id: str, body: dict[str, Any],
                       params: dict[str, Any]) -> dict[str, Any]:
    visible(store, account, file_id, params)
    if not store.can_write(account, file_id):
        raise insufficient(file_id)
    ptype, role = body.get("type"), body.get("role")
    if role not in ("reader", "commenter", "writer", "owner", "fileOrganizer", "organizer"):
        raise invalid("permission.role", "The permission role field is required.")
    if ptype in ("user", "group"):
        email = body.get("emailAddress")
        if not email:
            raise invalid("permission.emailAddress", "The permission emailAddress field is required.")
    elif ptype == "anyone":
        email = "anyone"
    else:
        raise invalid("permission.type", "Invalid permission type.")
    store.share(file_id, email, role)
    return _select(_perm_resource(email, role), params.get("fields"), "kind,id,type,role")


def permissions_delete(store: Store, account: str | None, file_id: str, perm_id: str) -> None:
    visible(store, account, file_id)
    if not store.can_write(account, file_id):
        raise insufficient(file_id)
    for email in list(store.perms.get(file_id, {})):
        if _perm_id(email) == perm_id:
            if store.perms[file_id][email] == "owner":
                raise drive_error(403, "cannotRemoveOwner", "The owner of a file cannot be removed.")
            del store.perms[file_id][email]
            return
    raise drive_error(404, "notFound", f"Permission not found: {perm_id}.", location="permissionId")


# --- upload bodies -------------------------------------------------------------------------

def parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, Any], bytes, str | None]:
    """multipart/related as googleapiclient (email BytesGenerator, LF line ends) or any
    RFC 2046 client (CRLF) writes it: part 1 JSON metadata, part 2 media."""
    m = re.search(r'boundary="?([^";]+)"?', content_type)
    if not m:
        raise invalid("uploadType", "Malformed multipart body.")
    delim = b"--" + m.group(1).encode()
    chunks = body.split(delim)
    parts: list[tuple[dict[str, str], bytes]] = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        if chunk.startswith(b"\r\n"):
            chunk = chunk[2:]
        elif chunk.startswith(b"\n"):
            chunk = chunk[1:]
        crlf, lf = chunk.find(b"\r\n\r\n"), chunk.find(b"\n\n")
        if crlf != -1 and (lf == -1 or crlf <= lf):
            head, payload = chunk[:crlf], chunk[crlf + 4:]
        elif lf != -1:
            head, payload = chunk[:lf], chunk[lf + 2:]
        else:
            head, payload = chunk, b""
        if payload.endswith(b"\r\n"):
            payload = payload[:-2]
        elif payload.endswith(b"\n"):
            payload = payload[:-1]
        headers = {}
        for line in head.decode("latin-1").splitlines():
            if ":" in line:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
        if headers.get("content-transfer-encoding", "").lower() == "base64":
            payload = base64.b64decode(payload)
        parts.append((headers, payload))
    if len(parts) != 2:
        raise drive_error(400, "badContent", "Media type 'multipart/related' requires exactly two parts.")
    try:
        meta = json.loads(parts[0][1] or b"{}")
    except json.JSONDecodeError:
        raise drive_error(400, "parseError", "Parse Error") from None
    return meta, parts[1][1], parts[1][0].get("content-type")
