"""WhatsApp replies: the Pemberitahuan tab the operator works from (manual click-to-chat,
tick Terkirim, the worker records who and when), and the Cloud API as a queue channel
against its loopback stand-in (success, invalid number, rate limit, expired token, a crash
between sending and recording)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse

import openpyxl
import pytest
from sqlalchemy import select

from siapmas_sync.ledger.schema import items, messages  # white-box: what the ledger holds
from siapmas_sync.notify.pemberitahuan import desired_row

from .test_smtp import cli
from .wa_standin import WaStandin

TOKEN = "EAAG-test-token"
TOKEN_ENV = "WA_TEST_TOKEN"
BUDI = "6281234567890"
HENDRO = "6285645678901"


def register(project: Path) -> Path:
    return project.parent.parent / "var" / "demo" / "register.xlsx"


def tab(project: Path, name: str) -> list[dict[str, object]]:
    wb = openpyxl.load_workbook(register(project))
    try:
        rows = list(wb[name].iter_rows(values_only=True))
    finally:
        wb.close()
    header = [str(h) for h in rows[0]]
    return [dict(zip(header, r)) for r in rows[1:] if any(v not in (None, "") for v in r)]


def all_text(project: Path, name: str) -> str:
    return "\n".join(str(v) for row in tab(project, name) for v in row.values() if v is not None)


def test_pemberitahuan_lists_each_whatsapp_message_and_records_a_tick(project: Path) -> None:
    first = cli(project, "sync")
    assert first.returncode == 0, first.stderr
    rows = tab(project, "Pemberitahuan")
    by_agenda = {(r["No. Agenda"], r["Jenis"]): r for r in rows}
    budi = by_agenda[("0001/SIAPMAS/2026", "Tanda terima")]
    link = urlparse(str(budi["Tautan WhatsApp"]))
    assert (link.scheme, link.netloc, link.path) == ("https", "wa.me", "/" + BUDI)
    text = parse_qs(link.query)["text"][0]
    assert "0001/SIAPMAS/2026" in text and "Tanda Terima" in text and "Budi Santoso" in text
    assert "terlampir (PDF)" not in text  # WhatsApp carries no attachment
    assert budi["Pelapor"] == "Budi Santoso" and budi["Status"] == "Menunggu dikirim operator"
    assert budi["Terkirim"] in (None, "", False)
    agendas = {a for a, _ in by_agenda}
    assert "0003/SIAPMAS/2026" not in agendas  # "12345" is not a number: nothing queued, no link
    assert ("0004/SIAPMAS/2026", "Kiriman ulang (duplikat)") in by_agenda  # told the original number
    # the reporter's number is in this tab's links only, never in the officials' other tabs
    for other in ("Kendali", "Buku Agenda", "Riwayat"):
        assert "81234567890" not in all_text(project, other)
        assert "8123-4567" not in all_text(project, other)
    # the operator sends it from WhatsApp and ticks Terkirim, naming who sent it
    wb = openpyxl.load_workbook(register(project))
    ws = wb["Pemberitahuan"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[header.index("ID")].value == budi["ID"]:
            row[header.index("Terkirim")].value = "x"
            row[header.index("Oleh")].value = "Siti Rahmawati"
    wb.save(register(project))
    second = cli(project, "sync")
    assert second.returncode == 0, second.stderr
    assert "Pesan WhatsApp dicatat terkirim: 0001/SIAPMAS/2026 (Tanda terima) oleh Siti Rahmawati" in second.stdout
    shown = json.loads(cli(project, "show", "0001/SIAPMAS/2026", "--json").stdout)
    wa = [m for m in shown["messages"] if m["channel"] == "whatsapp"]
    assert [(m["kind"], m["state"]) for m in wa] == [("tanda_terima", "terkirim")] and wa[0]["sent_at"]
    assert BUDI not in json.dumps(shown) and "8123-4567" not in json.dumps(shown)
    history = [r for r in tab(project, "Riwayat") if r["Peristiwa"] == "PESAN WHATSAPP TERKIRIM"]
    assert len(history) == 1 and "Siti Rahmawati" in str(history[0]["Oleh"])
    assert history[0]["No. Agenda"] == "0001/SIAPMAS/2026" and history[0]["Saluran"] == "pemberitahuan"
    after = {r["ID"]: r for r in tab(project, "Pemberitahuan")}[budi["ID"]]
    assert after["Terkirim"] is True and "Siti Rahmawati" in str(after["Oleh"])
    assert after["Status"] == "Terkirim" and after["Dikirim"]
    assert not after["Tautan WhatsApp"]  # sent: the number is no longer shown
    logs = "".join(p.read_text(errors="replace") for p in (project.parent.parent / "var" / "demo").rglob("*.log"))
    assert BUDI not in logs and "0812-3456-7890" not in logs and "81234567890" not in logs
    # nothing changes any more: the ledger is the source of truth, recorded once
    before = tab(project, "Pemberitahuan")
    third = cli(project, "sync")
    assert third.returncode == 0 and "Pesan WhatsApp dicatat terkirim" not in third.stdout
    assert tab(project, "Pemberitahuan") == before
    assert len([r for r in tab(project, "Riwayat") if r["Peristiwa"] == "PESAN WHATSAPP TERKIRIM"]) == 1


def test_a_rahasia_item_shows_no_name() -> None:
    msg = SimpleNamespace(id=7, kind="tanda_terima", state="antri", context="{}", last_error="", sent_at=None)
    item = SimpleNamespace(agenda_no="0001/SIAPMAS/2026", rahasia=True)
    row = desired_row(msg, item, "Budi Santoso", "https://wa.me/" + BUDI, True, None)
    assert row["Pelapor"] == "Dirahasiakan" and "Budi" not in json.dumps(row)
    assert "Terkirim" not in row and "Oleh" not in row  # the operator's cells are never overwritten


# --- the Cloud API --------------------------------------------------------------------------


@pytest.fixture
def wa():
    with WaStandin(token=TOKEN) as srv:
        yield srv


def cloud_config(project: Path, wa: WaStandin, kinds: tuple[str, ...] = ("tanda_terima", "duplikat")) -> Path:
    templates = "\n".join(f'{k} = "siapmas_{k}"' for k in kinds)
    project.write_text(project.read_text(encoding="utf-8") + f"""
