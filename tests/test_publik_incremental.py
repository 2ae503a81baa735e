"""The public page and CSV brought up to date row by row (publik/step.py, publik/cache.py)
are byte for byte what a full rebuild of every row makes, over a sequence of changes an
office goes through — stage moves, a return, rahasia, the AKD decided, new aduan, a
deleted page, a damaged index, a stage label renamed in the configuration — and a cycle
renders only the rows of what changed."""

from __future__ import annotations

import csv
import logging
import re
import sqlite3
import stat
from datetime import datetime, timedelta
from pathlib import Path

from siapmas_sync.config import load_settings
from siapmas_sync.cycle.engine import build_workflow
from siapmas_sync.ledger import Ledger
from siapmas_sync.publik.page import CSV_NAME, HTML_NAME, render_csv, render_html
from siapmas_sync.publik.step import cache_path, public_changes
from siapmas_sync.publik.view import LEDGER_COLUMNS, public_rows

from .test_kendali import OLEH, edit
from .test_local_register import add_response
from .test_publik import GALIAN, publik_dir, read_csv

JALAN = "0002/SIAPMAS/2026"
BANJIR = "0003/SIAPMAS/2026"


def full_rebuild(config: Path, **env: str) -> tuple[str, bytes]:
    """The page and the CSV made from every row of the ledger, as before rows were kept
    (the page dated as the one on disk says)."""
    s = load_settings(config, environ=env)
    wf, _ = build_workflow(s)
    ledger = Ledger(s.database_url())
    try:
        last, moves = public_changes(ledger)
        rows = public_rows(ledger.iter_items(LEDGER_COLUMNS), s.tz, last, wf=wf, moves=moves)
    finally:
        ledger.close()
    shown = (s.publik_dir() / HTML_NAME).read_text(encoding="utf-8")
    when = re.search(r"Data diperbarui (\d\d/\d\d/\d{4} \d\d\.\d\d)\.", shown).group(1)
    generated = datetime.strptime(when, "%d/%m/%Y %H.%M").replace(tzinfo=s.tz)
    kontak = " · ".join(x for x in (s.kop.telepon, s.kop.email) if x)
    return render_html(rows, instansi=s.kop.instansi, kontak=kontak, generated=generated), render_csv(rows)


def rows_made(caplog) -> list[int]:
    """How many rows each publication of the cycle rendered (from its log line)."""
    made = [int(m) for r in caplog.records for m in re.findall(r"(\d+) baris dibuat", r.getMessage())]
    caplog.clear()
    return made


def assert_as_full_rebuild(config: Path, **env: str) -> None:
    html, csv_data = full_rebuild(config, **env)
    folder = load_settings(config, environ={}).publik_dir()
    assert (folder / HTML_NAME).read_text(encoding="utf-8") == html
    assert (folder / CSV_NAME).read_bytes() == csv_data


