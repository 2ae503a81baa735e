"""The Indonesian guide for operators and officials: every role has its page, every picture
it shows exists (made by scripts/panduan_gambar.py), every stage is explained, README
links it, and `siapmas-sync panduan` prints it (whole or one role)."""

from __future__ import annotations

import re

from siapmas_sync.panduan import GUIDE, ROLES
from siapmas_sync.core.workflow import default_workflow

from .clirun import CliResult, run_cli
from .conftest import REPO


def test_every_role_has_a_section_and_every_picture_exists() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    headings = re.findall(r"(?m)^## (.+)$", text)
    for role, start in ROLES.items():
        assert any(h.startswith(start) for h in headings), role
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(pictures) >= 6
    for rel in pictures:
        assert (GUIDE.parent / rel).is_file(), rel
    for stage in default_workflow().stages:
        assert stage.label in text, stage.label
    assert "docs/PANDUAN.md" in (REPO / "README.md").read_text(encoding="utf-8")


def test_panduan_command_prints_one_role_or_all() -> None:
    def run(*args: str) -> CliResult:
        return run_cli(None, "panduan", *args)

    one = run("operator")
    assert one.returncode == 0
    assert "## Alur singkat" in one.stdout and "### Mencetak" in one.stdout
    assert "## Administrator" not in one.stdout and "](gambar/" not in one.stdout
    assert "[Gambar: Tab Kendali — docs/gambar/tab-kendali.png]" in one.stdout
    everything = run()
    assert all(f"## {start}" in everything.stdout for start in ROLES.values())
    wrong = run("bendahara")
    assert wrong.returncode == 2 and "GALAT:" in wrong.stderr and "operator" in wrong.stderr
