"""Phone and e-mail normalisation, and masking for logs."""

from __future__ import annotations

import pytest

from siapmas_sync.core.intake.contact import check_email, mask_email, mask_phone, normalise_phone
from siapmas_sync.logs import mask_contact_value
from siapmas_sync.core.models import KURANG


@pytest.mark.parametrize(
    "raw",
    [
        "0857 4674 1281",
        "085746741281",
        "+62 857-4674-1281",
        "+6285746741281",
        "62857 4674 1281",
        "6285746741281",
        "85746741281",  # lost its leading 0 in a spreadsheet
        85746741281,
        85746741281.0,
        "0857-4674-1281 (WA)",
        "WA: 0857.4674.1281",
        " 0857 4674 1281\u00a0",
        "0857 4674 1281 / 0812 3456 7890",  # first valid number is taken
    ],
)
def test_phone_forms(raw: object) -> None:
    assert normalise_phone(raw) == ("+6285746741281", None)


def test_landline_and_foreign_numbers() -> None:
    assert normalise_phone("(0321) 321456")[0] == "+62321321456"
    assert normalise_phone("+60 12-345 6789") == ("+60123456789", None)


@pytest.mark.parametrize("raw", ["12345", "0857", "nomor saya rahasia", "0000000000000000000000", "08123abc"])
def test_invalid_phone(raw: str) -> None:
    value, finding = normalise_phone(raw)
    assert value == raw.strip()
    assert finding is not None and finding.code == "telepon" and finding.severity == KURANG
    # the value is quoted masked: the note is shown beyond the reporter's own cells
    assert finding.message == f"Nomor telepon/WA tidak valid: {mask_contact_value(raw.strip())}"


@pytest.mark.parametrize("raw", ["", "   ", None, "-", "—", "tidak ada", float("nan")])
def test_empty_phone(raw: object) -> None:
    assert normalise_phone(raw) == ("", None)


def test_email_valid_and_normalised() -> None:
    assert check_email("budi.santoso@gmail.com") == ("budi.santoso@gmail.com", None)
    assert check_email("  Budi@GMAIL.com ") == ("Budi@gmail.com", None)
    assert check_email("mailto:warga@mojokertokab.go.id") == ("warga@mojokertokab.go.id", None)
    assert check_email("pengadu@bücher.example")[1] is None  # internationalised domain


@pytest.mark.parametrize("raw", ["budi@", "budi gmail.com", "budi@gmail", "budi@@gmail.com", "a@b..com", "0857 4674 1281"])
def test_email_invalid(raw: str) -> None:
    value, finding = check_email(raw)
    assert value == raw
    assert finding is not None and finding.code == "email" and finding.severity == KURANG
    assert "tidak valid" in finding.message


@pytest.mark.parametrize("raw", ["", None, "-", "  "])
def test_email_empty(raw: object) -> None:
    assert check_email(raw) == ("", None)


def test_masking() -> None:
    assert mask_phone("+6285746741281") == "+62857****1281"
    assert mask_phone("") == ""
    assert "12345" not in mask_phone("12345")
    assert mask_email("budi@gmail.com") == "b***@gmail.com"
    assert mask_email("") == ""
    assert mask_email("not-an-email") == "***"