[notify.whatsapp]
mode = "cloud_api"
phone_number_id = "{wa.phone_number_id}"
token_env = "{TOKEN_ENV}"
base_url = "{wa.url}"
timeout_seconds = 10

[notify.whatsapp.templates]
{templates}
""", encoding="utf-8")
    return project


def wa_states(engine) -> dict[tuple[str, str], tuple[str, str]]:
    with engine.ledger.engine.connect() as conn:
        q = select(items.c.agenda_no, messages.c.kind, messages.c.state, messages.c.last_error).join(
            items, items.c.key == messages.c.key).where(messages.c.channel == "whatsapp")
        return {(r.agenda_no, r.kind): (r.state, r.last_error) for r in conn.execute(q)}


def sent_to(wa: WaStandin) -> list[tuple[str, str]]:
    return [(s.body["to"], s.body["template"]["name"]) for s in wa.requests if s.status == 200]


def test_cloud_api_sends_templates_retries_rate_limits_and_records_invalid_numbers(
        project: Path, wa: WaStandin, make_engine, clock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    wa.state.rate_limited = 1  # the first send is refused with 429 / 130429
    wa.state.undeliverable = {HENDRO}  # not on WhatsApp: 131026
    engine = make_engine(cloud_config(project, wa))
    report = engine.cycle()
    states = wa_states(engine)
    assert states[("0001/SIAPMAS/2026", "tanda_terima")][0] == "gagal_sementara"
    hendro = next(k for k, v in states.items() if v[0] == "gagal_tetap")
    assert "tidak terdaftar di WhatsApp" in states[hendro][1]
    assert sum(1 for v in states.values() if v[0] == "terkirim") >= 3
    body = next(s.body for s in wa.requests if s.status == 200)
    assert body["template"]["language"]["code"] == "id"
    params = [p["text"] for p in body["template"]["components"][0]["parameters"]]
    assert re.fullmatch(r"\d{4}/SIAPMAS/2026", params[1])  # name, agenda number, …
    assert "tidak terdaftar di WhatsApp" in report.summary_id()
    # the invalid number is shown to the operator in Kendali and in Pemberitahuan
    engine.cycle()
    kendali = {r["No. Agenda"]: r for r in tab(project, "Kendali")}
    assert "tidak terdaftar di WhatsApp" in str(kendali[hendro[0]]["Pesan"])
    pemb = {(r["No. Agenda"], r["Jenis"]): r for r in tab(project, "Pemberitahuan")}
    assert "tidak terdaftar di WhatsApp" in str(pemb[(hendro[0], "Tanda terima")]["Keterangan"])
    assert pemb[(hendro[0], "Tanda terima")]["Status"] == "Gagal; kirim manual lewat tautan"
    # HTTP 200 with a message id means WhatsApp accepted it, not that it arrived: said as such
    forwarded = [r for r in pemb.values() if r["Oleh"] == "WhatsApp Cloud API"]
    assert forwarded and all(r["Status"] == "Diteruskan ke WhatsApp" for r in forwarded)
    assert all(r["Terkirim"] in ("", None, False) for r in forwarded)  # never ticked as delivered for them
    assert "diteruskan ke WhatsApp (belum tentu sampai)" in report.summary_id()
    assert "diterima" not in " ".join(str(r["Status"]) for r in forwarded).lower()
    # the rate-limited one goes after its backoff; nothing is sent twice
    clock.now += timedelta(minutes=10)
    engine.cycle()
    assert wa_states(engine)[("0001/SIAPMAS/2026", "tanda_terima")][0] == "terkirim"
    clock.now += timedelta(hours=1)
    engine.cycle()
    sent = sent_to(wa)
    assert len(sent) == len(set(sent))
    assert (BUDI, "siapmas_tanda_terima") in sent and not any(to == HENDRO for to, _ in sent)


def test_expired_token_keeps_every_message_queued_and_says_what_to_do(project: Path, wa: WaStandin, make_engine,
                                                                        clock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    wa.expire()
    engine = make_engine(cloud_config(project, wa))
    report = engine.cycle()
    assert any("token" in f.message.lower() and TOKEN_ENV in f.advice for f in report.failures)
    assert len(wa.requests) == 1  # sending stopped after the first refusal
    states = wa_states(engine)
    assert {s for s, _ in states.values()} == {"antri"}  # nothing lost, nothing given up
    assert any("kedaluwarsa" in e for _, e in states.values())  # the reason is shown (Pemberitahuan)
    wa.state.expired = False  # the operator renewed the token
    clock.now += timedelta(minutes=1)
    engine.cycle()
    states = wa_states(engine)
    assert {s for (a, k), (s, _) in states.items() if k == "tanda_terima"} == {"terkirim"}


def test_a_kind_without_an_approved_template_stays_for_the_operator(project: Path, wa: WaStandin, make_engine,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    engine = make_engine(cloud_config(project, wa, kinds=("tanda_terima",)))
    engine.cycle()
    engine.cycle()
    states = wa_states(engine)
    assert states[("0004/SIAPMAS/2026", "duplikat")][0] == "antri"
    assert all(name == "siapmas_tanda_terima" for _, name in sent_to(wa))
    row = {(r["No. Agenda"], r["Jenis"]): r for r in tab(project, "Pemberitahuan")}[
        ("0004/SIAPMAS/2026", "Kiriman ulang (duplikat)")]
    assert str(row["Tautan WhatsApp"]).startswith("https://wa.me/62857") and row["Status"] == "Dalam antrean (Cloud API)"


def test_a_crash_after_the_api_accepted_resends_once_with_the_same_message(project: Path, wa: WaStandin) -> None:
    config = cloud_config(project, wa)
    env = {TOKEN_ENV: TOKEN}
    crashed = cli(config, "sync", SIAPMAS_TEST_FAILPOINT="notify_after_send_whatsapp", **env)
    assert crashed.returncode == 86
    assert len(sent_to(wa)) == 1
    first = sent_to(wa)[0]
    assert cli(config, "sync", **env).returncode == 0
    assert cli(config, "sync", **env).returncode == 0
    sent = sent_to(wa)
    assert sent.count(first) == 2  # resent once after the crash (never lost)
    assert all(sent.count(s) == 1 for s in sent if s != first)
    status = json.loads(cli(config, "status", "--json", **env).stdout)
    wa_msgs = [m for i in status for m in i["messages"] if m["channel"] == "whatsapp" and m["kind"] == "tanda_terima"]
    assert wa_msgs and all(m["state"] == "terkirim" for m in wa_msgs)


def test_google_tab_has_a_checkbox_a_dropdown_and_records_a_tick(tmp_path: Path, clock) -> None:
    from .google_standin.server import GoogleStandin
    from .worlds import SA_EMAIL, GoogleWorld, rows_as_dicts

    with GoogleStandin() as standin:
        world = GoogleWorld(tmp_path, clock, standin)
        world.config.write_text(world.config.read_text(encoding="utf-8")
                                + '\n[[pejabat]]\nnama = "Siti Rahmawati"\njabatan = "Staf Subbag TU"\n', encoding="utf-8")
        world.add_responses([["27/11/2026 09:12:05", "Ani Lestari", "0812-3456-7890", "ani@example.com",
                              "Jalan desa rusak parah di Desa Mojorejo, Kecamatan Kemlagi, sejak Oktober 2026.", ""]])
        try:
            engine = world.engine()
            engine.cycle()
            state = json.dumps(standin.sheet_state(world.sid, "Pemberitahuan"))
            assert "BOOLEAN" in state and "ONE_OF_LIST" in state and "Siti Rahmawati (Staf Subbag TU)" in state
            protected = standin.sheet_state(world.sid, "Pemberitahuan").get("protectedRanges", [])
            header = world.tab("Pemberitahuan")[0]
            closed = {header[p["range"]["startColumnIndex"]] for p in protected}
            assert {"Tautan WhatsApp", "Status", "No. Agenda"} <= closed and not {"Terkirim", "Oleh"} & closed
            assert all(SA_EMAIL in p["editors"]["users"] for p in protected)
            row = rows_as_dicts(world.tab("Pemberitahuan"))[0]
            assert str(row["Tautan WhatsApp"]).startswith("https://wa.me/" + BUDI + "?text=")
            assert row["Pelapor"] == "Ani Lestari"
            for other in ("Kendali", "Buku Agenda", "Riwayat"):
                assert BUDI[2:] not in json.dumps(world.tab(other))
            # the operator ticks the checkbox (a real boolean on Google) and picks who sent it
            values = [list(r) + [""] * (len(header) - len(r)) for r in world.tab("Pemberitahuan")]
            values[1][header.index("Terkirim")] = True
            values[1][header.index("Oleh")] = "Siti Rahmawati (Staf Subbag TU)"
            world.put_tab("Pemberitahuan", values)
            engine.cycle()
            row = rows_as_dicts(world.tab("Pemberitahuan"))[0]
            assert row["Terkirim"] is True and row["Status"] == "Terkirim" and not row["Tautan WhatsApp"]
            assert row["Oleh"] == "Siti Rahmawati (Staf Subbag TU)"
            events = [r for r in rows_as_dicts(world.tab("Riwayat")) if r["Peristiwa"] == "PESAN WHATSAPP TERKIRIM"]
            assert len(events) == 1 and events[0]["Oleh"] == "Siti Rahmawati (Staf Subbag TU)"
            # nothing changed: nothing is written again
            before = world.tab("Pemberitahuan")
            assert engine.cycle().cells_written == 0
            assert world.tab("Pemberitahuan") == before
        finally:
            world.close()


def test_an_unanswered_cloud_api_send_is_resent_once_then_left_to_the_operator(
        project: Path, wa: WaStandin, make_engine, clock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Meta takes Budi's message but answers after the client's timeout: resent once, then
    marked for the operator (Pemberitahuan's Status) and never sent again."""
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    wa.state.slow = {BUDI}
    wa.state.slow_seconds = 2.5
    config = cloud_config(project, wa)
    config.write_text(config.read_text(encoding="utf-8").replace("timeout_seconds = 10", "timeout_seconds = 1"),
                      encoding="utf-8")
    engine = make_engine(config)
    for _ in range(5):
        engine.cycle()
        clock.now += timedelta(hours=7)
    to_budi = [s for s in wa.requests if s.body["to"] == BUDI]
    assert len(to_budi) == 2  # the message and its one resend
    state, error = wa_states(engine)[("0001/SIAPMAS/2026", "tanda_terima")]
    assert state == "perlu_periksa" and "tidak dikirim lagi" in error
    pemb = {(r["No. Agenda"], r["Jenis"]): r for r in tab(project, "Pemberitahuan")}
    assert pemb[("0001/SIAPMAS/2026", "Tanda terima")]["Status"] == "Mungkin sudah terkirim; periksa sebelum mengirim ulang"


