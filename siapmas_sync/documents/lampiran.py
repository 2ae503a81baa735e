"""The AKD's attachment to its Laporan Hasil Tindak Lanjut, as a file the citizen can open.

``advance … SELESAI --laporan "…" --lampiran FILE`` with a local file (a scanned notulen,
a photo, a PDF) keeps a copy in the item's folder (``<output>/<year>/<agenda>/lampiran/``)
and records it as ``berkas:<relative path>``; the Laporan names the file "terlampir" and
the final reply e-mail attaches it (not only a Drive link a citizen may not be allowed to
open). A link is still accepted and printed as given.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from ..errors import TransitionError

__all__ = ["BERKAS", "MAX_BYTES", "keep_file", "shown", "stored_file"]

BERKAS = "berkas:"
#: what an e-mail carries comfortably (Gmail takes 25 MB for the whole message)
MAX_BYTES = 15 * 1024 * 1024


def keep_file(source: Path, item_folder: Path) -> str:
    """Copy *source* into *item_folder*/lampiran and return the value to record."""
    try:
        size = source.stat().st_size
    except OSError as exc:
        raise TransitionError(f"Berkas lampiran {source.name} tidak dapat dibaca: {exc.strerror}.",
                              "Periksa nama dan hak akses berkasnya.") from None
    if size > MAX_BYTES:
        raise TransitionError(
            f"Berkas lampiran {source.name} terlalu besar untuk e-mail ({size // (1024 * 1024)} MB; paling besar "
            f"{MAX_BYTES // (1024 * 1024)} MB).",
            "Perkecil berkasnya (mis. pindai ulang dengan resolusi lebih rendah), atau berikan tautan yang dapat "
            "dibuka siapa saja.")
    name = re.sub(r"[^0-9A-Za-z._-]+", "-", source.name).strip("-.") or "lampiran"
    folder = item_folder / "lampiran"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    shutil.copyfile(source, target)
    return BERKAS + str(Path(item_folder.parent.name) / item_folder.name / "lampiran" / name)


def stored_file(value: str, out_dir: Path) -> Path | None:
    """The kept file a recorded lampiran names (None for a link or a missing file)."""
    if not value.startswith(BERKAS):
        return None
    path = out_dir / value[len(BERKAS):]
    return path if path.is_file() else None


def shown(value: str) -> str:
    """How documents print the lampiran: the file's name, said to be attached; a link as is."""
    if value.startswith(BERKAS):
        return f"{Path(value[len(BERKAS):]).name} (berkas terlampir pada e-mail balasan)"
    return value
