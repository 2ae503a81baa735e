"""The offline status page (one self-contained HTML file: inline CSS and JS, no external
script, font or CDN) and the CSV beside it, both written atomically.

The page lists every aduan's public row and filters them with a search box by agenda
number: the full number ("0001/SIAPMAS/2026"), number and year ("1/2026") or the number
alone ("0001"). ``index.html#0001/SIAPMAS/2026`` (or ``?no=…``) opens with the search
filled in, so a receipt can link straight to its row. The page around the rows is a
jinja2 template (autoescape); each row is made on its own (:func:`row_html`, every value
escaped with markupsafe, as the template did) so that it can be kept and only the rows
that changed are made again (publik/step.py). The script only reads data attributes and
writes with ``textContent``.
"""

from __future__ import annotations

import csv
import functools
import io
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from jinja2 import Environment
from markupsafe import escape

from ..documents import atomic_write_bytes
from .view import PUBLIC_COLUMNS, PublicRow

HTML_NAME = "index.html"
CSV_NAME = "status-aduan.csv"

_TEMPLATE = r"""<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Status Aduan — {{ instansi }}</title>
<style>
  :root { color-scheme: light; }
  * { box-sizing: border-box; }
  body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
         background: #f4f6f8; color: #1d2733; line-height: 1.45; }
  header { background: #1f4e79; color: #fff; padding: 16px 20px; }
  header h1 { margin: 0; font-size: 1.3rem; }
  header p { margin: 4px 0 0; font-size: .95rem; opacity: .9; }
  main { max-width: 980px; margin: 0 auto; padding: 16px; }
  .cari { background: #fff; border-radius: 8px; padding: 14px; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
  .cari label { display: block; font-weight: 600; margin-bottom: 6px; }
  .baris { display: flex; gap: 8px; flex-wrap: wrap; }
  .baris input { flex: 1 1 220px; font-size: 1.05rem; padding: 10px; border: 1px solid #9aa7b4; border-radius: 6px; }
  .baris button { font-size: 1rem; padding: 10px 16px; border: 0; border-radius: 6px; background: #1f4e79; color: #fff; }
  .baris button.kedua { background: #e3e8ee; color: #1d2733; }
  .petunjuk { font-size: .85rem; color: #4a5868; margin: 6px 0 0; }
  #pesan { margin: 14px 0; padding: 12px; border-radius: 6px; background: #fff4e5; border: 1px solid #f0b35a; }
  /* [hidden] wins over every display rule below (the narrow layout makes rows blocks) */
  [hidden] { display: none !important; }
  table { width: 100%; border-collapse: collapse; margin-top: 14px; background: #fff; border-radius: 8px; overflow: hidden;
          box-shadow: 0 1px 3px rgba(0,0,0,.12); }
  th, td { text-align: left; padding: 9px 10px; border-bottom: 1px solid #e3e8ee; vertical-align: top; }
  th { background: #e9eef4; font-size: .9rem; }
  tr.cocok td { background: #eaf6ea; }
  .linimasa { margin: 0; padding-left: 1.1em; font-size: .85rem; color: #34414f; }
  .linimasa li { margin: 0 0 2px; }
  .linimasa time { font-variant-numeric: tabular-nums; color: #4a5868; margin-right: .3em; }
  .tahap { font-weight: 600; }
  .privasi { font-size: .85rem; color: #4a5868; margin-top: 16px; }
  @media (max-width: 640px) {
    thead { display: none; }
    table, tbody, tr, td { display: block; width: 100%; }
    tr { border-bottom: 2px solid #c9d3dd; padding: 6px 0; }
    td { border: 0; padding: 4px 12px; }
    td::before { content: attr(data-label) ": "; font-weight: 600; }
  }
</style>
</head>
<body>
<header>
  <h1>Status Aduan Masyarakat</h1>
  <p>{{ instansi }}</p>
</header>
<main>
  <form class="cari" id="form-cari" action="#" autocomplete="off">
    <label for="cari">Cari berdasarkan nomor agenda</label>
    <div class="baris">
      <input id="cari" name="no" type="search" inputmode="text" placeholder="mis. 0001/SIAPMAS/2026, 1/2026 atau 0001">
      <button type="submit">Cari</button>
      <button type="button" class="kedua" id="semua">Tampilkan semua</button>
    </div>
    <p class="petunjuk">Nomor agenda tertera pada tanda terima aduan Anda.</p>
  </form>
  <div id="pesan" role="status" aria-live="polite" hidden></div>
  <p id="jumlah" class="petunjuk">{{ count }} aduan tercatat. Data diperbarui {{ generated }}.</p>
  <table id="tabel">
    <thead><tr>{% for c in columns %}<th scope="col">{{ c }}</th>{% endfor %}<th scope="col">Perjalanan</th></tr></thead>
    <tbody>{{ ROWS }}
    </tbody>
  </table>
  <p class="privasi">Halaman ini hanya memuat nomor agenda, tanggal diterima, tahap penanganan dan artinya,
    tanggal setiap tahap, alat kelengkapan DPRD yang menangani, dan waktu pembaruan terakhir. Identitas pelapor, kontak, kronologi, dan bukti tidak
    ditampilkan. Pertanyaan: {{ kontak }}</p>
</main>
<script>
(function () {
  "use strict";
  var input = document.getElementById("cari");
  var pesan = document.getElementById("pesan");
  var tabel = document.getElementById("tabel");
  var rows = Array.prototype.slice.call(document.querySelectorAll("#tabel tbody tr"));
  function squash(s) { return String(s || "").toUpperCase().replace(/\s+/g, ""); }
  // "0001/SIAPMAS/2026" or "1/2026": number and year; "0001": the number in any year
  function matcher(q) {
    var exact = squash(q);
    var groups = exact.match(/\d+/g) || [];
    var seq = null, year = null;
    if (groups.length === 1) { seq = parseInt(groups[0], 10); }
    else if (groups.length === 2) { seq = parseInt(groups[0], 10); year = parseInt(groups[1], 10); }
    return function (tr) {
      if (squash(tr.getAttribute("data-no")) === exact) { return true; }
      if (seq === null) { return false; }
      if (parseInt(tr.getAttribute("data-seq"), 10) !== seq) { return false; }
      return year === null || parseInt(tr.getAttribute("data-year"), 10) === year;
    };
  }
  function show(q) {
    q = String(q || "").trim();
    input.value = q;
    if (!q) {
      rows.forEach(function (tr) { tr.hidden = false; tr.classList.remove("cocok"); });
      pesan.hidden = true; pesan.textContent = ""; tabel.hidden = false;
      return;
    }
    var match = matcher(q), found = 0;
    rows.forEach(function (tr) {
      var ok = match(tr);
      tr.hidden = !ok; tr.classList.toggle("cocok", ok);
      if (ok) { found += 1; }
    });
    pesan.hidden = false; tabel.hidden = !found;
    pesan.textContent = found
      ? found + " aduan cocok dengan \u201c" + q + "\u201d."
      : "Nomor agenda \u201c" + q + "\u201d tidak ditemukan. Periksa kembali nomor pada tanda terima Anda; " +
        "aduan yang baru dikirim tampil setelah diberi nomor agenda.";
  }
  function fromLocation() {
    var h = window.location.hash.replace(/^#/, "");
    var m = window.location.search.match(/[?&]no=([^&]*)/);
    var q = h || (m ? m[1].replace(/\+/g, " ") : "");
    try { q = decodeURIComponent(q); } catch (e) { /* keep as typed */ }
    return q;
  }
  document.getElementById("form-cari").addEventListener("submit", function (ev) {
    ev.preventDefault(); show(input.value);
  });
  document.getElementById("semua").addEventListener("click", function () { show(""); });
  window.addEventListener("hashchange", function () { show(fromLocation()); });
  show(fromLocation());
}());
</script>
</body>
</html>
"""