def test_rows_kept_give_the_same_page_as_a_full_rebuild(project, make_engine, clock, caplog) -> None:
    """(A publication makes the rows changed since the last one, those changed in its last
    second again, and one row of six for the rolling check.)"""
    caplog.set_level(logging.INFO, logger="siapmas.publik")
    make_engine(project).cycle()
    assert rows_made(caplog) == [6]  # the first publication: every row
    assert_as_full_rebuild(project)
    index = cache_path(load_settings(project, environ={}))
    assert index.is_file() and index.parent != publik_dir(project)
    assert stat.S_IMODE(index.stat().st_mode) == 0o600  # private, beside the ledger

    def step(**expect: object) -> None:
        clock.now += timedelta(minutes=7)
        make_engine(project).cycle()
        made = rows_made(caplog)
        if "made" in expect:
            assert made == expect["made"]
        if "at_most" in expect:
            assert made and max(made) <= expect["at_most"], made  # type: ignore[operator]
        assert_as_full_rebuild(project)

    edit(project, GALIAN, Tahap="PARAF KASUBAG TU", Oleh=OLEH["PARAF KASUBAG TU"])
    step(at_most=6)  # the rows registered in the last second seen are looked at again, once
    edit(project, GALIAN, Tahap="PARAF KABAG", Oleh=OLEH["PARAF KABAG"])
    step(at_most=3)
    assert read_csv(project)[0]["Tahap"] == "PARAF KABAG"

    edit(project, GALIAN, Tahap="DIKEMBALIKAN", Oleh=OLEH["PARAF KABAG"], Catatan="paraf keliru nama")  # a return
    step(at_most=3)
    assert read_csv(project)[0]["Tahap"] == "PARAF KASUBAG TU"

    edit(project, JALAN, Rahasia=True, Sifat="Rahasia")  # not shown: nothing written
    step(made=[])

    for stage in ("PARAF KASUBAG TU", "PARAF KABAG", "DISPOSISI SEKWAN", "DISPOSISI KETUA", "DISPOSISI DIBACAKAN"):
        edit(project, BANJIR, Tahap=stage, Oleh=OLEH[stage])
        step(at_most=4)
    edit(project, BANJIR, Tahap="DICATAT & DIDISTRIBUSIKAN", Oleh=OLEH["DICATAT & DIDISTRIBUSIKAN"],
         Diteruskan_ke="Komisi III")
    step(at_most=4)
    assert {r["No. Agenda"]: r for r in read_csv(project)}[BANJIR]["Ditangani oleh"] == "Komisi III"

    add_response(project, "Agus")  # a new aduan, numbered at the end
    step(at_most=4)
    assert [r["No. Agenda"] for r in read_csv(project)][-1] == "0007/SIAPMAS/2026"

    (publik_dir(project) / HTML_NAME).unlink()  # someone deleted the page: written again, in full
    step(made=[7])

    index.write_bytes(index.read_bytes()[:-5])  # a damaged index: not an error, every row made again
    edit(project, GALIAN, Tahap="PARAF KABAG", Oleh=OLEH["PARAF KABAG"])
    step(made=[7])

    # a stage renamed in the configuration: every row shows the new label
    with project.open("a", encoding="utf-8") as fh:
        fh.write('\n[workflow.tahap."3"]\nlabel = "PARAF KABAG HUKUM"\n')
    step(made=[7])
    assert read_csv(project)[0]["Tahap"] == "PARAF KABAG HUKUM"
    edit(project, JALAN, Tahap="PARAF KASUBAG TU", Oleh=OLEH["PARAF KASUBAG TU"])
    step(at_most=3)


def test_a_change_recorded_under_a_clock_set_back_is_shown_by_the_rolling_check(project, make_engine, clock,
                                                                                 caplog) -> None:
    """A change whose time is before the last one seen (a clock set back, another PC's
    clock behind) is not found by time; each publication also makes the next rows again
    in turn, so it is shown all the same."""
    caplog.set_level(logging.INFO, logger="siapmas.publik")
    make_engine(project).cycle()
    edit(project, GALIAN, Tahap="PARAF KASUBAG TU", Oleh=OLEH["PARAF KASUBAG TU"])
    clock.now += timedelta(minutes=5)
    make_engine(project).cycle()
    s = load_settings(project, environ={})
    ledger = Ledger(s.database_url())
    try:
        jalan = ledger.find_item(JALAN)
        with ledger.tx() as conn:  # recorded an hour ago by a clock set back, with no event
            ledger.update_item(conn, jalan.key, {"diteruskan_ke": "Komisi I",
                                                 "updated_at": clock.now - timedelta(hours=1)})
    finally:
        ledger.close()
    edit(project, BANJIR, Tahap="PARAF KASUBAG TU", Oleh=OLEH["PARAF KASUBAG TU"])  # the next change
    clock.now += timedelta(minutes=5)
    make_engine(project).cycle()
    assert {r["No. Agenda"]: r for r in read_csv(project)}[JALAN]["Ditangani oleh"] == "Komisi I"
    assert_as_full_rebuild(project)


def test_a_lost_index_is_made_again_and_identical_files_are_kept(project, make_engine, clock, caplog) -> None:
    caplog.set_level(logging.INFO, logger="siapmas.publik")
    make_engine(project).cycle()
    html = publik_dir(project) / HTML_NAME
    before = html.stat().st_ino, html.read_bytes()
    rows_made(caplog)
    cache_path(load_settings(project, environ={})).unlink()
    edit(project, JALAN, Rahasia=True, Sifat="Rahasia")  # the ledger changed, nothing shown did
    clock.now += timedelta(minutes=5)
    make_engine(project).cycle()
    assert rows_made(caplog) == []  # every row made again, the same: the files are kept (their date too)
    assert (html.stat().st_ino, html.read_bytes()) == before
    edit(project, GALIAN, Tahap="PARAF KASUBAG TU", Oleh=OLEH["PARAF KASUBAG TU"])
    clock.now += timedelta(minutes=5)
    make_engine(project).cycle()
    assert max(rows_made(caplog)) <= 6
    assert_as_full_rebuild(project)


