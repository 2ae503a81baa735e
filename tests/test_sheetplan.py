"""Write planning: only changed cells, columns by header, rows by key."""

import pytest

from siapmas_sync.core.models import SheetTable
from siapmas_sync.core.sheetplan import STATUS_COLUMNS, TableDiff, a1_column, digest_table, plan_keyed_table, plan_status


def test_status_columns_are_created_once_at_the_end_and_only_changes_written():
    t = SheetTable("Form Responses 1", ["Timestamp", "Nama"], [["t1", "A"], ["t2", "B"]])
    plan = plan_status(t, {0: {"No. Agenda": "0001/SIAPMAS/2026", "Tahap": "TERAGENDA"}})
    assert plan.header[2:] == list(STATUS_COLUMNS)
    headers = [(u.row, u.col, u.value) for u in plan.updates if u.row == 0]
    assert headers[0] == (0, 2, "No. Agenda") and len(headers) == len(STATUS_COLUMNS)
    cells = [(u.row, u.col, u.value) for u in plan.updates if u.row > 0]
    assert cells == [(1, 2, "0001/SIAPMAS/2026"), (1, 3, "TERAGENDA")]

    # the sheet now holds those values: nothing to write
    header = plan.header
    rows = [["t1", "A", "0001/SIAPMAS/2026", "TERAGENDA"], ["t2", "B"]]
    again = plan_status(SheetTable("Form Responses 1", header, rows), {0: {"No. Agenda": "0001/SIAPMAS/2026", "Tahap": "TERAGENDA"}})
    assert again.empty


def test_status_columns_found_where_staff_moved_and_renamed_case():
    header = ["no. AGENDA", "Timestamp", "Nama", "tahap"]
    t = SheetTable("S", header, [["0001/SIAPMAS/2026", "t", "A", "TERAGENDA"]])
    plan = plan_status(t, {0: {"No. Agenda": "0001/SIAPMAS/2026", "Tahap": "SELESAI"}}, ("No. Agenda", "Tahap"))
    assert not plan.header_changed
    assert [(u.row, u.col, u.value) for u in plan.updates] == [(1, 3, "SELESAI")]


def test_keyed_table_finds_rows_after_sorting_and_appends_missing():
    t = SheetTable("Buku Agenda", ["No. Agenda", "Ket."], [["0002", "x"], ["0001", "y"], [], ["staff note row"]])
    desired = [{"No. Agenda": "0001", "Ket.": "y"}, {"No. Agenda": "0002", "Ket.": "z"}, {"No. Agenda": "0003", "Ket.": "new"}]
    plan = plan_keyed_table(t, "Buku Agenda", ["No. Agenda", "Ket."], "No. Agenda", desired)
    cells = sorted((u.row, u.col, u.value) for u in plan.updates)
    # row of 0002 is sheet row 1 (0-based incl. header); appended after the staff row (sheet row 4)
    assert cells == [(1, 1, "z"), (5, 0, "0003"), (5, 1, "new")]
    assert plan.appended_rows == 1


def test_keyed_table_new_tab_gets_header():
    plan = plan_keyed_table(None, "Riwayat", ["ID", "Waktu"], "ID", [{"ID": 1, "Waktu": "w"}])
    assert (0, 0, "ID") in [(u.row, u.col, u.value) for u in plan.updates]
    assert (1, 0, 1) in [(u.row, u.col, u.value) for u in plan.updates]


def test_numbers_compare_by_text_so_unformatted_reads_do_not_rewrite():
    t = SheetTable("Riwayat", ["ID", "Waktu"], [[1.0, "w"]])
    plan = plan_keyed_table(t, "Riwayat", ["ID", "Waktu"], "ID", [{"ID": 1, "Waktu": "w"}])
    assert plan.empty


