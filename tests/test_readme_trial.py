"""README's "Trying Google mode without Google" runs exactly as written (issue: the command
ended in a traceback because var/standin/ did not exist on a fresh clone)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def readme_trial() -> tuple[list[list[str]], str]:
    """The commands of the section's shell blocks, and the section's text."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("### Trying Google mode without Google", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)\n```", section, re.S)
    return [shlex.split(line) for block in blocks for line in block.splitlines() if line.strip()], section


def test_readme_stand_in_trial_runs_as_written(tmp_path: Path) -> None:
    (argv, *follow_up), section = readme_trial()
    assert argv[0] == ".venv/bin/python"
    config_name = re.search(r"save it as e\.g\. `([^`]+)`", section).group(1)
    assert [c[:3] for c in follow_up] == [[".venv/bin/siapmas-sync", "--config", config_name]] * 2
    assert [c[3:] for c in follow_up] == [["doctor"], ["sync"]]
    for folder in ("config", "examples"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    # the README's command, with this interpreter and a free port (tests run side by side)
    standin = subprocess.Popen([sys.executable, *argv[1:], "--port", "0"], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        printed: list[str] = []
        for line in standin.stdout:  # type: ignore[union-attr]
            printed.append(line)
            if line.startswith("dir = "):
                break
        block = "".join(printed).split("paths relative to that file):", 1)[1]
        (tmp_path / config_name).write_text(block, encoding="utf-8")
        for command in follow_up:
            out = subprocess.run([sys.executable, "-m", "siapmas_sync", *command[1:]],
                                 cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
            assert "Traceback" not in out.stderr + out.stdout
            if command[-1] == "sync":
                assert out.returncode == 0, out.stderr
                assert "aduan baru diberi nomor agenda" in out.stdout
    finally:
        standin.send_signal(signal.SIGINT)
        _out, err = standin.communicate(timeout=30)
    assert standin.returncode == 0 and "Traceback" not in err, err
    assert (tmp_path / "var" / "standin" / "state.json").exists()  # --save kept the sheet