_env = Environment(autoescape=True, keep_trailing_newline=True)
#: the page around its rows: the rows are made one by one (:func:`row_html`) and kept
#: (publik/cache.py), so a cycle renders only the rows that changed
_head, _tail = _TEMPLATE.split("{{ ROWS }}")
_head_template = _env.from_string(_head)
_tail_template = _env.from_string(_tail)

#: a row's cells, each with its column's label (the narrow layout shows it before the value)
_CELL_OPEN = tuple(f'<td data-label="{escape(c)}"' + (' class="tahap">' if c == "Tahap" else ">") for c in PUBLIC_COLUMNS)


@functools.lru_cache(maxsize=4096)
def _label(text: str) -> str:
    """A value most rows share (a stage label, its meaning, an AKD), escaped once."""
    return str(escape(text))


def row_html(r: PublicRow) -> str:
    """One row of the table, every value escaped (as jinja2's autoescape would)."""
    no, diterima, tahap, keterangan, ditangani, diperbarui = r.cells()
    values = (escape(no), escape(diterima), _label(tahap), _label(keterangan), _label(ditangani), escape(diperbarui))
    cells = "".join(f"{o}{v}</td>" for o, v in zip(_CELL_OPEN, values))
    steps = "".join(f"<li><time>{escape(t)}</time>{_label(s)}</li>" for t, s in r.linimasa)
    perjalanan = f'<ol class="linimasa">{steps}</ol>' if r.linimasa else "-"
    return (f'\n      <tr data-no="{escape(r.agenda_no)}" data-seq="{r.seq}" data-year="{r.year}">'
            f'{cells}<td data-label="Perjalanan">{perjalanan}</td>\n      </tr>')


