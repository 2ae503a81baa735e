"""The booklet's four requirements as findings."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from siapmas_sync.core.intake.completeness import check_completeness
from siapmas_sync.core.models import CATATAN, KURANG, Evidence, Finding, Submission

WIB = ZoneInfo("Asia/Jakarta")
LINK = "https://drive.google.com/open?id=1AAA"
GOOD = Submission(
    key="k",
    content_hash="h",
    received_at=datetime(2026, 11, 28, 14, 5, 33, tzinfo=WIB),
    nama="Budi Santoso",
    telepon="+6285746741281",
    email="budi@gmail.com",
    kronologi=(
        "Aktivitas tambang liar galian C semakin marak di Dusun Sugianyar, Desa Mojorejo, "
        "Kecamatan Kemlagi sejak Oktober 2026."
    ),
    bukti_urls=(LINK,),
)
FOUND = [Evidence(url=LINK, drive_id="1AAA", name="a.jpg", found=True)]


def codes(findings: tuple[Finding, ...]) -> list[tuple[str, str]]:
    return [(f.code, f.severity) for f in findings]


def test_complete_submission_has_no_findings() -> None:
    assert check_completeness(GOOD, FOUND) == ()


@pytest.mark.parametrize("nama", ["", "-", "Anonim", "ANONIM", "x", "B.", "Hamba Allah", "123", "  --  "])
def test_unclear_identity(nama: str) -> None:
    findings = check_completeness(replace(GOOD, nama=nama), FOUND)
    assert findings == (Finding("identitas", "Identitas pelapor (nama) belum jelas", KURANG),)


def test_short_real_names_are_fine() -> None:
    assert check_completeness(replace(GOOD, nama="Ed"), FOUND) == ()


def test_no_contact() -> None:
    sub = replace(GOOD, telepon="", email="")
    assert codes(check_completeness(sub, FOUND)) == [("kontak", KURANG)]


def test_invalid_contacts_only() -> None:
    sub = replace(
        GOOD,
        telepon="12",
        email="budi@",
        findings=(
            Finding("telepon", "Nomor telepon/WA tidak valid: 12", KURANG),
            Finding("email", "Alamat e-mail tidak valid: budi@", KURANG),
        ),
    )
    assert codes(check_completeness(sub, FOUND)) == [("kontak", KURANG), ("telepon", KURANG), ("email", KURANG)]


def test_invalid_secondary_channel_is_only_a_note() -> None:
    sub = replace(GOOD, email="budi@", findings=(Finding("email", "Alamat e-mail tidak valid: budi@", KURANG),))
    assert codes(check_completeness(sub, FOUND)) == [("email", CATATAN)]


def test_collected_form_email_counts_as_contact() -> None:
    sub = replace(GOOD, telepon="", email="", email_pengumpul="budi@gmail.com")
    assert check_completeness(sub, FOUND) == ()


@pytest.mark.parametrize("kronologi", ["", "Jalan rusak", "tolong dibantu pak segera ya", "Jalan rusak parah sejak 2025"])
def test_short_or_missing_chronology(kronologi: str) -> None:
    findings = check_completeness(replace(GOOD, kronologi=kronologi), FOUND)
    assert codes(findings) == [("kronologi", KURANG)]
    assert "minimal 5 kata" in findings[0].message


def test_chronology_without_time_or_place_hint_is_a_note() -> None:
    sub = replace(GOOD, kronologi="Tolong perhatikan masalah yang sangat mengganggu warga kami semua ini")
    (f,) = check_completeness(sub, FOUND)
    assert (f.code, f.severity) == ("kronologi", CATATAN)
    assert f.message == "Kronologi belum menyebutkan waktu dan tempat kejadian"
    sub = replace(GOOD, kronologi="Sejak Senin kemarin sampah menumpuk dan bau menyengat sekali")
    (f,) = check_completeness(sub, FOUND)
    assert f.message == "Kronologi belum menyebutkan tempat kejadian"


@pytest.mark.parametrize("bukti", [(), ("-",), ("ada di WA saya",)])
def test_no_evidence(bukti: tuple[str, ...]) -> None:
    sub = replace(GOOD, bukti_urls=bukti)
    ev = [Evidence(url=b) for b in bukti]
    assert codes(check_completeness(sub, ev)) == [("bukti", KURANG)]


def test_linked_but_not_found_evidence_is_not_missing_evidence() -> None:
    # the locator reports "bukti_hilang"; completeness does not call it "bukti" KURANG
    assert check_completeness(GOOD, [Evidence(url=LINK, drive_id="1AAA")]) == ()
    assert check_completeness(GOOD, []) == ()


def test_parse_findings_included_deduplicated_and_ordered() -> None:
    waktu = Finding("waktu", "Stempel waktu berada di masa depan", CATATAN)
    sub = replace(GOOD, nama="-", bukti_urls=(), findings=(waktu, waktu, Finding("zzz", "lain", CATATAN)))
    findings = check_completeness(sub, [])
    assert [f.code for f in findings] == ["identitas", "bukti", "waktu", "zzz"]
    assert check_completeness(sub, []) == findings  # stable
