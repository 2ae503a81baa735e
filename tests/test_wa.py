"""WhatsApp: click-to-chat links decode back to the right number and text; the Cloud API
client against a loopback stand-in that answers as Meta documents (success, invalid
number, rate limits, expired token, malformed request), classified temporary/permanent,
and the token never in a log."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest

from siapmas_sync.config import load_settings
from siapmas_sync.errors import ConfigError
from siapmas_sync.wa import CloudApiClient, click_to_chat, e164_digits
from siapmas_sync.wa.cloud import classify

from .wa_standin import WaStandin

TOKEN = "EAAGtestTOKEN1234567890secret"
MESSAGE = ("Yth. Bapak/Ibu, aduan Anda tercatat dengan nomor agenda 0001/SIAPMAS/2026.\n"
           "Cek status: https://contoh.go.id/status#0001/SIAPMAS/2026 & terima kasih (100%)")


@pytest.mark.parametrize("typed", ["0812-3456-7890", "+62 812 3456 7890", "6281234567890", "(0812) 3456 7890"])
def test_click_to_chat_decodes_to_number_and_text(typed: str) -> None:
    link = click_to_chat(typed, MESSAGE)
    assert link is not None
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "wa.me", "/6281234567890")
    assert parse_qs(parts.query, strict_parsing=True) == {"text": [MESSAGE]}


@pytest.mark.parametrize("typed", ["", "12", "nomor saya rahasia", "08123", "+1 202"])
def test_no_link_to_an_invalid_number(typed: str) -> None:
    assert e164_digits(typed) is None
    assert click_to_chat(typed, "halo") is None


@pytest.fixture
def wa():
    with WaStandin(token=TOKEN) as standin:
        yield standin


@pytest.fixture
def client(wa: WaStandin):
    c = CloudApiClient(wa.phone_number_id, TOKEN, base_url=wa.url, api_version="v21.0", timeout=5)
    yield c
    c.close()


def test_success_returns_the_message_id_and_sends_what_meta_documents(wa: WaStandin, client: CloudApiClient) -> None:
    r = client.send_template("0812-3456-7890", "tanda_terima", ["0001/SIAPMAS/2026", "baris satu\nbaris dua"])
    assert r.state == "ok" and r.ok and r.message_id.startswith("wamid.")
    (seen,) = wa.requests
    assert seen.path == f"/v21.0/{wa.phone_number_id}/messages"
    assert seen.headers["Authorization"] == f"Bearer {TOKEN}"
    assert seen.body["to"] == "6281234567890"
    tpl = seen.body["template"]
    assert tpl["name"] == "tanda_terima" and tpl["language"] == {"code": "id"}
    # Meta refuses new lines in template parameters: they are folded into spaces
    assert tpl["components"] == [{"type": "body", "parameters": [
        {"type": "text", "text": "0001/SIAPMAS/2026"}, {"type": "text", "text": "baris satu baris dua"}]}]


def test_undeliverable_number_is_permanent(wa: WaStandin, client: CloudApiClient) -> None:
    wa.state.undeliverable.add("6281234567890")
    r = client.send_template("081234567890", "tanda_terima", ["0001/SIAPMAS/2026"])
    assert (r.state, r.code, r.halt) == ("permanent", 131026, False)
    assert "tidak terdaftar di WhatsApp" in r.reason


def test_invalid_number_is_never_sent(wa: WaStandin, client: CloudApiClient) -> None:
    r = client.send_template("0812", "tanda_terima", ["x"])
    assert r.state == "permanent" and "tidak valid" in r.reason
    assert wa.requests == []


def test_rate_limit_is_temporary_with_retry_after(wa: WaStandin, client: CloudApiClient) -> None:
    wa.state.rate_limited = 1
    r = client.send_template("081234567890", "tanda_terima", ["0001/SIAPMAS/2026"])
    assert (r.state, r.code, r.retry_after, r.halt) == ("temporary", 130429, 7.0, False)
    assert wa.requests[-1].status == 429
    assert client.send_template("081234567890", "tanda_terima", ["0001/SIAPMAS/2026"]).ok  # later it goes


def test_pair_rate_limit_is_temporary(wa: WaStandin, client: CloudApiClient) -> None:
    wa.state.pair_limited.add("6281234567890")
    r = client.send_template("081234567890", "tanda_terima", ["0001/SIAPMAS/2026"])
    assert (r.state, r.code) == ("temporary", 131056)


def test_expired_token_halts_sending_without_losing_the_message(wa: WaStandin, client: CloudApiClient) -> None:
    wa.expire()
    r = client.send_template("081234567890", "tanda_terima", ["0001/SIAPMAS/2026"])
    assert (r.state, r.code, r.halt) == ("temporary", 190, True)
    assert wa.requests[-1].status == 401 and "token" in r.reason


def test_wrong_token_is_an_auth_problem(wa: WaStandin) -> None:
    c = CloudApiClient(wa.phone_number_id, "EAAGwrong", base_url=wa.url)
    r = c.send_template("081234567890", "tanda_terima", ["x"])
    assert (r.code, r.halt) == (190, True)


@pytest.mark.parametrize("drop", ["messaging_product", "to", "type", "template"])
def test_stand_in_refuses_a_malformed_body_with_code_100(wa: WaStandin, drop: str) -> None:
    import requests

    body = {"messaging_product": "whatsapp", "to": "6281234567890", "type": "template",
            "template": {"name": "t", "language": {"code": "id"}}}
    del body[drop]
    resp = requests.post(f"{wa.url}/v21.0/{wa.phone_number_id}/messages", json=body,
                         headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    assert resp.status_code == 400
    r = classify(resp.status_code, resp.json())
    assert (r.state, r.code) == ("permanent", 100)


def test_unreachable_api_is_temporary() -> None:
    c = CloudApiClient("1", TOKEN, base_url="http://127.0.0.1:9", timeout=2)
    r = c.send_template("081234567890", "t", ["x"])
    assert r.state == "temporary" and not r.halt


def test_server_error_without_code_is_temporary() -> None:
    assert classify(503, None).state == "temporary"
    assert classify(400, {"error": {"code": 132001, "message": "(#132001) Template name does not exist"}}).state == "permanent"


def test_token_never_logged(wa: WaStandin, client: CloudApiClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client.send_template("081234567890", "tanda_terima", ["0001/SIAPMAS/2026"])
    wa.expire()
    r = client.send_template("081234567890", "tanda_terima", ["0001/SIAPMAS/2026"])
    text = caplog.text + repr(client) + repr(r)
    assert TOKEN not in text and "EAAG" not in text
    assert "81234567890" not in caplog.text  # the number only masked
    assert caplog.records  # it did log


def test_from_config_reads_the_token_from_the_named_variable(tmp_path) -> None:
    cfg = SimpleNamespace(phone_number_id="123", token_env="WA_TOKEN_TEST", api_version="v21.0",
                          base_url="https://graph.facebook.com", timeout_seconds=5.0)
    c = CloudApiClient.from_config(cfg, {"WA_TOKEN_TEST": TOKEN})
    assert c.url == "https://graph.facebook.com/v21.0/123/messages"
    with pytest.raises(ConfigError) as exc:
        CloudApiClient.from_config(cfg, {})
    assert "WA_TOKEN_TEST" in exc.value.message and TOKEN not in str(exc.value)


def test_config_section_notify_whatsapp(tmp_path) -> None:
    p = tmp_path / "c.toml"
    p.write_text('[notify.whatsapp]\nenabled = true\nphone_number_id = "106540352242922"\n'
                 'token_env = "META_WA_TOKEN"\napi_version = "v22.0"\n', encoding="utf-8")
    s = load_settings(p, environ={})
    wa = s.notify.whatsapp
    assert (wa.enabled, wa.phone_number_id, wa.token_env, wa.api_version, wa.base_url) == (
        True, "106540352242922", "META_WA_TOKEN", "v22.0", "https://graph.facebook.com")
    p.write_text('[notify.whatsapp]\ntoken_env = "SIAPMAS_WA_TOKEN"\n', encoding="utf-8")
    with pytest.raises(ConfigError):
        load_settings(p, environ={})


def test_a_long_message_makes_a_bounded_link_cut_at_a_word() -> None:
    words = " ".join(f"kata{i} ü😀" for i in range(8000))  # ~90 KB once percent-encoded
    link = click_to_chat("0812-3456-7890", "*Tanda Terima*\n\n" + words)
    assert link is not None and len(link) <= 2000
    text = parse_qs(urlsplit(link).query, strict_parsing=True)["text"][0]
    assert text.endswith("…") and text.startswith("*Tanda Terima*")
    last = text[:-1].split()[-1]
    assert last in words.split()  # whole words only


def test_a_40_kb_first_sentence_gives_a_whole_message_in_a_short_link(project) -> None:  # noqa: ANN001
    """Through the CLI: the Pemberitahuan link of a row whose chronology opens with a 40 KB
    sentence is a link WhatsApp and a sheet cell take, with the message's end intact."""
    from .test_notify import add_rows
    from .test_pemberitahuan import tab
    from .test_smtp import cli

    sentence = " ".join(["Jalan desa rusak parah dan berlubang"] * 1200)  # ~43,000 characters, no full stop
    add_rows(project, f'2026/11/28 1:30:00 PM GMT+7,Wahyu Pratama,0813-1111-2222,,"{sentence}. Mohon diperbaiki.",,Gedeg / Gedeg\n')
    assert cli(project, "sync").returncode == 0
    row = next(r for r in tab(project, "Pemberitahuan")
               if r["Pelapor"] == "Wahyu Pratama" and r["Jenis"] == "Tanda terima")
    link = str(row["Tautan WhatsApp"])
    assert len(link) <= 2000
    text = parse_qs(urlsplit(link).query, strict_parsing=True)["text"][0]
    perihal = text.split("Perihal", 1)[1].split(":", 1)[1].split("\n", 1)[0].strip()
    assert perihal.startswith("Jalan desa rusak") and perihal.endswith("…") and len(perihal) <= 280
    assert perihal[:-1].split()[-1] in {"Jalan", "desa", "rusak", "parah", "dan", "berlubang"}  # a whole word
    assert "Hormat kami" in text and "nomor agenda" in text  # the message's end is not lost
