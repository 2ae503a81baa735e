"""Serve a state file for manual trials.

    python -m tests.google_standin --state var/standin.json --port 8765

Prints the URL and the path of a generated service-account key file whose account is
granted access (``--grant``) to every file in the state.  With a missing state file a
small demo (a "SIAPMAS Aspirasi" spreadsheet with a 'Form Responses 1' tab and an
evidence folder) is created.  ``--save`` writes the state back on Ctrl-C.
"""

from __future__ import annotations

import argparse
import csv
import json
import mimetypes
import signal
import sys
import threading
from pathlib import Path

from .server import GoogleStandin

DEFAULT_ACCOUNT = "siapmas-sync@siapmas-local.iam.gserviceaccount.com"


REPO = Path(__file__).resolve().parents[2]


def _demo(g: GoogleStandin) -> tuple[str, str]:
    """The bundled sample (examples/) as a form's response sheet and upload folder;
    returns (spreadsheet id, evidence folder id)."""
    with (REPO / "examples" / "responses.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = [list(r) for r in csv.reader(fh)]
    folder = g.create_folder("Bukti Dukung (File responses)")
    for f in sorted((REPO / "examples" / "evidence").iterdir()):
        if f.is_file():
            g.add_drive_file(f.name, f.read_bytes(), folder, mimetypes.guess_type(f.name)[0] or "application/octet-stream")
    return g.create_spreadsheet("SIAPMAS (Jawaban)", tabs={"Form Responses 1": rows}), folder


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.google_standin", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--state", type=Path, help="JSON state file (as written by dump_state)")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--account", default=DEFAULT_ACCOUNT, help="service-account e-mail for the generated key")
    ap.add_argument("--grant", choices=["writer", "reader", "none"], default="writer",
                    help="role given to --account on every top-level file of the state")
    ap.add_argument("--key-file", type=Path, help="where to write the key (default: beside the state file)")
    ap.add_argument("--quota-per-minute", type=int, default=None)
    ap.add_argument("--save", action="store_true", help="write the state back to --state on exit")
    args = ap.parse_args(argv)

    g = GoogleStandin(args.host, args.port, quota_per_minute=args.quota_per_minute)
    sid = folder = ""
    if args.state and args.state.exists():
        g.load_state(args.state)
    else:
        sid, folder = _demo(g)
    g.start()
    key = g.make_service_account_key(args.account)
    if args.grant != "none":
        for fid, rec in list(g.store.files.items()):
            if not any(p in g.store.files for p in rec.get("parents", [])):
                g.share(fid, args.account, args.grant)
    key_path = args.key_file or ((args.state.parent if args.state else Path.cwd()) / "standin-service-account.json")
    key_path.parent.mkdir(parents=True, exist_ok=True)  # README's trial names var/standin/, absent on a fresh clone
    key_path.write_text(json.dumps(key, indent=2), encoding="utf-8")
    key_path.chmod(0o600)
    print(f"Google stand-in listening on {g.url}")
    print(f"service-account key: {key_path}")
    for fid, rec in g.store.files.items():
        print(f"  {rec['mimeType'].rsplit('.', 1)[-1]:<14} {fid}  {rec['name']}")
    if sid:
        print("\nA configuration for it (e.g. config/standin.toml; paths relative to that file):\n")
        print(f'[source]\nbackend = "google"\nspreadsheet_id = "{sid}"\nevidence_folder_id = "{folder}"\n'
              f'credentials = "{key_path.resolve()}"\ngoogle_endpoint = "{g.url}"\n'
              '[storage]\ndatabase = "../var/standin/siapmas.db"\n[output]\ndir = "../var/standin/output"')
    sys.stdout.flush()

    done = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: done.set())
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    done.wait()
    g.stop()
    if args.save and args.state:
        args.state.parent.mkdir(parents=True, exist_ok=True)
        g.dump_state(args.state)
        print(f"state saved to {args.state}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
