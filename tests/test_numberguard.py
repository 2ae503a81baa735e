"""An agenda number is never given twice, whatever happened to the machine: a fresh or an
old ledger against a numbered sheet numbers nothing until `recover`; a ledger serves the
one sheet it was first used with; `recover` restores times and says what it lost."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta

from siapmas_sync.core.kendali_sheet import KENDALI_TAB
from hypothesis import given, settings
from hypothesis import strategies as st

from siapmas_sync.numbering.guard import ShownNumbers, agenda_pattern, check_shown, read_number

from .conftest import Clock
from .test_contract import response
from .test_engine import pdf_text, run_cli
from .worlds import SA_EMAIL, HEADER, World, rows_as_dicts

PATTERN = agenda_pattern("{seq:04d}/SIAPMAS/{year}", "000.8.3.4", "416-050")


def db_files(world: World) -> list:
    return [p for p in (world.tmp / "var").glob("siapmas.db*") if not p.name.endswith((".lock", ".info"))]


def lose_ledger(world: World) -> None:
    """The disk was replaced: the database is gone (documents and sheet are not)."""
    world.close()
    for p in db_files(world):
        p.unlink()


def status_json(world: World) -> dict[str, dict]:
    r = run_cli(world.config, "status", "--json")
    assert r.returncode == 0, r.stderr
    return {i["agenda"]: i for i in json.loads(r.stdout)}


def sheet_numbers(world: World) -> list[str]:
    return [r["No. Agenda"] for r in world.responses()]


# --- the pure check -------------------------------------------------------------------

def test_the_check_flags_numbers_above_the_counter_and_floors_each_year():
    shown = ShownNumbers()
    for t in ("0001/SIAPMAS/2026", "0007/SIAPMAS/2026", "0002/SIAPMAS/2025", "catatan staf", "12/ABC/2026"):
        shown.add(t)
    shown.numbered_rows.append((9, "0001/SIAPMAS/2026"))
    check = check_shown(shown, PATTERN, {2026: 3, 2025: 2})
    assert check.unknown == {2026: [7]}
    assert check.floors == {2026: 7, 2025: 2}
    assert check.changed_rows == [(9, "0001/SIAPMAS/2026")]
    err = check.refusal({2026: 3})
    assert err is not None and "recover" in err.advice and "0007" not in str(err) and "7" in str(err)
    assert check_shown(shown, PATTERN, {2026: 7, 2025: 2}).refusal({2026: 7}) is None


# --- defect 1: a fresh ledger against a numbered sheet ----------------------------------

def test_a_fresh_ledger_numbers_nothing_until_recover(world: World, clock: Clock):
    world.add_responses([response(i, f"Warga {i}") for i in range(3)])
    world.engine().cycle()
    buku_before = rows_as_dicts(world.tab("Buku Agenda"))
    lose_ledger(world)
    world.add_responses([response(30, "Warga baru", "Sampah menumpuk di pasar Mojosari sejak dua minggu lalu.")])

    r = run_cli(world.config, "sync")
    assert r.returncode == 2
    assert "GALAT:" in r.stderr and "Saran:" in r.stderr and "siapmas-sync recover" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    # nothing assigned, nothing written: the sheet still shows what it showed
    numbers = sheet_numbers(world)
    assert numbers[:3] == ["0001/SIAPMAS/2026", "0002/SIAPMAS/2026", "0003/SIAPMAS/2026"]
    assert not any(numbers[3:])
    assert rows_as_dicts(world.tab("Buku Agenda")) == buku_before

    r = run_cli(world.config, "recover")
    assert r.returncode == 0, r.stderr
    assert "Dipulihkan: 3 butir" in r.stdout and "2026: 3" in r.stdout
    r = run_cli(world.config, "sync", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["new"] == ["0004/SIAPMAS/2026"]
    numbers = sheet_numbers(world)
    assert numbers == ["0001/SIAPMAS/2026", "0002/SIAPMAS/2026", "0003/SIAPMAS/2026", "0004/SIAPMAS/2026"]
    assert [b["No. Agenda"] for b in rows_as_dicts(world.tab("Buku Agenda"))] == numbers


def test_an_old_backup_put_back_keeps_every_number_the_sheet_shows(world: World, clock: Clock):
    world.add_responses([response(i, f"Warga {i}") for i in range(2)])
    world.engine().cycle()
    world.close()
    backup = world.tmp / "backup.db"
    shutil.copy(world.tmp / "var" / "siapmas.db", backup)  # a backup taken while closed

    world.add_responses([response(10 + i, f"Warga {10 + i}", f"Lampu PJU mati di dusun {i}, gelap dan rawan.") for i in range(2)])
    clock.now += timedelta(minutes=3)
    world.engine().cycle()
    world.edit(KENDALI_TAB, "0003/SIAPMAS/2026", Tahap="PARAF KASUBAG TU", Oleh="Kasubag TU")
    clock.now += timedelta(minutes=7)
    world.engine().cycle()
    before = status_json(world)
    assert before["0003/SIAPMAS/2026"]["stage"] == "PARAF KASUBAG TU"

    lose_ledger(world)
    shutil.copy(backup, world.tmp / "var" / "siapmas.db")  # the old backup put back
    r = run_cli(world.config, "sync")
    assert r.returncode == 2 and "siapmas-sync recover" in r.stderr
    assert "2026: nomor 3, 4" in r.stderr

    r = run_cli(world.config, "recover")
    assert r.returncode == 0, r.stderr
    assert "Dipulihkan: 2 butir" in r.stdout
    after = status_json(world)
    for agenda, item in before.items():
        assert (after[agenda]["stage"], after[agenda]["registered_at"][:16], after[agenda]["key"]) == \
            (item["stage"], item["registered_at"][:16], item["key"]), agenda

    world.add_responses([response(90, "Warga 90", "Drainase tersumbat di Jalan Raya Mojosari, banjir setiap hujan.")])
    r = run_cli(world.config, "sync", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["new"] == ["0005/SIAPMAS/2026"]
    riwayat = rows_as_dicts(world.tab("Riwayat"))
    ids = [int(float(r["ID"])) for r in riwayat]
    assert len(ids) == len(set(ids))  # the history kept its ids: no row written twice


# --- defect 2: one ledger, one sheet --------------------------------------------------------

def test_a_ledger_refuses_another_sheet_until_rebound(world: World):
    world.add_responses([response(0, "Ani")])
    world.engine().cycle()
    world.close()
    text = world.config.read_text(encoding="utf-8")
    if world.name == "google":
        other = world.standin.create_spreadsheet("Salinan", {world.response_tab: [HEADER]},
                                                 share_with=[(SA_EMAIL, "writer")])
        world.config.write_text(text.replace(world.sid, other), encoding="utf-8")
    else:
        world.config.write_text(text.replace('register = "var/register.xlsx"', 'register = "lain/register.xlsx"'),
                                encoding="utf-8")
    r = run_cli(world.config, "sync")
    assert r.returncode == 2 and "GALAT:" in r.stderr and "Saran:" in r.stderr
    assert "bukan" in r.stderr and "rebind" in r.stderr and "Traceback" not in r.stderr
    if world.name == "google":
        assert world.standin.get_values(other, world.response_tab) == [HEADER]  # untouched
    else:
        assert not (world.tmp / "lain").exists()

    r = run_cli(world.config, "rebind")
    assert r.returncode == 0 and "kini melayani" in r.stdout
    r = run_cli(world.config, "sync", "--json")
    assert r.returncode == 0, r.stderr  # the moved sheet is served; nothing numbered twice
    assert json.loads(r.stdout)["new"] == []


# --- defect 4: recover says what it lost, documents unchanged --------------------------------

def test_recover_restores_times_and_documents_and_lists_what_is_lost(world: World, clock: Clock):
    world.add_responses([response(i, f"Warga {i}") for i in range(2)])
    world.engine().cycle()
    world.edit(KENDALI_TAB, "0001/SIAPMAS/2026", Tahap="PARAF KASUBAG TU", Oleh="Kasubag TU", Catatan="Segera diproses")
    clock.now += timedelta(minutes=4)
    world.engine().cycle()
    world.close()
    out = world.tmp / "var" / "output" / "2026"
    texts = {p.relative_to(out): pdf_text(p) for p in sorted(out.glob("*/*.pdf"))}
    assert len(texts) == 6
    # a step recorded from the command line after the last write-back
    r = run_cli(world.config, "advance", "0001", "PARAF KABAG", "--by", "Kasubag TU")
    assert r.returncode == 0, r.stderr

    lose_ledger(world)
    shutil.rmtree(out)  # and the documents: they are rendered again from what was restored
    r = run_cli(world.config, "recover")
    assert r.returncode == 0, r.stderr
    assert "Yang hilang" in r.stdout and "Langkah yang dicatat setelah" in r.stdout
    r = run_cli(world.config, "sync")
    assert r.returncode == 0, r.stderr
    again = {p.relative_to(out): pdf_text(p) for p in sorted(out.glob("*/*.pdf"))}
    assert again == texts  # same dates, same stage, same words


def test_recover_force_keeps_steps_the_sheet_never_received(world: World, clock: Clock):
    world.add_responses([response(0, "Ani")])
    world.engine().cycle()
    world.close()
    r = run_cli(world.config, "advance", "0001", "PARAF KASUBAG TU", "--by", "Kasubag TU")
    assert r.returncode == 0, r.stderr
    r = run_cli(world.config, "recover", "--force")
    assert r.returncode == 0, r.stderr
    assert "dari basis data lama" in r.stdout
    show = json.loads(run_cli(world.config, "show", "0001", "--json").stdout)
    assert show["stage"] == "PARAF KASUBAG TU"
    assert [h["actor"] for h in show["history"] if h["to"] == "PARAF KASUBAG TU" and h["event"] != "DIPULIHKAN"] == ["Kasubag TU"]


def test_a_numbered_row_whose_answers_changed_is_not_numbered_again(world: World):
    if world.name == "local":
        return  # the local export is the form's own copy: an edited answer arrives as a new row
    world.add_responses([response(0, "Ani")])
    world.engine().cycle()
    world.close()
    values = world.tab(world.response_tab)
    values[1][4] = "Isi kronologi diubah oleh staf setelah diberi nomor."
    world.put_tab(world.response_tab, values)
    r = run_cli(world.config, "sync", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["new"] == []
    assert any("sudah bernomor 0001/SIAPMAS/2026" in e["message"] for e in out["row_errors"])
    assert sheet_numbers(world) == ["0001/SIAPMAS/2026"]


@settings(max_examples=300, deadline=None)
@given(texts=st.sets(st.one_of(
    st.builds(lambda s, y, pad: f"{pad}{s:04d}/SIAPMAS/{y}{pad}", st.integers(0, 99999), st.integers(1990, 2100),
              st.sampled_from(["", " ", "\t", "\n"])),
    st.builds(lambda s, y, tail: f"{s}/SIAPMAS/{y}{tail}", st.integers(0, 999), st.integers(1990, 2100),
              st.sampled_from(["\nx", "/", "\r\n0001/SIAPMAS/2026", "x"])),
    st.text(alphabet="0123456789/SIAPMS \n\r", max_size=20),
)), last=st.integers(0, 50000))
def test_the_whole_sheet_is_read_as_each_number_alone(texts: set[str], last: int):
    """The guard reads a 100,000-row sheet's numbers in one pass; it must read exactly what
    reading each cell alone gives (a cell with a line break, padding, a near miss)."""
    shown = ShownNumbers()
    for t in texts:
        shown.add(t)
    check = check_shown(shown, PATTERN, {2026: last})
    alone = [n for n in (read_number(PATTERN, t) for t in texts) if n is not None]
    floors: dict[int, int] = {}
    for year, seq in alone:
        floors[year] = max(floors.get(year, 0), seq)
    assert check.floors == floors
    unknown = {y: sorted(s for yy, s in alone if yy == y and s > {2026: last}.get(y, 0)) for y, _ in alone}
    assert {y: sorted(v) for y, v in check.unknown.items()} == {y: v for y, v in unknown.items() if v}
