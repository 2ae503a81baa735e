"""When a response counts as received: the policy for timestamps that are not plausible.

Owns :func:`timestamp_oddity` and :func:`effective_received`. A form timestamp before the
form was opened (``[source] form_start``, default 2020-01-01) or more than
:data:`RECEIPT_TOLERANCE` after the moment the worker first saw the response (clock skew
is tolerated, a wrong year or a swapped day/month is not) cannot say when the secretariat
received the response. Such a response is numbered — never lost — in the year of the
moment the worker first saw it, and a "waktu" note names the odd timestamp.

The same effective time decides the agenda year, ``Tgl Terima`` in Buku Agenda and
Kendali, the period of the ``buku-agenda`` export and ``received_at`` of ``status
--json``: the ledger records it (``responses.received_at``) when the response is
registered, while the submission keeps the timestamp as the form gave it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

__all__ = ["DEFAULT_FORM_START", "RECEIPT_TOLERANCE", "effective_received", "timestamp_oddity"]

#: the default of ``[source] form_start``: earlier than any SIAPMAS form
DEFAULT_FORM_START = date(2020, 1, 1)
#: how far after the moment it was first seen a timestamp may lie (clock skew)
RECEIPT_TOLERANCE = timedelta(days=1)


def timestamp_oddity(stamp: datetime, first_seen: datetime, form_start: date | None, tz: tzinfo) -> str | None:
    """Why *stamp* is not a plausible receipt time (Indonesian, short), or None when it is."""
    if form_start is not None and stamp < datetime.combine(form_start, time(), tzinfo=tz):
        return f"sebelum formulir dibuka pada {form_start:%d/%m/%Y} ([source] form_start)"
    if stamp - first_seen > RECEIPT_TOLERANCE:
        return ("lebih dari satu hari setelah jawaban ini terbaca; periksa jam komputer, zona waktu "
                "atau urutan tanggal/bulan ([source] day_first)")
    return None


def effective_received(stamp: datetime, first_seen: datetime, form_start: date | None, tz: tzinfo) -> datetime:
    """The time a response counts as received: its form timestamp when plausible, else the
    moment the worker first saw it."""
    return stamp if timestamp_oddity(stamp, first_seen, form_start, tz) is None else first_seen
