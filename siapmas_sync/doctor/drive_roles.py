"""Whether the Drive folders the worker writes to will take its files — judged before the
first cycle (``doctor``), from one ``files.get`` of each folder.

A service account owns no Drive storage: it can create files only inside a Shared Drive
(Google: 403 ``storageQuotaExceeded``), so a folder without ``driveId`` (My Drive) will
refuse every upload whatever it is shared as. Inside a Shared Drive the role decides:
adding files needs Contributor (writer) or more; removing old backups needs Manager
(organizer) to delete, or Content manager (fileOrganizer) to move them to the trash.

:func:`judge` is pure (the folder's metadata in, an error or a sentence out); :func:`check`
is the adapter the doctor runs.
"""

from __future__ import annotations

import enum
from typing import Any

from ..backends.google_http import NO_STORAGE_ADVICE, NoStorageQuota
from ..errors import BackendAccessError, SiapmasError
from ..logs import SERVICE_ACCOUNT_DOMAIN

#: the metadata judge() needs (Drive v3 File fields)
FIELDS = "id,name,mimeType,driveId,capabilities(canAddChildren,canDeleteChildren,canTrashChildren)"


class Need(enum.Enum):
    ADD = "add"      # the worker puts files there (documents, recaps)
    PRUNE = "prune"  # … and removes its old ones ([backup] keep)


def judge(meta: dict[str, Any], *, key: str, account: str, need: Need) -> str | SiapmasError:
    """The verdict on one folder for a service account: a sentence, or the error to show."""
    fid = meta.get("id", "?")
    if not meta.get("driveId"):
        return NoStorageQuota(
            f"{key} ({fid}) ada di My Drive: Google tidak mengizinkan akun layanan {account} menyimpan berkas di "
            "sana (storageQuotaExceeded), meskipun folder itu dibagikan sebagai Editor.",
            NO_STORAGE_ADVICE.format(account=account))
    caps = meta.get("capabilities") or {}
    if not caps.get("canAddChildren"):
        return BackendAccessError(
            f"{key} ({fid}) ada di Shared Drive, tetapi {account} tidak dapat menambah berkas (peran Viewer/Commenter).",
            f"Ubah peran {account} di Shared Drive itu menjadi Content manager (atau Manager).")
    if need is Need.PRUNE and not caps.get("canDeleteChildren"):
        if caps.get("canTrashChildren"):
            return ("Shared Drive; cadangan lama dipindah ke sampah (peran Content manager; Drive menghapusnya "
                    "setelah 30 hari)")
        return BackendAccessError(
            f"{key} ({fid}): {account} hanya Contributor (writer) di Shared Drive itu; cadangan lama tidak dapat "
            "dihapus (perlu Manager/organizer) sehingga menumpuk.",
            f"Ubah peran {account} di Shared Drive itu menjadi Manager (atau Content manager: cadangan lama "
            "dipindah ke sampah).")
    return f"'{meta.get('name')}' di Shared Drive"


def folders(s: Any) -> list[tuple[str, str, Need]]:
    """(config key, folder id, need) of every Drive folder the worker writes to."""
    out = [("[source] upload_folder_id", s.source.upload_folder_id, Need.ADD),
           ("[rekap] drive_folder_id", s.rekap.drive_folder_id, Need.ADD),
           ("[backup] drive_folder_id", s.backup.drive_folder_id, Need.PRUNE)]
    return [(k, fid, need) for k, fid, need in out if fid]


def check(backend: Any, key: str, folder_id: str, need: Need) -> str:
    """Doctor's check of one folder (raises the error judge() gives)."""
    meta = backend._drive_call(key, lambda: backend.files.get(fileId=folder_id, fields=FIELDS, supportsAllDrives=True))
    if meta is None:
        raise BackendAccessError(f"{key} ({folder_id}) tidak ditemukan (404).",
                                 f"Periksa ID folder itu dan bahwa {backend.account} anggota Shared Drive-nya.")
    if not backend.account.endswith(SERVICE_ACCOUNT_DOMAIN):
        return f"'{meta.get('name')}'"  # a person's account owns what it uploads (siapmas-sync login)
    verdict = judge(meta, key=key, account=backend.account, need=need)
    if isinstance(verdict, SiapmasError):
        raise verdict
    return verdict