def copy_ledger(src: Path, dest: Path) -> None:
    with sqlite3.connect(src) as a, sqlite3.connect(dest) as b:
        a.backup(b)
    a.close()
    b.close()


def test_a_restored_ledger_or_an_edited_file_means_every_row_is_made_again(project, make_engine, clock,
                                                                            caplog) -> None:
    caplog.set_level(logging.INFO, logger="siapmas.publik")
    make_engine(project).cycle()
    database = load_settings(project, environ={}).storage.database
    backup = database.with_name("cadangan.db")
    copy_ledger(database, backup)  # the ledger as it was (the index is written after it)
    edit(project, GALIAN, Tahap="PARAF KASUBAG TU", Oleh=OLEH["PARAF KASUBAG TU"])
    clock.now += timedelta(minutes=5)
    make_engine(project).cycle()
    assert read_csv(project)[0]["Tahap"] == "PARAF KASUBAG TU"
    rows_made(caplog)

    copy_ledger(backup, database)  # restored from the backup: the index is not its own
    clock.now += timedelta(minutes=5)
    make_engine(project).cycle()
    assert rows_made(caplog) == [6]
    assert read_csv(project)[0]["Tahap"] == "TERAGENDA"
    assert_as_full_rebuild(project)

    with (publik_dir(project) / CSV_NAME).open("ab") as fh:  # someone added a line to the CSV
        fh.write(b"0099/SIAPMAS/2026,,,,,\r\n")
    edit(project, GALIAN, Tahap="PARAF KASUBAG TU", Oleh=OLEH["PARAF KASUBAG TU"])
    clock.now += timedelta(minutes=5)
    make_engine(project).cycle()
    assert rows_made(caplog) == [6]
    assert_as_full_rebuild(project)

    clock.now += timedelta(minutes=5)
    make_engine(project).cycle()  # an idle cycle: the ledger as published
    rows_made(caplog)
    csv_file = publik_dir(project) / CSV_NAME
    csv_file.write_bytes(csv_file.read_bytes().replace(b"TERAGENDA", b"SELESAI"))  # edited by hand
    clock.now += timedelta(minutes=5)
    make_engine(project).cycle()  # nothing changed in the ledger: the file is still made right again
    assert rows_made(caplog) == [6]
    assert_as_full_rebuild(project)


def test_google_public_sheet_gets_only_the_rows_that_changed(tmp_path, clock) -> None:
    from siapmas_sync.core.kendali_sheet import KENDALI_TAB

    from .google_standin.server import GoogleStandin
    from .worlds import SA_EMAIL, GoogleWorld

    with GoogleStandin() as standin:
        world = GoogleWorld(tmp_path, clock, standin)
        try:
            public = standin.create_spreadsheet("Status Aduan (publik)", {"Sheet1": [[]]},
                                                share_with=[(SA_EMAIL, "writer")])
            with world.config.open("a", encoding="utf-8") as fh:
                fh.write(f'[publik]\nspreadsheet_id = "{public}"\n')
            places = ["Mojorejo", "Jatirejo", "Sooko", "Trowulan", "Puri", "Bangsal", "Dlanggu", "Pacet"]
            world.add_responses([[f"27/11/2026 {9 + i:02d}.12.05", f"Warga {p}", f"0812345678{i:02d}",
                                  f"warga{i}@example.com", f"Jalan rusak dan berlubang di Desa {p} sejak Oktober.", ""]
                                 for i, p in enumerate(places)])
            world.engine().cycle()

            def batch_writes() -> list[int]:
                return [r.bytes_in for r in standin.requests if r.method == "POST" and public in r.path
                        and r.path.endswith("values:batchUpdate")]

            def as_csv() -> list[list[str]]:
                folder = load_settings(world.config, environ={}).publik_dir()
                with (folder / CSV_NAME).open(encoding="utf-8-sig", newline="") as fh:
                    return [row for row in csv.reader(fh)]

            assert standin.get_values(public, "Status Aduan") == as_csv()
            [first] = batch_writes()
            world.edit(KENDALI_TAB, "0003/SIAPMAS/2026", Tahap="PARAF KASUBAG TU", Oleh="Kasubag TU")
            clock.now += timedelta(minutes=5)
            world.engine().cycle()
            values = standin.get_values(public, "Status Aduan")
            assert values[3][:3] == ["0003/SIAPMAS/2026", "27/11/2026 11.12", "PARAF KASUBAG TU"]
            assert values == as_csv()  # the whole table right, though only one row was sent
            writes = batch_writes()
            assert len(writes) == 2 and writes[1] * 3 < first, writes  # the header and one row of nine
        finally:
            world.close()