def test_a1_columns():
    assert [a1_column(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]


def test_a_second_row_with_an_owned_key_is_cleared():
    # a late-applied write left a copy of row "2" where row "3" had been appended
    t = SheetTable("Riwayat", ["ID", "Waktu"], [["1", "a"], ["2", "b"], ["2", "b"]])
    plan = plan_keyed_table(t, "Riwayat", ["ID", "Waktu"], "ID",
                            [{"ID": 1, "Waktu": "a"}, {"ID": 2, "Waktu": "b"}, {"ID": 3, "Waktu": "c"}])
    cells = sorted((u.row, u.col, u.value) for u in plan.updates)
    assert (3, 0, "") in cells and (3, 1, "") in cells  # the copy is blanked
    assert (4, 0, 3) in cells and (4, 1, "c") in cells  # the lost row comes back


def test_rows_staff_added_with_unknown_keys_are_left_alone():
    t = SheetTable("Buku Agenda", ["No. Agenda", "Ket."], [["0001", "x"], ["catatan", "staf"], ["catatan", "staf"]])
    plan = plan_keyed_table(t, "Buku Agenda", ["No. Agenda", "Ket."], "No. Agenda", [{"No. Agenda": "0001", "Ket.": "x"}])
    assert plan.empty


def test_text_longer_than_a_cell_is_cut_once_and_then_left_alone():
    long = "x" * 100_000
    plan = plan_keyed_table(None, "Buku Agenda", ["No. Agenda", "Pengirim"], "No. Agenda", [{"No. Agenda": "1", "Pengirim": long}])
    written = next(u.value for u in plan.updates if u.col == 1 and u.row == 1)
    assert len(written) == 32767 and written.endswith("… [dipotong, lihat dokumen]")
    again = plan_keyed_table(SheetTable("Buku Agenda", ["No. Agenda", "Pengirim"], [["1", written]]),
                             "Buku Agenda", ["No. Agenda", "Pengirim"], "No. Agenda", [{"No. Agenda": "1", "Pengirim": long}])
    assert again.empty


def test_a_tab_is_kept_as_fingerprints_not_text():
    """A 100,000-row sheet must not be held cell by cell: each row keeps 8 bytes per planned
    column, whatever the row holds, and the plan made from them is exact."""
    header = ["no. AGENDA", "Timestamp", "Kronologi", "tahap", "Lain"]
    rows = [["0001/SIAPMAS/2026", "t", "x" * 5000, "TERAGENDA", "z"], ["", "t2", "y" * 300], []]
    cols = ("No. Agenda", "Tahap")
    t = digest_table(SheetTable("S", header, rows), cols)
    assert len(t.digests) == 3 * 16 and t.row_count == 3
    assert t.last_nonempty == 1
    desired = {0: {"No. Agenda": "0001/SIAPMAS/2026", "Tahap": "SELESAI"},
               1: {"No. Agenda": "0002/SIAPMAS/2026", "Tahap": "TERAGENDA"}, 2: {"Tahap": "TERAGENDA"}}
    cells = sorted((u.row, u.col, u.value) for u in plan_status(t, desired, cols).updates)
    assert cells == [(1, 3, "SELESAI"), (2, 0, "0002/SIAPMAS/2026"), (2, 3, "TERAGENDA"), (3, 3, "TERAGENDA")]


def test_one_changed_cell_in_a_wide_row_is_the_only_cell_written():
    cols = [f"K{i}" for i in range(16)]
    row = {c: f"nilai {i}" for i, c in enumerate(cols)}
    t = SheetTable("Kendali", ["K3", *[c for c in cols if c != "K3"], "staf"],
                   [[row["K3"], *[row[c] for c in cols if c != "K3"], "catatan staf"]])
    changed = dict(row, K15="baru")
    plan = plan_keyed_table(t, "Kendali", cols, "K0", [changed])
    assert [(u.row, u.col, u.value) for u in plan.updates] == [(1, 15, "baru")]
    assert plan_keyed_table(t, "Kendali", cols, "K0", [row]).empty


def test_a_digest_read_with_other_columns_is_refused():
    t = digest_table(SheetTable("S", ["A", "B"], [["1", "2"]]), ("A",), "A")
    with pytest.raises(ValueError):
        TableDiff(t, "S", ("A", "B"), "A")
