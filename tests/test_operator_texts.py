"""What an operator reads on screen and in the log agrees with itself (issue: logs in UTC
without a zone while everything else is WIB; the demo's log said "terkirim" while the
summary said the message was only written to a file)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from .clirun import CliResult, run_cli


def sync(config: Path) -> CliResult:
    # a server in UTC: the log still speaks WIB
    return run_cli(config, "sync", env={"TZ": "UTC"}, cwd=config.parent.parent)


def test_log_times_are_wib_with_the_zone_and_agree_with_the_summary(project: Path) -> None:
    before = datetime.now(ZoneInfo("Asia/Jakarta"))
    out = sync(project)
    assert out.returncode == 0, out.stderr
    stamps = re.findall(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) WIB INFO ", out.stderr, re.M)
    assert stamps, out.stderr[:500]
    first = datetime.strptime(stamps[0], "%Y-%m-%d %H:%M:%S").replace(tzinfo=ZoneInfo("Asia/Jakarta"))
    assert abs(first - before) < timedelta(minutes=5)  # WIB, not UTC (seven hours apart)
    # the demo writes messages as .eml files: neither the log nor the summary says "terkirim"
    assert "tidak dikirim" in out.stdout
    notify_lines = [line for line in out.stderr.splitlines() if "siapmas.notify: Pesan" in line]
    assert notify_lines and all("ditulis sebagai berkas .eml" in line for line in notify_lines)
    assert not any("terkirim" in line for line in notify_lines)


def test_show_finds_an_item_by_the_key_prefix_the_log_shows(project: Path) -> None:
    assert sync(project).returncode == 0
    run = lambda *a: run_cli(project, *a)  # noqa: E731
    items = __import__("json").loads(run("status", "--json").stdout)
    key = items[0]["key"]
    shown = run("show", key[:6])
    assert shown.returncode == 0, shown.stderr
    assert "No. Agenda   : 0001/SIAPMAS/2026" in shown.stdout
    wrong = run("show", "zzzzzz")
    assert wrong.returncode == 2 and "GALAT: Butir 'zzzzzz' tidak ditemukan." in wrong.stderr and "Saran:" in wrong.stderr


def test_a_rejection_always_names_the_person_even_without_a_list_of_officials(project: Path) -> None:
    """DITOLAK and PERLU KELENGKAPAN were recorded as an anonymous "Operator" when --by was
    left out: every official act names a person, with or without [[pejabat]]."""
    import re as _re

    text = project.read_text(encoding="utf-8")
    project.write_text(_re.sub(r"\[\[pejabat\]\][^\[]*", "", text), encoding="utf-8")
    assert "[[pejabat]]" not in project.read_text(encoding="utf-8")
    assert sync(project).returncode == 0
    run = lambda *a: run_cli(project, *a)  # noqa: E731
    for stage in ("DITOLAK", "PERLU KELENGKAPAN"):
        refused = run("advance", "0002/SIAPMAS/2026", stage, "--note", "Bukan kewenangan DPRD")
        assert refused.returncode == 2 and "tetapi tidak disebutkan siapa" in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr
    done = run("advance", "0002/SIAPMAS/2026", "DITOLAK", "--note", "Bukan kewenangan DPRD", "--by", "Dwi Lestari")
    assert done.returncode == 0, done.stderr
    shown = run("show", "0002/SIAPMAS/2026").stdout
    assert "Dwi Lestari" in shown and "Operator" not in shown