#: the table's rows as the page's jinja2 template wrote them before rows were made one by one
_TEMPLATE_ROWS = """
    {%- for r in rows %}
      <tr data-no="{{ r.agenda_no }}" data-seq="{{ r.seq }}" data-year="{{ r.year }}">
        {%- for c, v in zip(columns, r.cells()) %}<td data-label="{{ c }}"{% if c == "Tahap" %} class="tahap"{% endif %}>{{ v }}</td>{% endfor -%}
        <td data-label="Perjalanan">{% if r.linimasa %}<ol class="linimasa">
          {%- for tanggal, tahap in r.linimasa %}<li><time>{{ tanggal }}</time>{{ tahap }}</li>{% endfor -%}
        </ol>{% else %}-{% endif %}</td>
      </tr>
    {%- endfor %}
"""


def test_rows_are_escaped_as_the_template_escaped_them() -> None:
    import random
    from zoneinfo import ZoneInfo

    from jinja2 import Environment

    from siapmas_sync.publik.page import row_html
    from siapmas_sync.publik.view import PUBLIC_COLUMNS, PublicRow, timeline

    env = Environment(autoescape=True)
    env.globals["zip"] = zip
    template = env.from_string(_TEMPLATE_ROWS)
    rnd = random.Random(22)
    letters = ["a", "<", ">", "&", '"', "'", " ", "é", "\n", ",", "Z", "1", "{{", "\u202e"]

    def text() -> str:
        return "".join(rnd.choice(letters) for _ in range(rnd.randint(0, 9)))

    rows = [PublicRow(text(), 2026, i, text(), text(), text(), text(), text(),
                      tuple((text(), text()) for _ in range(rnd.randint(0, 3)))) for i in range(300)]
    assert "".join(map(row_html, rows)) == template.render(rows=rows, columns=PUBLIC_COLUMNS).rstrip()
    # the timeline's dates, formatted by hand, are strftime's (day boundaries in the office's zone)
    moves = [(f"2026-{m:02d}-{d:02d}T{h:02d}:59:00+00:00", "TAHAP") for m in (1, 12) for d in (1, 31) for h in (0, 16, 17)]
    assert timeline(moves, ZoneInfo("Asia/Jakarta")) == tuple(
        (datetime.fromisoformat(at).astimezone(ZoneInfo("Asia/Jakarta")).strftime("%d/%m/%Y"), s) for at, s in moves)


def test_rows_kept_on_sqlite_and_postgresql(tmp_path, clock, ledger_url, caplog) -> None:
    """The ledger's queries behind the kept rows (publik stamp, items changed since, their
    events) on both databases."""
    from siapmas_sync.core.kendali_sheet import KENDALI_TAB

    from .worlds import LocalWorld

    caplog.set_level(logging.INFO, logger="siapmas.publik")
    world = LocalWorld(tmp_path, clock, db_url=ledger_url)
    try:
        world.add_responses([[f"27/11/2026 {9 + i:02d}.12.05", f"Warga {p}", f"0812345678{i:02d}", f"w{i}@example.com",
                              f"Jalan rusak dan berlubang di Desa {p} sejak Oktober.", ""]
                             for i, p in enumerate(["Mojorejo", "Jatirejo", "Sooko", "Trowulan"])])
        world.engine().cycle()
        assert rows_made(caplog) == [4]
        world.edit(KENDALI_TAB, "0002/SIAPMAS/2026", Tahap="PARAF KASUBAG TU", Oleh="Kasubag TU")
        clock.now += timedelta(minutes=5)
        world.engine().cycle()
        world.edit(KENDALI_TAB, "0003/SIAPMAS/2026", Tahap="PARAF KASUBAG TU", Oleh="Kasubag TU")
        clock.now += timedelta(minutes=5)
        world.engine().cycle()
        assert max(rows_made(caplog)[1:]) <= 3
        assert_as_full_rebuild(world.config)
        rows = list(csv.DictReader((load_settings(world.config, environ={}).publik_dir() / CSV_NAME)
                                   .open(encoding="utf-8-sig", newline="")))
        assert [r["Tahap"] for r in rows] == ["TERAGENDA", "PARAF KASUBAG TU", "PARAF KASUBAG TU", "TERAGENDA"]
    finally:
        world.close()


