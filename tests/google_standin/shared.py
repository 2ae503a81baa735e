"""Shared drives and service-account storage, as Drive v3 answers them.

- A service account owns no storage: creating a file whose parent is not in a shared
  drive is 403 ``storageQuotaExceeded`` with Google's own sentence ("Service Accounts do
  not have storage quota. Leverage shared drives …"). ``Store.service_account_quota``
  (``GoogleStandin(service_account_quota=True)``) restores the old, permissive behaviour for
  a test that asks for it.
- A shared drive is a root folder whose id is its ``driveId``; its members hold roles
  organizer (Manager), fileOrganizer (Content manager), writer (Contributor), commenter,
  reader. Files in it carry ``driveId``, have no owner (``owners``/``shared`` absent).
- Shared-drive items need ``supportsAllDrives=true`` (else 404 "File not found", as for a
  file the caller cannot see); listing them also needs ``includeItemsFromAllDrives=true``.
- ``files.delete`` of a shared-drive item: organizers only; trashing it (``files.update``
  with ``trashed``): organizer or fileOrganizer.

Sources are listed in README.md ("Google's published constraints").
"""

from __future__ import annotations

from typing import Any

from .errors import ApiError, drive_error

SERVICE_ACCOUNT_SUFFIX = ".iam.gserviceaccount.com"
FOLDER_MIME = "application/vnd.google-apps.folder"
SHARED_DRIVE_ROLES = ("organizer", "fileOrganizer", "writer", "commenter", "reader")
QUOTA_MESSAGE = ("Service Accounts do not have storage quota. Leverage shared drives "
                 "(https://developers.google.com/workspace/drive/api/guides/about-shareddrives), or use OAuth "
                 "delegation (http://support.google.com/a/answer/7281227) instead.")


def drive_of(store: Any, file_id: str) -> str | None:
    """The shared drive a file lives in (None: My Drive)."""
    rec = store.files.get(file_id)
    return rec.get("driveId") if rec else None


def supports_all(params: dict[str, Any]) -> bool:
    return str(params.get("supportsAllDrives", "")).lower() == "true"


def hidden(store: Any, file_id: str, params: dict[str, Any]) -> bool:
    """A shared-drive item asked for without ``supportsAllDrives=true``: Drive answers 404."""
    return drive_of(store, file_id) is not None and not supports_all(params)


def listed(store: Any, file_id: str, params: dict[str, Any]) -> bool:
    """Whether files.list may return this item (shared-drive items only when the caller
    supports all drives and asks for their items)."""
    if drive_of(store, file_id) is None:
        return True
    return supports_all(params) and str(params.get("includeItemsFromAllDrives", "")).lower() == "true"


def check_storage(store: Any, account: str | None, parents: list[str], mime: str) -> None:
    """A service account cannot own a file: it may create files only inside a shared drive."""
    if getattr(store, "service_account_quota", False) or not account or not account.endswith(SERVICE_ACCOUNT_SUFFIX):
        return
    if mime == FOLDER_MIME:  # folders take no storage
        return
    if parents and all(drive_of(store, p) for p in parents):
        return
    raise drive_error(403, "storageQuotaExceeded", QUOTA_MESSAGE, domain="usageLimits")


def may_delete(store: Any, account: str | None, file_id: str) -> bool:
    """files.delete: the owner in My Drive; an organizer in a shared drive."""
    role = store.role(account, file_id)
    return role == "organizer" if drive_of(store, file_id) else role == "owner"


def may_trash(store: Any, account: str | None, file_id: str) -> bool | None:
    """Trashing a shared-drive item: organizer or fileOrganizer (None: My Drive, not judged here)."""
    if not drive_of(store, file_id):
        return None
    return store.role(account, file_id) in ("organizer", "fileOrganizer")


def cannot_delete(file_id: str) -> ApiError:
    return drive_error(403, "insufficientFilePermissions",
                       "The user does not have sufficient permissions for this file.")


def capabilities(store: Any, account: str | None, file_id: str) -> dict[str, Any]:
    """The shared-drive-only capabilities (``canDeleteChildren``, ``canTrashChildren``,
    ``canReadDrive``); My Drive files have none of these."""
    if not drive_of(store, file_id):
        return {}
    role = store.role(account, file_id)
    folder = store.files[file_id]["mimeType"] == FOLDER_MIME
    out: dict[str, Any] = {"canReadDrive": role is not None}
    if folder:
        out["canDeleteChildren"] = role == "organizer"
        out["canTrashChildren"] = role in ("organizer", "fileOrganizer")
    return out


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli), as Google's ``X-Goog-Hash: crc32c=`` carries it (big-endian, base64)."""
    crc = 0xFFFFFFFF
    table = _table()
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


_TABLE: list[int] = []


def _table() -> list[int]:
    if not _TABLE:
        for i in range(256):
            c = i
            for _ in range(8):
                c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
            _TABLE.append(c)
    return _TABLE
