"""The public status view: no personal data (names, phones, e-mails, chronology, perihal,
for rahasia items too), the decided AKD only, regenerated only when a figure changed, a
page that finds an agenda number in headless Chromium, and the separate public
spreadsheet on Google (through the stand-in)."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from siapmas_sync.config import load_settings
from siapmas_sync.errors import ConfigError
from siapmas_sync.publik.page import CSV_NAME, HTML_NAME, render_csv, render_html
from siapmas_sync.publik.view import PUBLIC_COLUMNS, PublicRow
from siapmas_sync.wa.link import e164_digits

from .conftest import REPO, WIB
from .test_engine import run_cli
from .test_kendali import OLEH, STAGES, edit

GALIAN = "0001/SIAPMAS/2026"


def publik_dir(project: Path) -> Path:
    return project.parent.parent / "var" / "demo" / "output" / "publik"


def read_csv(project: Path) -> list[dict[str, str]]:
    with (publik_dir(project) / CSV_NAME).open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def personal_values() -> list[str]:
    """Every reporter's name, phone (as typed, digits, E.164) and e-mail in the sample."""
    with (REPO / "examples" / "responses.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out: set[str] = set()
    for r in rows:
        name, phone, email = r["Nama"].strip(), r["No. Tlp/WA (yang aktif)"].strip(), r["E-mail (yang aktif)"].strip()
        if len(name) > 2:
            out.add(name)
        if email:
            out |= {email, email.split("@")[0]}
        if phone:
            out |= {phone, re.sub(r"\D", "", phone)}
            if e164_digits(phone):
                out.add(e164_digits(phone))
        kron = r["Kronologi, Waktu dan Tempat"].strip()
        if len(kron) > 20:
            out.add(kron[:40])
    return sorted(out)


def assert_no_personal_data(text: str, extra: list[str] = ()) -> None:
    found = [v for v in personal_values() + list(extra) if v.casefold() in text.casefold()]
    assert found == [], f"personal data in the public view: {found}"


def test_public_view_has_no_personal_data_even_for_rahasia(project, make_engine) -> None:
    done = run_cli(project, "sync")  # as an outsider would: the CLI on the sample
    assert done.returncode == 0, done.stderr
    folder = publik_dir(project)
    html = (folder / HTML_NAME).read_text(encoding="utf-8")
    rows = read_csv(project)
    assert [r["No. Agenda"] for r in rows] == [f"{n:04d}/SIAPMAS/2026" for n in range(1, 7)]
    assert list(rows[0]) == list(PUBLIC_COLUMNS)
    assert rows[0]["Tanggal Diterima"] == "27/11/2026 09.12" and rows[0]["Tahap"] == "TERAGENDA"
    assert rows[0]["Keterangan"] == "Sudah diberi nomor agenda; menunggu paraf Kasubag TU."
    # the routing suggestion (Komisi III, matched words) is not a decision: not shown
    assert rows[0]["Ditangani oleh"] == "-"
    perihal = [r.perihal for r in make_engine(project).ledger.iter_items(("perihal",))]
    for text in (html, (folder / CSV_NAME).read_text(encoding="utf-8-sig")):
        assert_no_personal_data(text, perihal)
        assert "Komisi" not in text and "galian" not in text.lower()

    html_file = folder / HTML_NAME
    before = read_csv(project), html_file.stat().st_ino
    edit(project, GALIAN, Rahasia=True, Sifat="Rahasia")
    engine = make_engine(project)
    engine.cycle()
    # not a public figure: the row, its "last update" and the files stay as they were
    assert (read_csv(project), html_file.stat().st_ino) == before
    assert engine.ledger.iter_items(("rahasia",)).__next__().rahasia
    html = (folder / HTML_NAME).read_text(encoding="utf-8")
    assert_no_personal_data(html + (folder / CSV_NAME).read_text(encoding="utf-8-sig"), perihal)
    assert GALIAN in html  # a rahasia item is still findable by its number


def test_regenerated_only_when_a_figure_changed_and_shows_the_decided_akd(project, make_engine, clock) -> None:
    make_engine(project).cycle()
    html = publik_dir(project) / HTML_NAME
    first = html.stat().st_mtime_ns, html.stat().st_ino
    clock.now += timedelta(minutes=5)
    make_engine(project).cycle()  # nothing changed
    assert (html.stat().st_mtime_ns, html.stat().st_ino) == first
    for stage in STAGES[: STAGES.index("DICATAT & DIDISTRIBUSIKAN") + 1]:
        clock.now += timedelta(minutes=5)
        extra = {"Diteruskan_ke": "Komisi III"} if stage == "DICATAT & DIDISTRIBUSIKAN" else {}
        edit(project, GALIAN, Tahap=stage, Oleh=OLEH[stage], **extra)
        make_engine(project).cycle()
    row = read_csv(project)[0]
    assert (row["Tahap"], row["Ditangani oleh"]) == ("DICATAT & DIDISTRIBUSIKAN", "Komisi III")
    assert row["Pembaruan Terakhir"] == clock.now.strftime("%d/%m/%Y %H.%M")
    assert html.stat().st_ino != first[1]
    html.unlink()  # someone deleted it: the next cycle writes it again
    make_engine(project).cycle()
    assert html.is_file()


def test_side_exit_label_is_shown(project, make_engine, clock) -> None:
    make_engine(project).cycle()
    clock.now += timedelta(minutes=5)
    edit(project, "0003/SIAPMAS/2026", Tahap="PERLU KELENGKAPAN", Oleh="Dwi Lestari", Catatan="bukti belum ada")
    make_engine(project).cycle()
    row = {r["No. Agenda"]: r for r in read_csv(project)}["0003/SIAPMAS/2026"]
    assert row["Tahap"] == "PERLU KELENGKAPAN"
    assert row["Keterangan"] == "Menunggu kelengkapan dari pelapor (lihat pesan yang kami kirim)."


def test_public_folder_is_world_readable_on_purpose(project, make_engine) -> None:
    """README tells staff to copy the folder to the website (or point a web server at it):
    it holds no personal data by construction (test above), so it is written readable by
    all, while the output folder around it stays private."""
    import stat

    run_cli(project, "sync")
    folder = publik_dir(project)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    for name in (HTML_NAME, CSV_NAME):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o644
    assert stat.S_IMODE(folder.parent.stat().st_mode) == 0o700


def test_everything_is_escaped() -> None:
    row = PublicRow("<script>alert(1)</script>", 2026, 1, "27/11/2026 09.12", 'TAHAP "<b>"', "Komisi & <i>", "-")
    html = render_html([row], instansi="<DPRD>", kontak="a&b", generated=datetime(2026, 11, 28, tzinfo=WIB))
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;DPRD&gt;" in html and "Komisi &amp; &lt;i&gt;" in html
    assert len(re.findall(r"<script>", html)) == 1  # only the page's own inline script
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # offline: nothing external
    assert render_csv([row]).decode("utf-8-sig").splitlines()[1].startswith('<script>alert(1)</script>,')


def test_public_spreadsheet_must_not_be_the_form_sheet(tmp_path) -> None:
    p = tmp_path / "c.toml"
    p.write_text('[source]\nbackend = "google"\nspreadsheet_id = "abc123"\n[publik]\nspreadsheet_id = "abc123"\n',
                 encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(p, environ={})
    assert "publik" in exc.value.message and "TERPISAH" in exc.value.message
    cli = run_cli(p, "sync")
    assert cli.returncode == 2 and "GALAT" in cli.stderr + cli.stdout and "Traceback" not in cli.stderr


# --- headless Chromium --------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--virtual-time-budget=3000", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
@pytest.mark.parametrize("query, expected", [
    ("0001/SIAPMAS/2026", ["0001/SIAPMAS/2026"]),
    ("1/2026", ["0001/SIAPMAS/2026"]),
    ("0001", ["0001/SIAPMAS/2026"]),
    ("  0005 / siapmas / 2026 ", ["0005/SIAPMAS/2026"]),
    ("0099/SIAPMAS/2026", []),
])
def test_page_finds_the_agenda_number_in_headless_chromium(project, make_engine, tmp_path, query, expected) -> None:
    make_engine(project).cycle()
    page = (publik_dir(project) / HTML_NAME).as_uri() + "#" + query.replace(" ", "%20")
    done = chromium("--dump-dom", page)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    rows = re.findall(r'<tr data-no="([^"]+)"([^>]*)>', dom)
    assert len(rows) == 6
    assert [no for no, attrs in rows if "hidden" not in attrs] == expected
    pesan = re.search(r'<div id="pesan"[^>]*>(.*?)</div>', dom, re.S).group(1)
    if expected:
        assert "1 aduan cocok" in pesan
    else:
        assert "tidak ditemukan" in pesan and "0099/SIAPMAS/2026" in pesan
    shot = tmp_path / "status.png"
    done = chromium("--window-size=400,900", f"--screenshot={shot}", page)
    assert done.returncode == 0 and shot.stat().st_size > 5000


# what the browser shows (computed style), written into the DOM for --dump-dom
_PROBE = """<script>
window.addEventListener("load", function () { setTimeout(function () {
  document.querySelectorAll("#tabel tbody tr").forEach(function (tr) {
    tr.setAttribute("data-shown", tr.getClientRects().length > 0 ? "1" : "0");
  });
}, 0); });
</script></body>"""


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
@pytest.mark.parametrize("width", [390, 1200])
def test_search_filters_what_is_shown_on_a_phone_and_a_desktop(project, make_engine, clock, tmp_path, width) -> None:
    """On a narrow screen the rows are blocks; the search must still hide the others (it
    said "1 aduan cocok" and showed all six). The stage is explained and its steps dated."""
    make_engine(project).cycle()
    clock.now += timedelta(minutes=5)
    edit(project, GALIAN, Tahap="PARAF KASUBAG TU", Oleh=OLEH["PARAF KASUBAG TU"])
    make_engine(project).cycle()
    html = (publik_dir(project) / HTML_NAME).read_text(encoding="utf-8")
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("</body>", _PROBE), encoding="utf-8")
    for query, shown in (("0001", [GALIAN]), ("", [f"{n:04d}/SIAPMAS/2026" for n in range(1, 7)])):
        done = chromium(f"--window-size={width},900", "--dump-dom", probe.as_uri() + "#" + query)
        assert done.returncode == 0, done.stderr[-2000:]
        rows = re.findall(r'<tr data-no="([^"]+)"[^>]*data-shown="(\d)"', done.stdout)
        assert len(rows) == 6
        assert [no for no, vis in rows if vis == "1"] == shown
    cell = re.search(r'<tr data-no="0001/SIAPMAS/2026".*?</tr>', html, re.S).group(0)
    assert "Sudah diparaf Kasubag TU; menunggu paraf Kepala Bagian." in cell
    assert re.findall(r"<li><time>([\d/]+)</time>([^<]+)</li>", cell) == [
        ("27/11/2026", "DITERIMA"), ("28/11/2026", "TERAGENDA"), (clock.now.strftime("%d/%m/%Y"), "PARAF KASUBAG TU")]
    shot = tmp_path / f"status-{width}.png"
    assert chromium(f"--window-size={width},900", f"--screenshot={shot}", probe.as_uri() + "#0001").returncode == 0


# --- Google: a separate public spreadsheet ---------------------------------------------------

def test_google_writes_the_public_spreadsheet_once_per_change(tmp_path, clock) -> None:
    from .google_standin.server import GoogleStandin
    from .worlds import SA_EMAIL, GoogleWorld

    with GoogleStandin() as standin:
        world = GoogleWorld(tmp_path, clock, standin)
        try:
            public = standin.create_spreadsheet("Status Aduan SIAPMAS (publik)", {"Sheet1": [[]]},
                                                share_with=[(SA_EMAIL, "writer")])
            with world.config.open("a", encoding="utf-8") as fh:
                fh.write(f'[publik]\nspreadsheet_id = "{public}"\n')
            world.add_responses([
                ["27/11/2026 09.12.05", "Budi Santoso", "0812-3456-7890", "budi.santoso@example.com",
                 "Tambang galian C liar di Desa Mojorejo sejak Senin pagi, truk lalu lalang.", ""],
                ["27/11/2026 13.45.10", "Siti Aminah", "81234567891", "siti.aminah@example.co.id",
                 "Jalan rusak dan berlubang di Desa Jatirejo sepanjang 2 km sejak Oktober.", ""],
            ])
            world.engine().cycle()
            values = standin.get_values(public, "Status Aduan")
            assert values[0] == list(PUBLIC_COLUMNS)
            assert [r[0] for r in values[1:]] == ["0001/SIAPMAS/2026", "0002/SIAPMAS/2026"]
            assert values[1][2:5] == ["TERAGENDA", "Sudah diberi nomor agenda; menunggu paraf Kasubag TU.", "-"]
            flat = "\n".join(str(v) for r in values for v in r)
            for secret in ("Budi", "Siti", "0812", "81234567891", "example", "galian", "Jatirejo"):
                assert secret not in flat

            def writes() -> int:
                return sum(1 for r in standin.requests if r.method == "POST" and public in r.path
                           and r.path.endswith("values:batchUpdate"))
            assert writes() == 1
            clock.now += timedelta(minutes=5)
            world.engine().cycle()  # nothing changed: no request to the public sheet
            assert writes() == 1
        finally:
            world.close()


def test_google_public_sheet_not_shared_is_a_notice_and_retried(tmp_path, clock) -> None:
    from .google_standin.server import GoogleStandin
    from .worlds import SA_EMAIL, GoogleWorld

    with GoogleStandin() as standin:
        world = GoogleWorld(tmp_path, clock, standin)
        try:
            public = standin.create_spreadsheet("Status Aduan (publik)", {"Sheet1": [[]]})  # not shared yet
            with world.config.open("a", encoding="utf-8") as fh:
                fh.write(f'[publik]\nspreadsheet_id = "{public}"\n')
            world.add_responses([["27/11/2026 09.12.05", "Budi Santoso", "0812-3456-7890", "budi@example.com",
                                   "Tambang galian C liar di Desa Mojorejo sejak Senin pagi, truk lalu lalang.", ""]])
            report = world.engine().cycle()
            assert report.new == ["0001/SIAPMAS/2026"]  # numbering and write-back are not held up
            assert any("Status publik di Google belum diperbarui" in n for n in report.notices), report.notices
            standin.share(public, SA_EMAIL, "writer")
            clock.now += timedelta(minutes=5)
            report = world.engine().cycle()
            assert not any("Status publik" in n for n in report.notices)
            assert [r[0] for r in standin.get_values(public, "Status Aduan")] == ["No. Agenda", "0001/SIAPMAS/2026"]
        finally:
            world.close()