def test_title_contact_and_time_zone(project, make_engine, clock, caplog) -> None:
    """The office's name and contact are around the rows: a new one rewrites the page, not
    its rows; another time zone changes every row's times: every row is made again."""
    caplog.set_level(logging.INFO, logger="siapmas.publik")
    make_engine(project).cycle()
    edit(project, GALIAN, Tahap="PARAF KASUBAG TU", Oleh=OLEH["PARAF KASUBAG TU"])
    clock.now += timedelta(minutes=5)
    make_engine(project).cycle()
    rows_made(caplog)
    env = {"SIAPMAS_KOP__INSTANSI": "DPRD <Uji> & Co", "SIAPMAS_KOP__TELEPON": "0321 123"}
    clock.now += timedelta(minutes=5)
    make_engine(project, **env).cycle()
    assert rows_made(caplog) == [2]  # the row changed last (its second looked at again), one checked
    assert "DPRD &lt;Uji&gt; &amp; Co" in (publik_dir(project) / HTML_NAME).read_text(encoding="utf-8")
    assert_as_full_rebuild(project, **env)
    env["SIAPMAS_TIMEZONE"] = "Asia/Makassar"
    clock.now += timedelta(minutes=5)
    make_engine(project, **env).cycle()
    assert rows_made(caplog) == [6]
    assert read_csv(project)[0]["Tanggal Diterima"] == "27/11/2026 10.12"  # WITA: an hour later than WIB
    assert_as_full_rebuild(project, **env)


def test_a_row_put_in_before_the_last_moves_the_rows_after_it() -> None:
    """An aduan numbered in a past year after this year's began sorts before them: the page
    puts its row in place, and the public spreadsheet is sent every row from there down
    (they all moved a row), not only the new one."""
    from siapmas_sync.publik.cache import FileMark, NewRow, RowIndex, row_digest, sort_key

    def row(year: int, seq: int) -> NewRow:
        html, line = f"<tr>{seq}/{year}</tr>".encode(), f"{seq}/{year}\r\n".encode()
        return NewRow(sort_key(year, seq), html, line, row_digest(html, line))

    rows = [row(2027, 1), row(2027, 2), row(2027, 3)]
    index = RowIndex.of_rows("s", rows)
    head, tail = b"<table>", b"</table>"
    html = head + b"".join(r.html for r in rows) + tail
    csv_data = b"H\r\n" + b"".join(r.csv for r in rows)
    index.html_file, index.csv_file = FileMark(len(html), 0, len(head), len(tail)), FileMark(len(csv_data), 0, 3, 0)
    index.sheet = bytearray(index.digests)  # as written to the sheet
    late, changed = row(2026, 40), row(2027, 2)
    changed = NewRow(changed.sort, b"<tr>2/2027 baru</tr>", changed.csv, row_digest(b"<tr>2/2027 baru</tr>", changed.csv))
    pieces = index.splice([changed, late], memoryview(html), memoryview(csv_data))
    assert pieces is not None
    assert b"".join(pieces[0]) == b"<tr>40/2026</tr><tr>1/2027</tr><tr>2/2027 baru</tr><tr>3/2027</tr>"
    assert b"".join(pieces[1]) == b"40/2026\r\n1/2027\r\n2/2027\r\n3/2027\r\n"
    assert index.count == 4 and index.sheet_rows() == [0, 1, 2, 3]
    index.sheet = bytearray(index.digests)
    assert index.sheet_rows() == []