def link_text(row: dict[str, object]) -> str:
    return parse_qs(urlparse(str(row["Tautan WhatsApp"])).query)["text"][0]


def test_a_link_follows_its_item_between_full_reads(project: Path) -> None:
    """Waiting messages keep the link the tab shows while nothing about them changed (not
    composed again every cycle); a changed item's link is composed again at once; a link
    cell spoiled by hand is put right by the periodic full read."""
    assert cli(project, "sync").returncode == 0
    waiting = {(r["No. Agenda"], r["Jenis"]): r for r in tab(project, "Pemberitahuan")}
    budi = waiting[("0001/SIAPMAS/2026", "Tanda terima")]
    other = next(r for k, r in waiting.items() if k[0] != "0001/SIAPMAS/2026" and r["Tautan WhatsApp"])
    # staff spoil another message's link cell by hand (a sheet edit: the next cycle reads)
    wb = openpyxl.load_workbook(register(project))
    ws = wb["Pemberitahuan"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[header.index("ID")].value == other["ID"]:
            row[header.index("Tautan WhatsApp")].value = "https://wa.me/"
    wb.save(register(project))
    # the officials set item 0001's perihal (the ledger changes: the next cycle reads)
    moved = cli(project, "advance", "0001/SIAPMAS/2026", "PARAF KASUBAG TU", "--by", "Dwi Lestari",
                "--perihal", "Perbaikan jembatan desa yang putus")
    assert moved.returncode == 0, moved.stderr
    assert cli(project, "sync").returncode == 0
    now = {r["ID"]: r for r in tab(project, "Pemberitahuan")}
    assert "Perbaikan jembatan desa yang putus" in link_text(now[budi["ID"]])  # composed again
    assert now[other["ID"]]["Tautan WhatsApp"] == "https://wa.me/"  # left as shown until the full read
    # the periodic full read composes every waiting link again
    assert cli(project, "sync", SIAPMAS_SCHEDULE__FULL_READ_MINUTES="0").returncode == 0
    assert {r["ID"]: r for r in tab(project, "Pemberitahuan")}[other["ID"]]["Tautan WhatsApp"] == other["Tautan WhatsApp"]
