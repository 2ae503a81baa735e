"""``siapmas-sync panduan [PERAN]``: the Indonesian guide for operators and officials
(docs/PANDUAN.md of the installation folder — `make install` installs in place), whole or
one role's section, as plain text for a terminal (pictures named, not drawn)."""

from __future__ import annotations

import re
from pathlib import Path

from .errors import SiapmasError

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "PANDUAN.md"

#: role → the start of its section heading
ROLES: dict[str, str] = {
    "operator": "Operator",
    "kasubag": "Kasubag TU",
    "kabag": "Kepala Bagian",
    "sekwan": "Sekretaris DPRD",
    "ketua": "Ketua DPRD",
    "akd": "Alat kelengkapan DPRD",
    "admin": "Administrator",
}


class GuideError(SiapmasError):
    pass


def guide_text(role: str | None = None, path: Path = GUIDE) -> str:
    """The guide (or the section of *role*, with the common "Alur singkat") for a terminal."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        raise GuideError(f"Panduan tidak ditemukan: {path}.",
                         "Buka docs/PANDUAN.md di folder instalasi SIAPMAS Sync, atau pasang ulang dengan `make install`.") from None
    if role is not None:
        sections = re.split(r"(?m)^(?=## )", text)
        wanted = [s for s in sections if s.startswith("## Alur singkat") or s.startswith(f"## {ROLES[role]}")]
        text = "".join(wanted)
    # a picture cannot be drawn in a terminal: name it and where it is
    return re.sub(r"!\[([^\]]*)\]\(([^)]+)\)", lambda m: f"[Gambar: {m.group(1)} — docs/{m.group(2)}]", text)
