"""Bukti dukung: Drive links in a response and their files in a local evidence folder.

Owns :func:`extract_drive_id` and :func:`match_local_evidence`, the local stand-in for
Google Drive. A link's file is found in ``evidence_dir`` by

1. its Drive id: a file whose stem is the id (``<id>.jpg``), or a folder named by the id
   holding the file (the first regular file by name when there are several);
2. otherwise Google's upload naming ``<original name> - <respondent name>.<ext>``: a file
   whose stem ends with `` - <respondent name>`` (case-insensitive); such files are handed
   out in name order, each used once, to the links of one response in their order.

Security: only directory entries of ``evidence_dir`` (and of an id-named sub-folder) are
ever considered — names are compared, paths are never built from URL text — so ``..``,
absolute paths and odd characters simply do not match; hidden files are skipped, and a
symlink counts only when its target resolves inside ``evidence_dir``.

The MIME type comes from the extension and is checked against the file's magic bytes: a
file with an image extension whose content is not an image gets
``application/octet-stream`` and a "bukti_berbahaya" note. ``local_path`` (for
thumbnails) is set only for real raster images up to ``thumb_max_bytes`` whose declared
size fits the decoding budget (:mod:`siapmas_sync.core.imagebudget`; above it a "bukti_besar"
note says "Gambar terlalu besar untuk pratinjau: W×H piksel").
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from siapmas_sync.core.imagebudget import oversize_finding
from siapmas_sync.core.models import CATATAN, Evidence, Finding

__all__ = ["DRIVE_ID_RE", "extract_drive_id", "match_local_evidence", "sniff_mime"]

#: A Drive file id: letters, digits, "-" and "_" (real ids are 25–44 characters long).
DRIVE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_PATH_ID_RE = re.compile(r"/(?:d|folders)/([^/?#]+)")
_OCTET = "application/octet-stream"
#: raster formats Pillow (and so reportlab) reads without plugins
_THUMBNAILABLE = {"image/jpeg", "image/png", "image/gif", "image/bmp", "image/webp", "image/tiff"}


def extract_drive_id(url: str) -> str | None:
    """The Drive id of a Google Drive/Docs link, or None for anything else.

    Handles ``open?id=``, ``uc?id=`` / ``uc?export=download&id=``, ``/file/d/<id>/view``,
    ``/document/d/<id>/edit`` and ``/drive/folders/<id>``.
    """
    try:
        parts = urlsplit(str(url).strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not (
        host == "google.com" or host.endswith(".google.com")
    ):
        return None
    candidates = parse_qs(parts.query).get("id", [])
    m = _PATH_ID_RE.search(parts.path)
    if m:
        candidates.insert(0, m.group(1))
    for cand in candidates:
        if DRIVE_ID_RE.match(cand):
            return cand
    return None


def sniff_mime(head: bytes) -> str | None:
    """MIME type from a file's first bytes, for the formats we care about (else None)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:2] == b"BM" and len(head) >= 14:
        return "image/bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"):
            return "image/heic"
        if brand == b"avif":
            return "image/avif"
        return "video/mp4" if not brand.startswith(b"qt") else "video/quicktime"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"
    return None


def _key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def _inside(path: Path, root: Path) -> Path | None:
    """The resolved regular file if ``path`` stays inside ``root``, else None."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not real.is_relative_to(root) or not real.is_file():
        return None
    return real


def _entries(directory: Path, root: Path) -> list[tuple[str, Path]]:
    """(name, resolved path) of the visible regular files directly in ``directory``."""
    out: list[tuple[str, Path]] = []
    try:
        children = sorted(directory.iterdir(), key=lambda p: p.name)
    except OSError:
        return out
    for child in children:
        if child.name.startswith("."):
            continue
        real = _inside(child, root)
        if real is not None:
            out.append((child.name, real))
    return out


def _describe(url: str, drive_id: str | None, name: str, real: Path, thumb_max: int) -> tuple[Evidence, Finding | None]:
    size = real.stat().st_size
    guessed = mimetypes.guess_type(name, strict=False)[0] or _OCTET
    try:
        with real.open("rb") as fh:
            head = fh.read(32)
    except OSError:
        head = b""
    sniffed = sniff_mime(head)
    finding = None
    mime = guessed
    if guessed.startswith("image/") and guessed != "image/svg+xml":
        if sniffed is None or not sniffed.startswith("image/"):
            mime = _OCTET
            finding = Finding(
                "bukti_berbahaya",
                f"Berkas {name} berekstensi gambar tetapi isinya bukan gambar; "
                "jangan dibuka sebelum diperiksa.",
                CATATAN,
            )
        else:
            mime = sniffed
    elif sniffed is not None and sniffed.startswith("image/"):
        mime = sniffed  # a real image with an odd or missing extension
    local = real if mime in _THUMBNAILABLE and sniffed == mime and size <= thumb_max else None
    if local is not None:  # a small file may still declare more pixels than memory holds
        finding = oversize_finding(real, name)
        local = None if finding is not None else local
    return (
        Evidence(url=url, drive_id=drive_id, name=name, size=size, mime=mime, local_path=local, found=True),
        finding,
    )


def match_local_evidence(
    urls: Sequence[str],
    evidence_dir: Path,
    respondent_name: str,
    *,
    thumb_max_bytes: int = 5_000_000,
) -> tuple[list[Evidence], list[Finding]]:
    """Locate each linked file in ``evidence_dir`` (see module docstring).

    Returns one Evidence per url (same order) and the findings: "bukti_hilang" for a file
    not found, "bukti_berbahaya" for a fake image. Never raises for missing/odd input.
    """
    try:
        root = Path(evidence_dir).resolve()
        available = root.is_dir()
    except (OSError, RuntimeError):
        root, available = Path(evidence_dir), False
    files = _entries(root, root) if available else []
    dirs: dict[str, Path] = {}
    if available:
        try:
            for child in root.iterdir():
                if not child.name.startswith(".") and child.is_dir():
                    real = child.resolve()
                    if real.is_relative_to(root) and real != root:
                        dirs[child.name] = real
        except OSError:
            pass
    by_stem: dict[str, tuple[str, Path]] = {}
    for name, real in files:
        by_stem.setdefault(Path(name).stem, (name, real))
    suffix = f" - {_key(respondent_name)}" if respondent_name and respondent_name.strip() else None
    uploads = [(n, r) for n, r in files if suffix and _key(Path(n).stem).endswith(suffix)]

    used: set[Path] = set()
    evidence: list[Evidence] = []
    findings: list[Finding] = []
    for url in urls:
        drive_id = extract_drive_id(url)
        hit: tuple[str, Path] | None = None
        if drive_id is not None:
            if drive_id in by_stem and by_stem[drive_id][1] not in used:
                hit = by_stem[drive_id]
            elif drive_id in dirs:
                inner = _entries(dirs[drive_id], root)
                hit = inner[0] if inner else None
            if hit is None:
                hit = next(((n, r) for n, r in uploads if r not in used), None)
        if hit is None:
            evidence.append(Evidence(url=url, drive_id=drive_id, found=False))
            findings.append(Finding("bukti_hilang", f"Bukti dukung tidak ditemukan: {url}", CATATAN))
            continue
        used.add(hit[1])
        try:
            item, finding = _describe(url, drive_id, hit[0], hit[1], thumb_max_bytes)
        except OSError:
            evidence.append(Evidence(url=url, drive_id=drive_id, found=False))
            findings.append(Finding("bukti_hilang", f"Bukti dukung tidak dapat dibaca: {url}", CATATAN))
            continue
        evidence.append(item)
        if finding is not None:
            findings.append(finding)
    return evidence, findings
