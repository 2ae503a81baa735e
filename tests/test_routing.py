"""Routing suggestion: the default table, matching rules, ties, config errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from siapmas_sync.errors import ConfigError
from siapmas_sync.core.routing import (
    RoutingEntry,
    RoutingTable,
    default_routing_table,
    load_routing_table,
    suggest_routing,
)

REPO = Path(__file__).resolve().parent.parent
SEED = Path("/work/shared/seeds/000_90da834885bac9dc.txt")
# The booklet's own example ("Contoh: Kronologi, Waktu dan Tempat"), verbatim.
BOOKLET_EXAMPLE = (
    "Aktivitas tambang liar galian C semakin marak di wilayah hukum Mojokerto, hal itu terjadi "
    "nyata terlihat di Dusun Sugianyar, Desa Mojorejo, Kecamatan Kemlagi, Kabupaten Mojokerto. "
    "Para penambang itu nekat beroperasi meski diduga izin tambang mereka belum lengkap. "
    "Meskipun mereka memiliki izin Wilayah Ijin Usaha Pertambangan (WIUP) dan izin Eksplorasi, "
    "namun mereka belum memiliki izin Usaha Pertambangan Operasional (IUP-OP)."
)


@pytest.fixture(scope="module")
def table() -> RoutingTable:
    return default_routing_table()


def test_shipped_copy_identical_to_config_copy() -> None:
    config_copy = (REPO / "config" / "routing.toml").read_bytes()
    package_copy = (REPO / "siapmas_sync" / "defaults" / "routing.toml").read_bytes()
    assert config_copy == package_copy
    assert load_routing_table(REPO / "config" / "routing.toml") == default_routing_table()


def test_default_table_shape(table: RoutingTable) -> None:
    assert [e.kode for e in table.tujuan] == ["Komisi I", "Komisi II", "Komisi III", "Komisi IV", "Badan Kehormatan"]
    assert table.tujuan[2].label == "Komisi III – Pembangunan & Lingkungan"
    assert (table.fallback_tujuan, table.fallback_label) == ("Pimpinan/Bamus", "Pimpinan DPRD / Badan Musyawarah")


def test_booklet_example_routes_to_komisi_iii(table: RoutingTable) -> None:
    if SEED.exists():  # the same text as in the seed booklet
        assert " ".join(BOOKLET_EXAMPLE.split()) in " ".join(SEED.read_text(encoding="utf-8").split())
    s = suggest_routing(BOOKLET_EXAMPLE, table)
    assert s.tujuan == "Komisi III"
    assert s.label == "Komisi III – Pembangunan & Lingkungan"
    assert {"galian c", "tambang", "penambang"} <= set(s.matched)
    assert s.alasan == ""


@pytest.mark.parametrize(
    ("text", "tujuan"),
    [
        ("Kades kami tidak transparan soal dana desa", "Komisi I"),
        ("Pengurusan KTP dan KK di kecamatan lama sekali", "Komisi I"),
        ("Harga pupuk subsidi naik, petani kesulitan", "Komisi II"),
        ("Jalan rusak dan berlubang di Jl. Raya Kemlagi, banyak yang jatuh", "Komisi III"),
        ("Jalan-rusak parah", "Komisi III"),
        ("Sampah menumpuk dan limbah pabrik mencemari sungai", "Komisi III"),
        ("Anak saya ditolak PPDB zonasi di sekolah negeri", "Komisi IV"),
        ("Pelayanan puskesmas buruk, kartu BPJS ditolak", "Komisi IV"),
        ("Oknum anggota dewan berperilaku tidak sesuai kode etik", "Badan Kehormatan"),
        # a member's conduct goes to BK whatever else it mentions (four project words outscore one)
        ("Oknum anggota dewan meminta fee proyek jalan rusak, jembatan dan drainase", "Badan Kehormatan"),
        ("Anggota DPRD meminta jatah proyek PJU di desa kami", "Badan Kehormatan"),
        ("Etika anggota dewan saat reses: memaki warga soal banjir dan irigasi", "Badan Kehormatan"),
        ("Upah di bawah UMK dan terjadi PHK sepihak", "Komisi IV"),
        ("Pupuknya langka di desa kami", "Komisi II"),  # enclitic -nya
    ],
)
def test_typical_reports(table: RoutingTable, text: str, tujuan: str) -> None:
    assert suggest_routing(text, table).tujuan == tujuan


def test_whole_words_only(table: RoutingTable) -> None:
    # "pasar" must not match "pasaran", "umk" not "umkm", "kk" not "kkn" ...
    s = suggest_routing("Kami mendesak agar harga pasaran tidak dimainkan", table)
    assert "pasar" not in s.matched
    assert suggest_routing("bantuan UMKM", table).matched == ("umkm",)


def test_no_match_falls_back(table: RoutingTable) -> None:
    s = suggest_routing("Terima kasih atas pelayanannya", table)
    assert (s.tujuan, s.label, s.matched) == ("Pimpinan/Bamus", "Pimpinan DPRD / Badan Musyawarah", ())
    assert s.alasan == "Tidak ada kata kunci yang cocok"
    assert suggest_routing("", table).alasan == "Tidak ada kata kunci yang cocok"


def test_tie_falls_back_with_reason(table: RoutingTable) -> None:
    s = suggest_routing("Kades menutup jalan rusak", table)
    assert s.tujuan == "Pimpinan/Bamus"
    assert s.alasan == "Cocok dengan beberapa komisi: Komisi I, Komisi III"
    assert set(s.matched) == {"kades", "jalan rusak"}


def test_score_counts_distinct_keywords() -> None:
    t = RoutingTable(
        (RoutingEntry("A", "A", ("banjir",)), RoutingEntry("B", "B", ("sekolah", "guru"))),
        "F",
        "Fallback",
    )
    assert suggest_routing("banjir banjir banjir di sekolah", t).tujuan == "F"  # 1 vs 1: tie
    assert suggest_routing("banjir di sekolah, guru mengungsi", t).tujuan == "B"


def test_priority_tujuan_wins_on_one_match() -> None:
    t = RoutingTable(
        (RoutingEntry("A", "A", ("proyek", "jalan rusak", "jembatan")), RoutingEntry("BK", "BK", ("oknum dewan",), True),
         RoutingEntry("C", "C", ("etika",), True)),
        "F", "Fallback",
    )
    assert suggest_routing("proyek jalan rusak dan jembatan", t).tujuan == "A"
    s = suggest_routing("oknum dewan minta fee proyek jalan rusak dan jembatan", t)
    assert (s.tujuan, s.matched) == ("BK", ("oknum dewan",))
    # two priority tujuan tie: the officials decide (fallback), as any tie
    assert suggest_routing("etika oknum dewan", t).tujuan == "F"


def test_priority_flag_from_toml(tmp_path: Path) -> None:
    t = load_routing_table(write(tmp_path, GOOD + 'prioritas = true\n'))
    assert t.tujuan[0].prioritas is True
    with pytest.raises(ConfigError, match="tujuan\\[1\\].prioritas"):
        load_routing_table(write(tmp_path, GOOD + 'prioritas = "ya"\n'))


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "rute.toml"
    p.write_text(text, encoding="utf-8")
    return p


GOOD = """
fallback = { tujuan = "Pimpinan/Bamus", label = "Pimpinan" }
[[tujuan]]
kode = "Komisi X"
label = "Komisi X – Uji"
kata_kunci = ["Banjir", "Jalan  Rusak"]
"""


def test_load_custom_table(tmp_path: Path) -> None:
    t = load_routing_table(write(tmp_path, GOOD))
    assert t.tujuan[0].kata_kunci == ("banjir", "jalan rusak")
    assert suggest_routing("JALAN RUSAK lagi", t).tujuan == "Komisi X"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (GOOD.replace('fallback = { tujuan = "Pimpinan/Bamus", label = "Pimpinan" }', ""), "fallback"),
        (GOOD.replace('tujuan = "Pimpinan/Bamus"', 'tujuan = ""'), "fallback.tujuan"),
        (GOOD.replace('kata_kunci = ["Banjir", "Jalan  Rusak"]', "kata_kunci = []"), "tujuan[1].kata_kunci"),
        (GOOD.replace('"Jalan  Rusak"', "3"), "tujuan[1].kata_kunci[2]"),
        (GOOD.replace('kode = "Komisi X"', "kode = 1"), "tujuan[1].kode"),
        (GOOD.replace("kata_kunci", "kata_kuncii"), "tujuan[1].kata_kuncii"),
        (GOOD + GOOD.split("\n", 2)[2], "tujuan[2].kode"),  # duplicate kode
        ('fallback = { tujuan = "F" }\n', "tujuan"),
        ("komisi = 1\n" + GOOD, "komisi"),
        (GOOD + "\nkomisi = 1\n", "tujuan[1].komisi"),
    ],
)
def test_bad_shape_names_file_and_key(tmp_path: Path, text: str, key: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_routing_table(path)
    assert str(path) in str(exc.value)
    assert f"'{key}'" in str(exc.value)
    assert exc.value.advice


def test_unreadable_or_invalid_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="tidak dapat dibaca"):
        load_routing_table(tmp_path / "tidak-ada.toml")
    with pytest.raises(ConfigError, match="bukan TOML"):
        load_routing_table(write(tmp_path, "fallback = {"))
