"""parse_responses: rows to Submissions, stable keys, bad rows reported, never a crash."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siapmas_sync.errors import HeaderError
from siapmas_sync.core.intake.headers import QuestionTitles
from siapmas_sync.core.intake.rows import ParseOptions, ResponseParser, cell_text, parse_responses, split_bukti
from siapmas_sync.core.models import CATATAN, KURANG

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 11, 28, 15, 0, tzinfo=WIB)
OPTS = ParseOptions(titles=QuestionTitles(), tz=WIB, now=NOW, ignore_titles=("No. Agenda", "Tahap"))
HEADER = [
    "Stempel waktu",
    "Nama",
    "No. Tlp/WA (yang aktif)",
    "E-MAIL (yang aktif)",
    "Kronologi, Waktu dan Tempat",
    "Bukti Dukung (Dokumen/Foto/Video)",
]
KRONOLOGI = (
    "Aktivitas tambang liar galian C semakin marak di Dusun Sugianyar, Desa Mojorejo,\n"
    "Kecamatan Kemlagi sejak Oktober 2026."
)
ROW = [
    "28/11/2026 14.05.33",
    "Budi Santoso",
    "0857 4674 1281",
    "budi@gmail.com",
    KRONOLOGI,
    "https://drive.google.com/open?id=1AAA, https://drive.google.com/open?id=1BBB",
]


def parse(header: list[str], rows: list[list[object]], opts: ParseOptions = OPTS):  # noqa: ANN201
    return parse_responses(header, rows, opts)


def test_good_row() -> None:
    subs, errors = parse(HEADER, [ROW])
    assert errors == []
    (s,) = subs
    assert s.received_at == datetime(2026, 11, 28, 14, 5, 33, tzinfo=WIB)
    assert s.nama == "Budi Santoso"
    assert s.telepon == "+6285746741281"
    assert s.email == "budi@gmail.com"
    assert s.kronologi == KRONOLOGI  # internal line break kept
    assert s.bukti_urls == ("https://drive.google.com/open?id=1AAA", "https://drive.google.com/open?id=1BBB")
    assert s.findings == ()
    assert s.source_row == 2
    expected_key = hashlib.sha256(
        "\x1f".join(["2026-11-28T07:05:33Z", "Budi Santoso", "0857 4674 1281", "budi@gmail.com",
                     KRONOLOGI, ROW[5]]).encode()
    ).hexdigest()
    assert s.key == expected_key
    assert len(s.content_hash) == 64 and s.content_hash != s.key


def test_keys_survive_moved_columns_extra_columns_and_row_order() -> None:
    (a,), _ = parse(HEADER, [ROW])
    order = [4, 0, 5, 2, 1, 3]
    header2 = ["Kecamatan"] + [HEADER[i] for i in order] + ["No. Agenda"]
    other = list(ROW)
    other[0] = "27/11/2026 08.00.00"
    rows2 = [["Sooko"] + [other[i] for i in order] + ["0002/SIAPMAS/2026"],
             ["Kemlagi"] + [ROW[i] for i in order] + ["0001/SIAPMAS/2026"]]
    subs, errors = parse(header2, rows2)
    assert errors == []
    b = subs[1]
    assert (b.key, b.content_hash) == (a.key, a.content_hash)
    assert b.extra == (("Kecamatan", "Kemlagi"),)  # the ignored status column is not extra
    assert b.source_row == 3


def test_key_independent_of_timestamp_representation() -> None:
    (a,), _ = parse(HEADER, [ROW])
    serial = (date(2026, 11, 28) - date(1899, 12, 30)).days + (14 * 3600 + 5 * 60 + 33) / 86400
    for ts in (datetime(2026, 11, 28, 14, 5, 33), serial, "2026/11/28 2:05:33 PM GMT+7"):
        (b,), _ = parse(HEADER, [[ts] + ROW[1:]])
        assert b.key == a.key


def test_content_hash_ignores_timestamp_case_spacing_and_phone_format() -> None:
    (a,), _ = parse(HEADER, [ROW])
    resubmitted = ["28/11/2026 14.09.00", "  budi  SANTOSO ", "+62 857-4674-1281", "BUDI@gmail.com",
                   KRONOLOGI.replace("\n", " "), ROW[5]]
    (b,), _ = parse(HEADER, [resubmitted])
    assert b.content_hash == a.content_hash and b.key != a.key


def test_bad_row_reported_good_rows_proceed() -> None:
    bad = ["31/02/2026 10.00.00"] + ROW[1:]
    empty_ts = [""] + ROW[1:]
    rows = [ROW, [], bad, ["", "", None], empty_ts, ["29/11/2026 08.00.00"] + ROW[1:]]
    subs, errors = parse(HEADER, rows)
    assert [s.source_row for s in subs] == [2, 7]
    assert [e.row for e in errors] == [4, 6]
    assert errors[0].message == (
        "Baris 4: Stempel waktu '31/02/2026 10.00.00' tidak dapat dibaca "
        "(format tanggal DD/MM/YYYY; tanggal 31 pada bulan 2 tahun 2026 tidak ada)"
    )
    assert errors[1].message.startswith("Baris 6: Stempel waktu kosong")


def test_month_first_sheet_reports_impossible_dates() -> None:
    opts = ParseOptions(titles=QuestionTitles(), tz=WIB, day_first=False, now=NOW)
    subs, errors = parse_responses(HEADER, [ROW], opts, first_row_number=7)
    assert subs == [] and len(errors) == 1
    assert "Baris 7" in errors[0].message and "MM/DD/YYYY" in errors[0].message


def test_identical_rows_returned_once() -> None:
    subs, errors = parse(HEADER, [ROW, list(ROW)])
    assert len(subs) == 1 and errors == []


def test_rows_the_ledger_knows_are_identified_but_not_parsed_again() -> None:
    from dataclasses import replace

    other = list(ROW)
    other[1] = "Siti Aminah"
    (full, full_other), _ = parse(HEADER, [ROW, other])
    parser = ResponseParser(HEADER, replace(OPTS, known=frozenset({full.key})))
    for row in (ROW, other, list(ROW)):
        parser.feed(row)
    assert parser.errors == []
    assert parser.known == {full.key: 2}  # identified by its key, at its first row; the ledger holds the rest
    assert parser.submissions == [full_other]  # an unknown row is parsed in full, as before


def test_ragged_rows_are_padded_and_status_only_rows_are_blank() -> None:
    header = HEADER + ["No. Agenda"]
    short = ["28/11/2026 14.05.33", "Siti"]
    status_only = ["", "", "", "", "", "", "0009/SIAPMAS/2026"]
    subs, errors = parse(header, [short, status_only])
    assert errors == []
    (s,) = subs
    assert (s.nama, s.telepon, s.email, s.kronologi, s.bukti_urls) == ("Siti", "", "", "", ())


def test_header_problems_raise() -> None:
    with pytest.raises(HeaderError):
        parse(["Stempel waktu", "Nama"], [ROW])


def test_phone_number_cells_and_parse_findings() -> None:
    row = ["28/11/2026 14.05.33", "Budi", 85746741281.0, "budi@", KRONOLOGI, ""]
    (s,), _ = parse(HEADER, [row])
    assert s.telepon == "+6285746741281"
    assert s.email == "budi@"
    assert [(f.code, f.severity) for f in s.findings] == [("email", KURANG)]
    (s2,), _ = parse(HEADER, [["28/11/2026 14.05.33", "Budi", "12", "", KRONOLOGI, ""]])
    assert [f.code for f in s2.findings] == ["telepon"]


def test_future_timestamp_is_a_note() -> None:
    (s,), errors = parse(HEADER, [["30/11/2026 14.05.33"] + ROW[1:]])
    assert errors == []
    assert [(f.code, f.severity) for f in s.findings] == [("waktu", CATATAN)]
    (ok,), _ = parse(HEADER, [["29/11/2026 10.00.00"] + ROW[1:]])  # within one day
    assert ok.findings == ()


def test_text_cleaning() -> None:
    assert cell_text(85746741281.0) == "85746741281"
    assert cell_text(3) == "3" and cell_text(2.5) == "2.5"
    assert cell_text(float("nan")) == "" and cell_text(None) == ""
    assert cell_text("  a\r\nb\rc\x00d  ") == "a\nb\ncd"
    assert cell_text("x\ud800y") == "x\ufffdy"
    assert cell_text("😀 “kutip”") == "😀 “kutip”"
    assert cell_text(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02 03:04:05"
    assert cell_text(True) == "TRUE"


def test_split_bukti() -> None:
    cell = "https://a/open?id=1, https://b/open?id=2\nhttps://a/open?id=1,,\n https://c "
    assert split_bukti(cell) == ("https://a/open?id=1", "https://b/open?id=2", "https://c")
    assert split_bukti("") == ()


def test_nul_and_surrogates_in_cells_do_not_break_keys() -> None:
    row = ["28/11/2026 14.05.33", "Bu\x00di\ud83d", "", "", "Kronologi\udc00 panjang sekali", ""]
    (s,), errors = parse(HEADER, [row])
    assert errors == [] and s.nama == "Budi\ufffd"
    s.key.encode("ascii")
    s.kronologi.encode("utf-8")


def test_extra_columns_in_sheet_order_only_when_filled() -> None:
    header = ["Alamat"] + HEADER + ["Umur"]
    (s,), _ = parse(header, [["Jl. Raya 1"] + ROW + [""]])
    assert s.extra == (("Alamat", "Jl. Raya 1"),)


# --- property: a bad cell never raises -------------------------------------------------

_cell = st.one_of(
    st.none(),
    st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=40),
    st.sampled_from(["28/11/2026 14.05.33", "2026/11/28 2:05:33 PM GMT+7", "31/02/2026", "-", " ", "0857"]),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(),
    st.dates(),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(_cell, max_size=9), max_size=8))
def test_parse_never_raises_for_arbitrary_cells(rows: list[list[object]]) -> None:
    subs, errors = parse(HEADER + ["Tambahan"], rows)
    assert len(subs) + len(errors) <= len(rows)
    for s in subs:
        for text in (s.nama, s.telepon, s.email, s.kronologi, *s.bukti_urls):
            text.encode("utf-8")  # no lone surrogates survive
            assert "\x00" not in text
        assert s.received_at.tzinfo is not None
    for e in errors:
        assert e.message.startswith(f"Baris {e.row}")


_title = st.one_of(
    st.sampled_from(HEADER + ["Timestamp", "Nama 2", "Email Address", "No. Agenda", ""]),
    st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=30),
    st.none(),
)


@settings(max_examples=200, deadline=None)
@given(header=st.lists(_title, max_size=10), rows=st.lists(st.lists(_cell, max_size=10), max_size=4))
def test_only_header_errors_escape_for_arbitrary_headers(header: list[object], rows: list[list[object]]) -> None:
    try:
        subs, errors = parse(header, rows)  # type: ignore[arg-type]
    except HeaderError as exc:
        assert str(exc) and exc.advice
    else:
        assert len(subs) + len(errors) <= len(rows)
