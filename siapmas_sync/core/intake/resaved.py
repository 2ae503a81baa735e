"""Recognising a response the ledger holds when it comes back re-exported: by a
spreadsheet that dropped the seconds of its timestamp ("28/11/2026 14:05:33" re-saved as
"28/11/2026 14:05"), or with its text re-encoded (NFD instead of NFC, curly quotes made
straight, a zero-width character inserted, a look-alike letter — see unitext.fold).

Owns :func:`minute_only` and :func:`match_resaved`. Such a row's key differs from the
one the ledger holds (the key covers the raw text and the second), so it would look new:
a DUPLIKAT of itself, a second receipt, another register row. A row is that response
when the ledger holds a response with the same content hash (folded text) at the same
instant — or, when its timestamp has no seconds, within that minute. A genuine second
submission within the same minute cannot have a timestamp on second zero that is
*later* than the first, so nothing real is merged.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta

from siapmas_sync.core.models import Submission

__all__ = ["minute_only", "match_resaved"]


def minute_only(stamp: datetime) -> bool:
    """True when *stamp* carries no seconds (it may have lost them)."""
    return stamp.second == 0 and stamp.microsecond == 0


def match_resaved(
    subs: Sequence[Submission],
    ledger: Mapping[str, Sequence[tuple[str, datetime]]],
    in_sheet: Collection[str] = (),
) -> dict[str, str]:
    """For each of *subs* that is a re-saved copy of a response the ledger holds: its key →
    the ledger's key. *ledger*: content hash → (key, form timestamp) of the ledger's
    responses; *in_sheet*: keys whose own row the sheet still shows (claimed last). Each
    ledger response is claimed by one row at most."""
    claimed: set[str] = set()
    out: dict[str, str] = {}
    for sub in subs:
        end = sub.received_at + timedelta(minutes=1 if minute_only(sub.received_at) else 0, microseconds=1)
        found = sorted(
            ((key in in_sheet, at, key) for key, at in ledger.get(sub.content_hash, ())
             if sub.received_at <= at < end and key != sub.key and key not in claimed),
        )
        if found:
            key = found[0][2]
            claimed.add(key)
            out[sub.key] = key
    return out
