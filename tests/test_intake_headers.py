"""Header mapping: tolerant matching, duplicates, missing columns, ignored status columns."""

from __future__ import annotations

import pytest

from siapmas_sync.errors import HeaderError, SiapmasError
from siapmas_sync.core.intake.headers import QuestionTitles, column_letter, map_headers, normalise_title

T = QuestionTitles()
FORM = [
    "Timestamp",
    "Nama",
    "No. Tlp/WA",
    "E-mail",
    "Kronologi, Waktu dan Tempat",
    "Bukti Dukung",
]


def test_errors_carry_message_and_advice() -> None:
    err = HeaderError("pesan", "saran")
    assert isinstance(err, SiapmasError)
    assert str(err) == "pesan" and err.advice == "saran"
    assert SiapmasError("x").advice == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("No. Tlp/WA", "no tlp wa"),
        ("No. Tlp/WA (yang aktif)", "no tlp wa"),
        ("NO.TLP/WA", "no tlp wa"),
        ("  no  tlp / wa ", "no tlp wa"),
        ("E-MAIL (yang aktif)", "email"),
        ("Email", "email"),
        ("Kronologi, Waktu dan Tempat", "kronologi waktu dan tempat"),
        ("Bukti Dukung (Dokumen/Foto/Video)", "bukti dukung"),
        ("Nama (lengkap) [wajib]", "nama"),
        ("(yang aktif)", "yang aktif"),
    ],
)
def test_normalise_title(raw: str, expected: str) -> None:
    assert normalise_title(raw) == expected


def test_column_letter() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


def test_plain_form_header() -> None:
    m = map_headers(FORM, T)
    assert (m.timestamp, m.nama, m.telepon, m.email, m.kronologi, m.bukti) == (0, 1, 2, 3, 4, 5)
    assert m.email_pengumpul is None and m.extra == ()


def test_booklet_variants_indonesian_locale_and_collection_column() -> None:
    header = [
        "Stempel waktu",
        "Alamat email",
        "NAMA",
        "No. Tlp/WA (yang aktif)",
        "E-MAIL (yang aktif)",
        "kronologi,  waktu dan tempat",
        "Bukti Dukung (Dokumen/Foto/Video)",
    ]
    m = map_headers(header, T)
    assert (m.timestamp, m.email_pengumpul, m.nama, m.telepon, m.email, m.kronologi, m.bukti) == (
        0, 1, 2, 3, 4, 5, 6,
    )


def test_email_address_column_is_not_taken_for_email_question() -> None:
    # "Email Address" starts with "email" but is the form's own collection column.
    m = map_headers(["Timestamp", "Email Address", "Kronologi, Waktu dan Tempat"], T)
    assert m.email_pengumpul == 1 and m.email is None


def test_prefix_match_on_title_words() -> None:
    m = map_headers(["Timestamp", "Nama Lengkap", "Kronologi, Waktu dan Tempat Kejadian"], T)
    assert m.nama == 1 and m.kronologi == 2


def test_moved_columns_and_extras_in_sheet_order() -> None:
    header = ["Kecamatan", "Bukti Dukung", "Kronologi, Waktu dan Tempat", "Timestamp", "Umur", "Nama"]
    m = map_headers(header, T)
    assert (m.timestamp, m.kronologi, m.bukti, m.nama) == (3, 2, 1, 5)
    assert m.extra == ((0, "Kecamatan"), (4, "Umur"))


def test_ignored_status_columns_are_not_extra() -> None:
    header = FORM + ["No. Agenda", "Tahap", "Catatan Petugas", ""]
    m = map_headers(header, T, ignore=("No. Agenda", "TAHAP"))
    assert m.extra == ((8, "Catatan Petugas"), (9, "Kolom J"))


def test_missing_optional_columns_are_none() -> None:
    m = map_headers(["Timestamp", "Kronologi, Waktu dan Tempat"], T)
    assert (m.nama, m.telepon, m.email, m.bukti, m.email_pengumpul) == (None,) * 5


def test_duplicate_with_google_suffix_names_both_columns() -> None:
    header = FORM + ["No. Tlp/WA 2"]
    with pytest.raises(HeaderError) as exc:
        map_headers(header, T)
    msg = str(exc.value)
    assert "kolom C ('No. Tlp/WA')" in msg and "kolom G ('No. Tlp/WA 2')" in msg
    assert exc.value.advice


def test_duplicate_of_title_with_hint() -> None:
    header = ["Timestamp", "No. Tlp/WA (yang aktif)", "Kronologi, Waktu dan Tempat", "No. Tlp/WA (yang aktif) 2"]
    with pytest.raises(HeaderError, match="kolom D"):
        map_headers(header, T)


def test_duplicate_of_prefix_matched_title() -> None:
    with pytest.raises(HeaderError, match="dua kali"):
        map_headers(["Timestamp", "Nama Lengkap", "Kronologi, Waktu dan Tempat", "Nama Lengkap 2"], T)


def test_same_title_twice_exactly() -> None:
    with pytest.raises(HeaderError, match="lebih dari sekali"):
        map_headers(["Timestamp", "Stempel waktu", "Kronologi, Waktu dan Tempat"], T)


def test_ambiguous_prefix_match() -> None:
    with pytest.raises(HeaderError, match="beberapa kolom"):
        map_headers(["Timestamp", "Nama Depan", "Nama Belakang", "Kronologi, Waktu dan Tempat"], T)


def test_duplicate_of_unmapped_column_is_fine() -> None:
    m = map_headers(FORM + ["Alamat", "Alamat 2"], T)
    assert m.extra == ((6, "Alamat"), (7, "Alamat 2"))


def test_missing_required_suggests_close_headers() -> None:
    with pytest.raises(HeaderError) as exc:
        map_headers(["Timestamp", "Nama", "Kronologi Waktu Tempat"], T)
    assert "Mungkin maksudnya: 'Kronologi Waktu Tempat'?" in str(exc.value)
    assert "[form]" in exc.value.advice and "kronologi" in exc.value.advice


def test_missing_timestamp() -> None:
    with pytest.raises(HeaderError) as exc:
        map_headers(["Waktu", "Nama", "Kronologi, Waktu dan Tempat"], T)
    assert "Stempel waktu" in str(exc.value)
    assert "timestamp" in exc.value.advice


def test_custom_titles() -> None:
    titles = QuestionTitles(timestamp=("Waktu Kirim",), kronologi="Isi Laporan")
    m = map_headers(["Waktu kirim", "Isi laporan:"], titles)
    assert (m.timestamp, m.kronologi) == (0, 1)


def test_none_and_blank_header_cells() -> None:
    m = map_headers(["Timestamp", None, "Kronologi, Waktu dan Tempat"], T)  # type: ignore[list-item]
    assert m.extra == ((1, "Kolom B"),)