def page_head(count: int, *, instansi: str, kontak: str, generated: datetime) -> str:
    """The page up to its first row: title, search form, the number of aduan and when."""
    return _head_template.render(columns=PUBLIC_COLUMNS, instansi=instansi, kontak=kontak, count=count,
                                 generated=generated.strftime("%d/%m/%Y %H.%M"))


def page_tail(*, kontak: str) -> str:
    """The page after its last row: the privacy note and the search script."""
    return _tail_template.render(kontak=kontak)


def render_html(rows: Sequence[PublicRow], *, instansi: str, kontak: str, generated: datetime) -> str:
    return (page_head(len(rows), instansi=instansi, kontak=kontak, generated=generated)
            + "".join(map(row_html, rows)) + page_tail(kontak=kontak))


def _csv_text(cells: Sequence[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(cells)
    return buf.getvalue()


def csv_line(r: PublicRow) -> str:
    """One row of the CSV: comma-separated, quoted when needed, ending in CRLF."""
    return _csv_text(r.cells())


#: the CSV before its rows: a BOM (Excel on Windows opens it with the right letters) and the header
CSV_HEAD = "\ufeff" + _csv_text(PUBLIC_COLUMNS)


def render_csv(rows: Sequence[PublicRow]) -> bytes:
    """UTF-8 with a BOM, ``;``-free comma CSV with every field quoted when needed."""
    return (CSV_HEAD + "".join(map(csv_line, rows))).encode("utf-8")


#: the page is for everyone: readable by any user of the machine (a web server's too).
#: It holds no personal data by construction (view.LEDGER_COLUMNS; tests/test_publik.py).
PUBLIC_FILE_MODE = 0o644
PUBLIC_DIR_MODE = 0o755


def write_files(folder: Path, html: Sequence[bytes | memoryview], csv_data: Sequence[bytes | memoryview]) -> list[Path]:
    """Write the page and the CSV (each given as pieces written one after the other)
    atomically, world-readable on purpose; return their paths."""
    paths = [folder / HTML_NAME, folder / CSV_NAME]
    atomic_write_bytes(paths[0], html, mode=PUBLIC_FILE_MODE)
    atomic_write_bytes(paths[1], csv_data, mode=PUBLIC_FILE_MODE)
    os.chmod(folder, PUBLIC_DIR_MODE)  # the folder only: the output folder around it stays private
    return paths
