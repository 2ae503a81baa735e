"""The whole cycle as a state machine (Hypothesis): form responses arrive (new ones,
resubmissions, kelengkapan quoting a receipt's code), operators edit Kendali and record
steps with the CLI, cycles run, the worker is stopped and started again — sometimes killed
in the middle of its write-back, sometimes its mail connection drops after a message
reached the server. Runs on the in-memory backend (siapmas_sync/backends/memory.py) with
the real Engine, the SQLite ledger in a temporary folder and a real SMTP server
(tests/smtp_support.py). After every rule, and in full after every cycle that ends:

* agenda numbers run 1, 2, 3, … per year, none twice, and no submission has two;
* after a cycle, every new submission has exactly one number, which never changes; a
  resubmission shows its original's number as DUPLIKAT; a kelengkapan is not numbered;
* no operator edit in Kendali is lost: it is applied (Tahap kept, Pesan "✓") or refused
  (Tahap restored to the ledger's stage, Pesan "✗");
* no message reaches the SMTP server twice — twice at most when its fate was unknown
  (the connection dropped after the message was accepted: README "Replies to citizens").
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from enum import Enum
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, invariant, precondition, rule,
                                 run_state_machine_as_test)

from siapmas_sync.backends.memory import MemoryBackend, MemorySpreadsheet
from siapmas_sync.cli import main
from siapmas_sync.config import load_settings
from siapmas_sync.cycle.engine import Engine
from siapmas_sync.core.kendali_sheet import KENDALI_TAB
from siapmas_sync.ledger import Ledger
from siapmas_sync.core.sheetplan import cell_text

from .conftest import WIB
from .smtp_support import PASSWORD, PASSWORD_ENV, SmtpServer
from .worlds import HEADER, rows_as_dicts

#: the main road of the SOP's first steps: stage → (next stage, who records it)
NEXT = {
    "TERAGENDA": ("PARAF KASUBAG TU", "Dwi Lestari"),
    "PARAF KASUBAG TU": ("PARAF KABAG", "Agus Santoso"),
    "PARAF KABAG": ("DISPOSISI SEKWAN", "Bambang Wahyudi"),
}
#: exits that need a note
EXITS = ("PERLU KELENGKAPAN", "DITOLAK")
#: edits that can never be right from an early stage
INVALID = ("SELESAI", "TAHAP NGAWUR", "TINDAK LANJUT")
CODE = re.compile(r"Kode kelengkapan : (\S+)")


class Killed(BaseException):
    """The worker's process dies here (nothing after this line of the cycle runs)."""


class DyingBackend(MemoryBackend):
    """The in-memory backend of a worker that is killed in the middle of its write-back."""

    def __init__(self, sheet: MemorySpreadsheet, machine: CycleMachine) -> None:
        super().__init__(sheet)
        self.machine = machine

    def write(self, plans: Any, controls: Any = None, *, dasbor: Any = None) -> None:
        if self.machine.kill_in_write:
            self.machine.kill_in_write = False
            raise Killed()
        super().write(plans, controls, dasbor=dasbor)


class Kind(Enum):
    BARU = "a new submission"
    DUPLIKAT = "the same submission sent again"
    KELENGKAPAN = "kelengkapan quoting an agenda number and its code"


@dataclass
class Row:
    """One response row as the model knows it (rows are never re-sorted here)."""

    kind: Kind
    name: str
    agenda: str = ""  # for duplikat / kelengkapan: the number it must show


@dataclass
class Edit:
    agenda: str
    target: str
    must_apply: bool  # a valid next stage nobody else moved the item away from
    must_refuse: bool  # a stage that can never follow


SEEN: Counter[str] = Counter()  # what the examples exercised (printed by the test)


def event(what: str) -> None:
    SEEN[what] += 1


