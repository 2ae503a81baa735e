"""How the ledger stores values: timestamps as UTC ISO-8601 text, structures as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

IN_LIST = 500  # values per IN (...) list: well under SQLite's and PostgreSQL's limits on bound parameters


def utc_iso(dt: datetime) -> str:
    """A timestamp as stored: UTC, second precision, ISO-8601."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime in the ledger")
    return dt.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def to_json(value: Any) -> str:
    def default(o: Any) -> Any:
        if isinstance(o, datetime):
            return utc_iso(o)
        if isinstance(o, Path):
            return str(o)
        if hasattr(o, "__dataclass_fields__"):
            return asdict(o)
        raise TypeError(type(o).__name__)

    return json.dumps(value, default=default, ensure_ascii=False, sort_keys=True)


def chunks(values: Iterable[T]) -> Iterator[list[T]]:
    """*values* without repeats, in their order, :data:`IN_LIST` at a time: one
    ``IN (...)`` list each."""
    wanted = list(dict.fromkeys(values))
    for start in range(0, len(wanted), IN_LIST):
        yield wanted[start : start + IN_LIST]
