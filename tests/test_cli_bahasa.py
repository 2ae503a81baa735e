"""The command line speaks Indonesian, click's own words included (issue: --help was half
English), and `advance --help` lists what it accepts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from siapmas_sync import clitext

ENGLISH = ("Usage:", "Options:", "Show this message and exit", "Commands:", "Error:", "Try '", "TEXT", "[OPTIONS]")


def cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "siapmas_sync", *args], capture_output=True, text=True,
                          timeout=60, env={"PATH": "/usr/bin:/bin", **env})


def test_help_of_every_command_is_indonesian() -> None:
    from siapmas_sync.cli import cli as group

    for name in [None, *sorted(group.commands)]:
        out = cli(*([name] if name else []), "--help")
        assert out.returncode == 0, out.stderr
        assert "Penggunaan:" in out.stdout and "Opsi:" in out.stdout
        leaked = [w for w in ENGLISH if w in out.stdout]
        assert not leaked, (name, leaked)


def test_advance_help_lists_stages_akd_and_harap() -> None:
    out = cli("advance", "--help").stdout
    for choice in ("PARAF KASUBAG TU", "DISPOSISI KETUA", "DICATAT & DIDISTRIBUSIKAN", "SELESAI", "PERLU KELENGKAPAN",
                   "DITOLAK", "Komisi III", "Badan Kehormatan", "Untuk ditindaklanjuti", "Dijadwalkan RDP"):
        assert choice in out


def test_usage_mistakes_are_galat_and_saran_in_indonesian() -> None:
    out = cli("sinkron")
    assert out.returncode == 2
    assert "GALAT: Perintah 'sinkron' tidak ada." in out.stderr
    assert "Saran: jalankan 'siapmas-sync --help' untuk bantuan." in out.stderr
    out = cli("show")
    assert "GALAT: Argumen belum diisi 'AGENDA'." in out.stderr
    out = cli("status", "--jsn")
    assert "GALAT: Opsi '--jsn' tidak ada." in out.stderr and "--json" in out.stderr


def test_english_on_request_for_bug_reports() -> None:
    out = cli("--help", SIAPMAS_BAHASA="en")
    assert "Usage:" in out.stdout and "Penggunaan" not in out.stdout


def test_compiled_catalogue_says_what_the_po_says() -> None:
    folder = clitext.LOCALE_DIR / "id" / "LC_MESSAGES"
    with open(folder / "click.po", "rb") as f:
        catalog = read_po(f, locale="id")
    import gettext

    mo = gettext.GNUTranslations(open(folder / "click.mo", "rb"))
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            assert mo.ngettext(message.id[0], message.id[1], 2) == message.string[0], message.id
        else:
            assert mo.gettext(message.id) == message.string, message.id
    assert Path(folder / "click.mo").stat().st_size > 0