class CycleMachine(RuleBasedStateMachine):
    server: SmtpServer  # set by the test: one server for all examples

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="siapmas-stateful-"))
        self.config = self.tmp / "siapmas.toml"
        self.config.write_text(
            '[source]\nevidence_dir = "."\n'  # the local backend's setting, not used here: no warning
            '[storage]\ndatabase = "var/siapmas.db"\n'
            '[output]\ndir = "var/output"\nprint_batch = false\ndocx = false\n'
            '[notify]\ntransport = "smtp"\n' + self.server.toml(), encoding="utf-8")
        self.server.handler.received.clear()
        self.server.handler.drop_after_data.clear()
        self.sheet = MemorySpreadsheet(header=HEADER)
        self.t0 = datetime.now(WIB).replace(microsecond=0) - timedelta(hours=3)
        self.rows: list[Row] = []
        self.numbers: dict[str, str] = {}  # name of a new submission → its number, once seen
        self.pending: dict[str, Edit] = {}  # agenda → the operator's latest unanswered edit
        self.dropped: set[str] = set()  # addresses whose connection was dropped after DATA
        self.kill_in_write = False
        self.engine: Engine | None = None
        # each cycle runs 10 minutes after the one before (a message's retry waits 5 minutes);
        # the CLI records steps at the real time, between two cycles
        self.later = timedelta(0)

    def teardown(self) -> None:
        event(f"example of {len(self.rows)} responses")
        self.kill_in_write = False
        self.a_cycle_runs()  # the last cycle answers what is still pending
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- the worker -------------------------------------------------------------------------

    def start(self) -> Engine:
        if self.engine is None:
            s = load_settings(self.config, environ={})
            self.engine = Engine(s, DyingBackend(self.sheet, self), Ledger(s.database_url()),
                                 clock=lambda: datetime.now(WIB) + self.later)
        return self.engine

    def stop(self) -> None:
        if self.engine is not None:
            self.engine.backend.close()
            self.engine.ledger.close()
            self.engine = None

    def cli(self, *args: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main(["--config", str(self.config), *args])
        return rc, out.getvalue(), err.getvalue()

    def items(self) -> dict[str, dict[str, Any]]:
        rc, out, err = self.cli("status", "--json")
        assert rc == 0, err
        return {i["agenda"]: i for i in json.loads(out)}

    def kendali(self) -> dict[str, dict[str, Any]]:
        return {cell_text(r["No. Agenda"]): r for r in rows_as_dicts(self.sheet.get(KENDALI_TAB))}

    def stage_shown(self, agenda: str) -> str:
        row = self.kendali().get(agenda)
        return cell_text(row["Tahap"]) if row else ""

    # --- people -----------------------------------------------------------------------------

    def respond(self, name: str, kron: str) -> None:
        at = self.t0 + timedelta(minutes=len(self.rows))
        email = f"{name.lower()}@example.com"
        self.sheet.append([[at, name, "0812-3456-7890", email, kron, ""]])

    @rule(receipt_cut_off=st.booleans())
    def a_new_complaint(self, receipt_cut_off: bool = False) -> None:
        """*receipt_cut_off*: the mail connection drops after its receipt reached the server
        (the message's fate is unknown to the worker)."""
        name = f"Warga{len(self.rows):02d}"
        self.respond(name, f"Jalan rusak di Dusun {name}, Desa Jatirejo, sejak Oktober 2026; pengendara jatuh.")
        self.rows.append(Row(Kind.BARU, name))
        if receipt_cut_off:
            address = f"{name.lower()}@example.com"
            self.dropped.add(address)
            self.server.handler.drop_after_data.add(address)

    @precondition(lambda self: any(r.kind is Kind.BARU for r in self.rows))
    @rule(data=st.data())
    def the_same_complaint_sent_again(self, data: st.DataObject) -> None:
        original = data.draw(st.sampled_from([r for r in self.rows if r.kind is Kind.BARU]))
        self.respond(original.name, f"Jalan rusak di Dusun {original.name}, Desa Jatirejo, sejak Oktober 2026; "
                                    "pengendara jatuh.")
        self.rows.append(Row(Kind.DUPLIKAT, original.name))

    @precondition(lambda self: bool(self.numbers))
    @rule(data=st.data())
    def kelengkapan_quoting_the_receipt(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.numbers)))
        agenda = self.numbers[name]
        receipts = [m for m in self.server.handler.received
                    if m["X-SIAPMAS-Jenis"] == "tanda_terima" and agenda in m["Subject"]]
        if not receipts:  # not sent yet: the reporter has no code to quote
            return
        code = CODE.search(receipts[0].get_body(("plain",)).get_content())
        assert code, "the receipt carries the kode kelengkapan"
        self.respond(name, f"Kelengkapan untuk nomor {agenda} kode {code.group(1)}: foto lokasi menyusul.")
        self.rows.append(Row(Kind.KELENGKAPAN, name, agenda))
        event("kelengkapan quoting the code")
        if agenda in self.pending:  # it may resume a PERLU KELENGKAPAN item
            self.pending[agenda].must_apply = False

    # three rules, not one: Hypothesis leaves some rules out of each example (swarm testing)
    @precondition(lambda self: bool(self.numbers))
    @rule(data=st.data())
    def an_operator_moves_an_item_on_in_kendali(self, data: st.DataObject) -> None:
        self.edit_kendali(data, "next")

    @precondition(lambda self: bool(self.numbers))
    @rule(data=st.data())
    def an_operator_rejects_or_asks_for_kelengkapan_in_kendali(self, data: st.DataObject) -> None:
        self.edit_kendali(data, "exit")

    @precondition(lambda self: bool(self.numbers))
    @rule(data=st.data())
    def an_operator_picks_an_impossible_stage_in_kendali(self, data: st.DataObject) -> None:
        self.edit_kendali(data, "invalid")

    def edit_kendali(self, data: st.DataObject, kind: str) -> None:
        agenda = data.draw(st.sampled_from(sorted(set(self.numbers.values()))))
        shown = self.stage_shown(agenda)
        if not shown:
            event("edit skipped: no kendali row")
            return
        cells = {"Oleh": "Dwi Lestari"}
        if kind == "next" and shown in NEXT:
            target, cells["Oleh"] = NEXT[shown]
        elif kind == "exit":
            target = data.draw(st.sampled_from(EXITS))
            cells["Catatan"] = "Mohon lengkapi foto lokasi." if target == "PERLU KELENGKAPAN" else "Bukan kewenangan DPRD."
        else:
            target = data.draw(st.sampled_from(INVALID))
        if target == shown:  # the cell keeps its value: no edit
            return
        tab = self.sheet.get(KENDALI_TAB)
        header = [cell_text(h) for h in tab[0]]
        for r in tab[1:]:
            if r and cell_text(r[header.index("No. Agenda")]) == agenda:
                r.extend([""] * (len(header) - len(r)))
                r[header.index("Tahap")] = target
                for title, v in cells.items():
                    r[header.index(title)] = v
        self.sheet.put(KENDALI_TAB, tab)
        valid = kind == "next" and shown in NEXT and self.items()[agenda]["stage"] == shown
        self.pending[agenda] = Edit(agenda, target, must_apply=valid, must_refuse=kind == "invalid")
        event(f"kendali edit ({kind})")

    @precondition(lambda self: bool(self.numbers))
    @rule(data=st.data())
    def a_step_recorded_with_the_cli(self, data: st.DataObject) -> None:
        agenda = data.draw(st.sampled_from(sorted(set(self.numbers.values()))))
        stage = self.items()[agenda]["stage"]
        target, by = NEXT.get(stage, ("SELESAI", "Rina Kusuma"))
        rc, out, err = self.cli("advance", agenda, target, "--by", by)
        assert "Traceback" not in err
        event(f"cli step {'recorded' if rc == 0 else 'refused'}")
        if rc == 0:
            assert self.items()[agenda]["stage"] == target
            if agenda in self.pending:  # the operator's edit now races a recorded step
                self.pending[agenda].must_apply = False
        else:
            assert "GALAT:" in err and "Saran:" in err and stage not in NEXT

    @initialize()
    def two_complaints_numbered(self) -> None:
        self.a_new_complaint()
        self.a_new_complaint(receipt_cut_off=True)  # resent by a later cycle, once
        self.a_cycle_runs()

    @rule()
    def a_cycle_runs(self) -> None:
        self.later += timedelta(minutes=10)
        try:
            self.start().cycle()
        except Killed:
            event("cycle killed in its write-back")
            self.stop()  # the process is gone; the next rule starts a new one
            return
        event("cycle completed")
        self.check_after_cycle()

    @rule()
    def the_worker_is_restarted(self) -> None:
        self.stop()

    @rule()
    def a_cycle_is_killed_in_its_write_back(self) -> None:
        self.kill_in_write = True
        self.a_cycle_runs()

    # --- what must always hold ----------------------------------------------------------------

    @invariant()
    def numbers_are_gapless_and_given_once(self) -> None:
        items = self.items()
        by_year: dict[int, list[int]] = {}
        for i in items.values():
            by_year.setdefault(i["year"], []).append(i["seq"])
        for year, seqs in by_year.items():
            assert sorted(seqs) == list(range(1, len(seqs) + 1)), (year, sorted(seqs))
        assert len({i["key"] for i in items.values()}) == len(items)
        assert len(items) <= sum(r.kind is Kind.BARU for r in self.rows)

    @invariant()
    def no_message_twice_beyond_one_resend(self) -> None:
        sent = Counter((m["Message-ID"].strip(), m["To"]) for m in self.server.handler.received)
        for (mid, to), n in sent.items():
            if n > 1:
                event("a message resent after its fate was unknown")
            assert n <= (2 if to in self.dropped else 1), (mid, n)

    def check_after_cycle(self) -> None:
        self.server.handler.drop_after_data.clear()  # the connection drops once
        values = self.sheet.get(self.sheet.response_tab)
        shown = rows_as_dicts(values)
        assert len(shown) == len(self.rows)
        items = self.items()
        for row, cells in zip(self.rows, shown):
            agenda, tahap = cell_text(cells["No. Agenda"]), cell_text(cells["Tahap"])
            if row.kind is Kind.BARU:
                assert agenda in items, (row, cells)
                assert self.numbers.setdefault(row.name, agenda) == agenda  # never renumbered
            elif row.kind is Kind.DUPLIKAT:
                assert tahap == "DUPLIKAT" and agenda == self.numbers[row.name], (row, cells)
            else:
                assert agenda == row.agenda, (row, cells)
        originals = [r.name for r in self.rows if r.kind is Kind.BARU]
        assert len(items) == len(originals) == len(set(self.numbers.values()))
        kendali = self.kendali()
        for agenda, edit in list(self.pending.items()):
            k = kendali[agenda]
            stage, pesan, tahap = items[agenda]["stage"], cell_text(k["Pesan"]), cell_text(k["Tahap"])
            # applied, and still there unless a recorded step or a kelengkapan moved it on (after a
            # worker killed in its write-back, the edit already applied is answered "✓ … tidak ada
            # perubahan": confirmed, not lost)
            applied = pesan.startswith("✓") and tahap == stage and (f"→ {edit.target} " in pesan + " " or stage == edit.target)
            refused = pesan.startswith("✗") and tahap == stage != edit.target
            assert applied or refused, (edit, stage, tahap, pesan)
            assert not (edit.must_apply and (refused or stage != edit.target)), (edit, stage, pesan)
            assert not (edit.must_refuse and applied), (edit, pesan)
            event(f"edit {'applied' if applied else 'refused'} ({'valid' if edit.must_apply else 'invalid' if edit.must_refuse else 'either'})")
            del self.pending[agenda]


def new_machine() -> CycleMachine:
    """The factory Hypothesis runs. A function, not the class: Hypothesis digests its source
    with inspect.getsource, which parses the whole file for a class, and CPython 3.11.7's
    parser failed there once in CI with "SystemError: AST constructor recursion depth
    mismatch" (CPython gh-106905); a function's source is found without parsing."""
    return CycleMachine()


def test_the_cycle_keeps_its_promises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    with SmtpServer(tmp_path) as server:
        CycleMachine.server = server
        run_state_machine_as_test(new_machine, settings=settings(
            max_examples=25, stateful_step_count=15, deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    print("\n".join(f"{n:5d}  {what}" for what, n in sorted(SEEN.items())))
