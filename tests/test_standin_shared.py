"""The stand-in refuses what Google refuses about storage and shared drives (driven with the
real google-api-python-client). Sources: tests/google_standin/README.md, "Google's
published constraints" (service accounts' storage, shared drives, recorded media answers)."""

from __future__ import annotations

import base64
import json

import pytest
import requests
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaInMemoryUpload

from tests.google_standin import clients
from tests.google_standin.fixtures import SA_EMAIL
from tests.google_standin.shared import QUOTA_MESSAGE

PERSON = "kantor.dprd@gmail.com"


def _reason(exc: pytest.ExceptionInfo) -> tuple[int, str, str]:
    body = json.loads(exc.value.content)["error"]
    return exc.value.resp.status, body["errors"][0]["reason"], body["message"]


def _pdf(data: bytes = b"%PDF-1.4 x") -> MediaInMemoryUpload:
    return MediaInMemoryUpload(data, mimetype="application/pdf")


def test_service_account_cannot_own_files_in_my_drive(standin, drive, sa_key):
    """Editor on a person's My Drive folder is not enough: 403 storageQuotaExceeded with
    Google's sentence; a folder (no storage) and replacing the content of a file the person
    owns still work."""
    folder = standin.create_folder("Dokumen SIAPMAS", owner=PERSON, share_with=[(SA_EMAIL, "writer")])
    with pytest.raises(HttpError) as exc:
        drive.files().create(body={"name": "a.pdf", "parents": [folder]}, media_body=_pdf(),
                             supportsAllDrives=True).execute()
    status, reason, message = _reason(exc)
    assert (status, reason) == (403, "storageQuotaExceeded")
    assert message == QUOTA_MESSAGE and message.startswith("Service Accounts do not have storage quota.")
    assert json.loads(exc.value.content)["error"]["errors"][0]["domain"] == "usageLimits"
    with pytest.raises(HttpError):  # resumable too, and without a parent (its own My Drive)
        drive.files().create(body={"name": "b.pdf"}, media_body=MediaInMemoryUpload(b"x" * 10, "application/pdf",
                                                                                  resumable=True)).execute()
    sub = drive.files().create(body={"name": "2026", "mimeType": "application/vnd.google-apps.folder",
                                     "parents": [folder]}, fields="id").execute()
    assert sub["id"]
    theirs = standin.add_drive_file("rekap.pdf", b"v1", [folder], "application/pdf", owner=PERSON)
    drive.files().update(fileId=theirs, media_body=_pdf(b"v2")).execute()
    assert standin.file_content(theirs) == b"v2"
    standin.service_account_quota = True  # a test may ask for the old, permissive rule
    made = drive.files().create(body={"name": "a.pdf", "parents": [folder]}, media_body=_pdf(), fields="id").execute()
    assert standin.file_metadata(made["id"])["owners"][0]["emailAddress"] == SA_EMAIL


def test_shared_drive_items_need_supports_all_drives(standin, drive, sa_key):
    sd = standin.create_shared_drive("SIAPMAS DPRD", members=[(SA_EMAIL, "fileOrganizer")])
    folder = standin.create_folder("Dokumen", parents=[sd])
    with pytest.raises(HttpError) as exc:  # as Google: "File not found" without supportsAllDrives
        drive.files().get(fileId=folder).execute()
    assert _reason(exc)[:2] == (404, "notFound")
    with pytest.raises(HttpError) as exc:
        drive.files().create(body={"name": "a.pdf", "parents": [folder]}, media_body=_pdf()).execute()
    assert _reason(exc)[:2] == (404, "notFound")
    made = drive.files().create(body={"name": "a.pdf", "parents": [folder]}, media_body=_pdf(),
                                supportsAllDrives=True, fields="id,driveId,owners,shared,webViewLink").execute()
    assert made["driveId"] == sd and "owners" not in made and "shared" not in made
    assert made["webViewLink"] == f"https://drive.google.com/file/d/{made['id']}/view?usp=drivesdk"
    q = f"'{folder}' in parents"
    assert drive.files().list(q=q, supportsAllDrives=True).execute()["files"] == []  # items not asked for
    listed = drive.files().list(q=q, supportsAllDrives=True, includeItemsFromAllDrives=True, fields="files(id)").execute()
    assert listed["files"] == [{"id": made["id"]}]


@pytest.mark.parametrize("role, can_trash, can_delete", [
    ("writer", False, False), ("fileOrganizer", True, False), ("organizer", True, True)])
def test_shared_drive_roles_for_trash_and_delete(standin, role, can_trash, can_delete):
    """files.delete of a shared-drive item: organizers only; trash: organizer or fileOrganizer."""
    email = f"{role.lower()}@siapmas-test.iam.gserviceaccount.com"
    key = standin.make_service_account_key(email)
    svc = clients.drive_service(key, standin.url, timeout=5)
    sd = standin.create_shared_drive("Cadangan", members=[(email, role), (PERSON, "organizer")])
    one = svc.files().create(body={"name": "1.db", "parents": [sd]}, media_body=_pdf(), supportsAllDrives=True,
                             fields="id").execute()["id"]
    two = svc.files().create(body={"name": "2.db", "parents": [sd]}, media_body=_pdf(), supportsAllDrives=True,
                             fields="id").execute()["id"]
    caps = svc.files().get(fileId=sd, supportsAllDrives=True,
                           fields="capabilities(canDeleteChildren,canTrashChildren)").execute()["capabilities"]
    assert caps == {"canDeleteChildren": can_delete, "canTrashChildren": can_trash}
    for allowed, call in ((can_trash, lambda: svc.files().update(fileId=one, body={"trashed": True},
                                                                   supportsAllDrives=True).execute()),
                          (can_delete, lambda: svc.files().delete(fileId=two, supportsAllDrives=True).execute())):
        if allowed:
            call()
        else:
            with pytest.raises(HttpError) as exc:
                call()
            assert _reason(exc)[:2] == (403, "insufficientFilePermissions")
    assert bool(standin.find_files("2.db")) is not can_delete


def test_media_download_headers_and_native_files(standin, drive, sa_key):
    """Recorded answers: media as an attachment with X-Goog-Hash crc32c (and md5); a
    Google-native file has no size and opens in its editor."""
    folder = standin.create_folder("Bukti", share_with=[(SA_EMAIL, "reader")])
    fid = standin.add_drive_file("foto.jpg", b"123456789", [folder], "image/jpeg")
    token = clients.credentials(sa_key, clients.DRIVE_SCOPES)
    import google.auth.transport.requests as gr

    token.refresh(gr.Request())
    resp = requests.get(f"{standin.url}/drive/v3/files/{fid}", params={"alt": "media"},
                        headers={"Authorization": f"Bearer {token.token}"}, timeout=5)
    assert resp.status_code == 200 and resp.content == b"123456789"
    assert resp.headers["Content-Disposition"] == "attachment"
    crc = base64.b64encode(bytes.fromhex("e3069283")).decode()  # CRC-32C check value of "123456789"
    assert resp.headers["X-Goog-Hash"].split(",")[0] == f"crc32c={crc}"
    doc = standin.add_drive_file("Catatan rapat", b"", [folder], "application/vnd.google-apps.document")
    meta = drive.files().get(fileId=doc, fields="id,size,webViewLink").execute()
    assert meta == {"id": doc, "webViewLink": f"https://docs.google.com/document/d/{doc}/edit?usp=drivesdk"}
