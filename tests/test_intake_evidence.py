"""Evidence: Drive ids, the local evidence folder, upload naming, fakes and traversal."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from siapmas_sync.core.intake.evidence import extract_drive_id, match_local_evidence, sniff_mime
from siapmas_sync.core.models import CATATAN, Finding

FID = "1AbCdEfGhIjKlMnOpQrStUvWxYz012345"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"x" * 64


def url(fid: str) -> str:
    return f"https://drive.google.com/open?id={fid}"


def hilang(link: str) -> Finding:
    return Finding("bukti_hilang", f"Bukti dukung tidak ditemukan: {link}", CATATAN)


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (f"https://drive.google.com/open?id={FID}", FID),
        (f"https://drive.google.com/file/d/{FID}/view?usp=sharing", FID),
        (f"https://drive.google.com/uc?id={FID}&export=download", FID),
        (f"https://drive.google.com/uc?export=download&id={FID}", FID),
        (f"https://docs.google.com/document/d/{FID}/edit", FID),
        (f"https://drive.google.com/drive/folders/{FID}", FID),
        (f"  https://drive.google.com/open?id={FID}  ", FID),
        ("https://drive.google.com/open?id=../../etc/passwd", None),
        ("https://drive.google.com/open?id=a%2Fb", None),
        ("https://evil.example/open?id=abc", None),
        ("https://drive.google.com.evil.example/open?id=abc", None),
        ("file:///etc/passwd", None),
        ("foto ada di WA", None),
        ("http://[::1", None),
        ("", None),
    ],
)
def test_extract_drive_id(link: str, expected: str | None) -> None:
    assert extract_drive_id(link) == expected


def test_sniff_mime() -> None:
    assert sniff_mime(PNG) == "image/png"
    assert sniff_mime(JPEG) == "image/jpeg"
    assert sniff_mime(b"GIF89a....") == "image/gif"
    assert sniff_mime(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff_mime(PDF) == "application/pdf"
    assert sniff_mime(b"\x00\x00\x00\x18ftypmp42") == "video/mp4"
    assert sniff_mime(b"MZ\x90\x00") is None


def test_found_by_id_named_file(tmp_path: Path) -> None:
    (tmp_path / f"{FID}.png").write_bytes(PNG)
    evidence, findings = match_local_evidence([url(FID)], tmp_path, "Budi")
    assert findings == []
    (e,) = evidence
    assert e.found and e.drive_id == FID and e.name == f"{FID}.png"
    assert e.size == len(PNG) and e.mime == "image/png" and e.is_image
    assert e.local_path == (tmp_path / f"{FID}.png").resolve()


def test_found_by_id_named_folder(tmp_path: Path) -> None:
    folder = tmp_path / FID
    folder.mkdir()
    (folder / "Surat keberatan.pdf").write_bytes(PDF)
    (e,), findings = match_local_evidence([url(FID)], tmp_path, "Budi")
    assert findings == [] and e.found
    assert e.name == "Surat keberatan.pdf" and e.mime == "application/pdf" and e.local_path is None


def test_found_by_upload_naming_in_order_each_once(tmp_path: Path) -> None:
    (tmp_path / "IMG_0001 - Budi Santoso.jpg").write_bytes(JPEG)
    (tmp_path / "IMG_0002 - Budi Santoso.jpg").write_bytes(JPEG)
    (tmp_path / "IMG_0003 - Siti.jpg").write_bytes(JPEG)
    urls = [url("1idA"), url("1idB"), url("1idC")]
    evidence, findings = match_local_evidence(urls, tmp_path, "budi  santoso")
    assert [e.name for e in evidence] == ["IMG_0001 - Budi Santoso.jpg", "IMG_0002 - Budi Santoso.jpg", None]
    assert [e.found for e in evidence] == [True, True, False]
    assert findings == [hilang(urls[2])]


def test_id_file_preferred_over_upload_naming(tmp_path: Path) -> None:
    (tmp_path / "Foto - Budi.jpg").write_bytes(JPEG)
    (tmp_path / f"{FID}.jpg").write_bytes(JPEG)
    evidence, _ = match_local_evidence([url(FID), url("1other")], tmp_path, "Budi")
    assert [e.name for e in evidence] == [f"{FID}.jpg", "Foto - Budi.jpg"]


def test_missing_file_and_non_drive_values(tmp_path: Path) -> None:
    links = [url(FID), "foto ada di WA"]
    evidence, findings = match_local_evidence(links, tmp_path, "Budi")
    assert [e.found for e in evidence] == [False, False]
    assert evidence[0].drive_id == FID and evidence[1].drive_id is None
    assert findings == [hilang(links[0]), hilang(links[1])]
    assert all(f.severity == CATATAN for f in findings)


def test_missing_evidence_dir(tmp_path: Path) -> None:
    evidence, findings = match_local_evidence([url(FID)], tmp_path / "tidak-ada", "Budi")
    assert not evidence[0].found and [f.code for f in findings] == ["bukti_hilang"]


def test_fake_image_is_flagged_and_not_thumbnailed(tmp_path: Path) -> None:
    (tmp_path / f"{FID}.jpg").write_bytes(b"MZ\x90\x00 this is an executable")
    (e,), findings = match_local_evidence([url(FID)], tmp_path, "Budi")
    assert e.found and e.mime == "application/octet-stream" and e.local_path is None
    assert not e.is_image
    (f,) = findings
    assert f.code == "bukti_berbahaya" and f.severity == CATATAN
    assert "berekstensi gambar tetapi isinya bukan gambar" in f.message


def test_large_image_not_thumbnailed(tmp_path: Path) -> None:
    (tmp_path / f"{FID}.png").write_bytes(PNG)
    (e,), _ = match_local_evidence([url(FID)], tmp_path, "Budi", thumb_max_bytes=10)
    assert e.found and e.mime == "image/png" and e.local_path is None


def test_real_image_with_odd_extension(tmp_path: Path) -> None:
    (tmp_path / f"{FID}.bin").write_bytes(JPEG)
    (e,), findings = match_local_evidence([url(FID)], tmp_path, "Budi")
    assert findings == [] and e.mime == "image/jpeg" and e.local_path is not None


def test_video_and_documents(tmp_path: Path) -> None:
    (tmp_path / f"{FID}.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 32)
    (e,), findings = match_local_evidence([url(FID)], tmp_path, "Budi")
    assert findings == [] and e.mime == "video/mp4" and e.local_path is None


def test_path_traversal_and_absolute_ids_never_match(tmp_path: Path) -> None:
    root = tmp_path / "bukti"
    root.mkdir()
    (tmp_path / "rahasia.png").write_bytes(PNG)
    links = [
        "https://drive.google.com/open?id=../rahasia",
        "https://drive.google.com/file/d/..%2Frahasia/view",
        "https://drive.google.com/open?id=/etc/passwd",
        "https://drive.google.com/open?id=..",
    ]
    evidence, findings = match_local_evidence(links, root, "")
    assert not any(e.found for e in evidence)
    assert len(findings) == 4


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_symlink_escaping_the_folder_is_ignored(tmp_path: Path) -> None:
    root = tmp_path / "bukti"
    root.mkdir()
    outside = tmp_path / "shadow.png"
    outside.write_bytes(PNG)
    (root / f"{FID}.png").symlink_to(outside)
    (root / "1dirlink").symlink_to(tmp_path, target_is_directory=True)
    (root / "Foto - Budi.png").symlink_to(outside)
    evidence, _ = match_local_evidence([url(FID), url("1dirlink")], root, "Budi")
    assert [e.found for e in evidence] == [False, False]


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_symlink_inside_the_folder_is_fine(tmp_path: Path) -> None:
    (tmp_path / "asli.png").write_bytes(PNG)
    (tmp_path / f"{FID}.png").symlink_to(tmp_path / "asli.png")
    (e,), _ = match_local_evidence([url(FID)], tmp_path, "Budi")
    assert e.found and e.mime == "image/png"


def test_hidden_files_are_skipped(tmp_path: Path) -> None:
    (tmp_path / f".{FID}.png").write_bytes(PNG)
    (tmp_path / ".Foto - Budi.png").write_bytes(PNG)
    (e,), _ = match_local_evidence([url(FID)], tmp_path, "Budi")
    assert not e.found
