"""Reading a Sheets ``values:batchGet`` reply as a stream, row by row.

A register of 100,000 responses is a reply of ~260 MB. Parsed the usual way (the whole
body as bytes, then as text, then as nested lists) it needed over a gigabyte at its peak.
Here the body is parsed while it arrives (ijson, C backend) and each row goes, as a tuple
whose short, repeated cells (stage names, dates, actors, "Lengkap") are interned, to the
tab's reader, which keeps what its user needs (see backends.base.TabReader).

A reply cut off mid-way or garbled is a transient error (:class:`ConnectionError`),
retried like a dropped connection.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from typing import Any

import ijson
import requests

from .base import TabReader

#: cells up to this length are interned: they repeat across rows (labels, dates, names)
INTERN_MAX = 48


class _ChunkReader:
    """A file-like ``read`` over ``Response.iter_content`` (which turns urllib3's read
    errors into requests' exceptions the retry policy knows)."""

    def __init__(self, resp: requests.Response, chunk: int = 1 << 16) -> None:
        self._chunks: Iterator[bytes] = resp.iter_content(chunk_size=chunk)
        self._buf = b""

    def read(self, n: int = -1) -> bytes:
        while n < 0 or len(self._buf) < n:
            piece = next(self._chunks, None)
            if piece is None:
                break
            self._buf += piece
        if n < 0:
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:n], self._buf[n:]
        return out


def _compact(row: list[Any]) -> tuple[Any, ...]:
    intern = sys.intern
    return tuple(intern(v) if type(v) is str and len(v) <= INTERN_MAX else v for v in row)


def read_value_ranges(resp: requests.Response, readers: Sequence[TabReader]) -> list[Any]:
    """Feed each value range of a batchGet reply, in request order (the API answers ranges
    in the order asked), to its reader — the first row as the header (unless the reader is
    ``headerless``: a range that starts below it), then each data row as it arrives — and
    return what each reader kept. Numbers come as int or float."""
    it = iter(readers)
    reader: TabReader | None = None
    first = True
    row: list[Any] | None = None
    try:
        for prefix, event, value in ijson.parse(_ChunkReader(resp), use_float=True):
            if prefix == "valueRanges.item" and event == "start_map":
                reader = next(it, None)
                first = True
            elif prefix == "valueRanges.item.values.item":
                if event == "start_array":
                    row = []
                elif event == "end_array" and row is not None:
                    if reader is not None:
                        if first and getattr(reader, "headerless", False):  # a range below the header
                            reader.row(_compact(row))
                            first = False
                        elif first:
                            reader.header([str(h) for h in row])
                            first = False
                        else:
                            reader.row(_compact(row))
                    row = None
            elif row is not None and prefix == "valueRanges.item.values.item.item":
                row.append(value)
    except ijson.JSONError as exc:
        # the C parser cannot tell a reply cut short from a garbled one (a proxy's error
        # page, say): both are worth another try, like a dropped connection
        detail = " ".join(str(exc).split())[:120]
        raise ConnectionError(f"jawaban Sheets terputus atau rusak ({detail})") from None
    # a range Google answered without a valueRanges entry reads as an empty tab
    return [r.result() for r in readers]


def read_value_columns(resp: requests.Response) -> list[list[list[Any]]]:
    """Each value range of a batchGet reply asked in COLUMNS major dimension, in request
    order: its columns (header cell first), built in C as the reply streams in (ijson's
    native ``items``) — the operators' columns of 100,000 rows never pass through Python
    cell by cell. A range with no ``values`` (an empty tab) has no columns."""
    try:
        return [list(vr.get("values") or []) for vr in ijson.items(_ChunkReader(resp), "valueRanges.item",
                                                                    use_float=True)]
    except ijson.JSONError as exc:
        detail = " ".join(str(exc).split())[:120]
        raise ConnectionError(f"jawaban Sheets terputus atau rusak ({detail})") from None
