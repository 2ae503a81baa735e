"""Configuration: validation messages name file and key; env overrides; relative paths."""

from pathlib import Path

import pytest

from siapmas_sync.config import load_settings
from siapmas_sync.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "conf" / "siapmas.toml"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def test_relative_paths_resolve_against_the_config_folder(tmp_path):
    p = write(tmp_path, '[source]\nresponses = "data/r.csv"\n[storage]\ndatabase = "/abs/x.db"\n')
    s = load_settings(p, environ={})
    assert s.source.responses == tmp_path / "conf" / "data" / "r.csv"
    assert s.storage.database == Path("/abs/x.db")
    assert s.tz.key == "Asia/Jakarta"


def test_unknown_key_is_named_with_its_section(tmp_path):
    p = write(tmp_path, '[source]\nbakend = "local"\n')
    with pytest.raises(ConfigError) as e:
        load_settings(p, environ={})
    assert "source.bakend" in str(e.value) and str(p) in str(e.value)


def test_bad_value_says_what_is_allowed(tmp_path):
    p = write(tmp_path, '[source]\nbackend = "dropbox"\n')
    with pytest.raises(ConfigError) as e:
        load_settings(p, environ={})
    assert "source.backend" in str(e.value) and "'local'" in str(e.value) and "'google'" in str(e.value)


def test_bad_template_and_timezone(tmp_path):
    p = write(tmp_path, 'timezone = "Asia/Mojokerto"\n[numbering]\ntemplate = "{nomor}/{year}"\n')
    with pytest.raises(ConfigError) as e:
        load_settings(p, environ={})
    msg = str(e.value)
    assert "numbering.template" in msg and "{seq}" in msg and "timezone" in msg


def test_broken_toml_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="bukan TOML"):
        load_settings(write(tmp_path, "[source\n"), environ={})
    with pytest.raises(ConfigError, match="tidak ditemukan"):
        load_settings(tmp_path / "none.toml", environ={})


def test_environment_overrides_every_key(tmp_path):
    p = write(tmp_path, '[schedule]\ninterval_minutes = 5\n')
    s = load_settings(
        p,
        environ={
            "SIAPMAS_SCHEDULE__INTERVAL_MINUTES": "2",
            "SIAPMAS_SOURCE__DAY_FIRST": "false",
            "SIAPMAS_NUMBERING__TEMPLATE": "{kode}/{seq}/{unit}/{year}",
            "SIAPMAS_TIMEZONE": "Asia/Makassar",
            "SIAPMAS_OUTPUT__DIR": "out",
        },
    )
    assert s.schedule.interval_minutes == 2
    assert s.source.day_first is False
    assert s.numbering.template == "{kode}/{seq}/{unit}/{year}"
    assert s.tz.key == "Asia/Makassar"
    assert s.output.dir == tmp_path / "conf" / "out"


def test_shipped_demo_config_is_valid():
    repo = Path(__file__).resolve().parent.parent
    s = load_settings(repo / "config" / "demo.toml", environ={})
    assert s.source.responses.is_file()
    assert s.routing.table is not None and s.routing.table.is_file()
