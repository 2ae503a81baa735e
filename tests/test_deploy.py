"""The installation files are complete and consistent: the systemd unit passes
`systemd-analyze verify` and documents the user and ownership it depends on, the
Makefile keeps test tools off a production install, the Windows guide's commands agree."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
UNIT = REPO / "deploy" / "siapmas-sync.service"
WINDOWS = REPO / "deploy" / "windows-task.md"
EXEC = "/opt/siapmas-sync/.venv/bin/siapmas-sync"


def unit_settings() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith(("#", "[")) and "=" in line:
            k, v = line.split("=", 1)
            out.setdefault(k.strip(), []).append(v.strip())
    return out


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed on this machine")
def test_systemd_unit_verifies_cleanly(tmp_path: Path):
    # verify checks that ExecStart exists: point it at this interpreter, change nothing else
    unit = tmp_path / "siapmas-sync.service"
    unit.write_text(UNIT.read_text(encoding="utf-8").replace(EXEC, sys.executable), encoding="utf-8")
    r = subprocess.run(["systemd-analyze", "verify", "--man=no", str(unit)], capture_output=True, text=True, timeout=60)
    # systemd-analyze exits 0 even for unknown keys and bad values; they are printed
    problems = [line for line in (r.stdout + r.stderr).splitlines() if "siapmas-sync.service" in line]
    assert r.returncode == 0 and problems == [], r.stdout + r.stderr


def test_systemd_unit_documents_its_setup_and_outlasts_a_large_cycle():
    text = UNIT.read_text(encoding="utf-8")
    s = unit_settings()
    user = s["User"][0]
    assert re.search(rf"^#\s+useradd .*\b{user}$", text, re.M)
    assert f"chown -R {user}:{s['Group'][0]}" in text and "make install" in text
    for rw in s["ReadWritePaths"]:
        assert f"install -d -m 0700 -o {user} -g {user} {rw}" in text
    for env in s["Environment"]:
        path = env.split("=", 1)[1]
        assert path in text.split("[Unit]")[0]  # every path of the unit appears in the setup
    m = re.fullmatch(r"(\d+)min", s["TimeoutStopSec"][0])
    assert m and int(m.group(1)) >= 10  # a 10,000-item cycle takes ~6 min (README, Performance)
    assert s["UMask"] == ["0077"] and s["NoNewPrivileges"] == ["true"] and s["PrivateTmp"] == ["true"]
    assert s["ProtectSystem"] == ["strict"]
    assert s["ExecStart"] == [f"{EXEC} run"]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_install_is_runtime_only_and_make_test_adds_the_test_tools(tmp_path: Path):
    venv = tmp_path / "venv"  # a dry run (-n) against an empty venv: nothing is installed

    def plan(target: str) -> str:
        return subprocess.run(["make", "-n", "-C", str(REPO), target, f"VENV={venv}"],
                              capture_output=True, text=True, timeout=60, check=True).stdout

    install = plan("install")
    assert "pip install --quiet -e ." in install and "[test]" not in install and "-m pytest" not in install
    test = plan("test")
    assert "-e '.[test]'" in test and "-m pytest" in test
    demo = plan("demo")
    assert "[test]" not in demo and "sync" in demo
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci


def test_windows_guide_registers_every_variant_it_describes():
    text = WINDOWS.read_text(encoding="utf-8")
    blocks = re.findall(r"```powershell\n(.*?)```", text, re.S)
    registers = [b for b in blocks if "Register-ScheduledTask" in b]
    assert len(registers) == 3
    startup, logon, repeat = registers
    assert "-AtStartup" in startup and "-User $cred.UserName -Password" in startup and '" run"' in startup
    assert "-AtLogOn -User" in logon and "-Principal $principal" in logon and '" run"' in logon
    assert "-RepetitionInterval (New-TimeSpan -Minutes 5)" in repeat and '" sync"' in repeat and "-User" in repeat
    assert "at logon" not in text.lower().replace("-atlogon", "")  # the words match the triggers
    assert "pip install -e ." in text and "[test]" not in text
