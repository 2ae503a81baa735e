"""Fault injection per route.

``standin.faults.add(route, kind, count=1 | probability=0.2, retry_after=1, seconds=5)``

route:  a route name ("sheets.values.get"), a name prefix ("sheets", "drive.files"),
        "*" for everything, or otherwise a regular expression searched in
        "METHOD /path?query" (e.g. r"PUT .*/values/").
kind:   "429"  error with Retry-After (Sheets RESOURCE_EXHAUSTED / Drive rateLimitExceeded)
        "403"  Drive-style 403 usageLimits/rateLimitExceeded
        "401"  invalid credentials (clients refresh their token and retry)
        "500", "503"  server errors in the API's own error shape
        "slow" sleep ``seconds`` before handling (then answer normally, possibly after
               the client gave up: the write still happens, late)
        "drop" close the socket without any response; the request is NOT applied
        "drop_after" apply the request, then close the socket without responding
               (the classic "did my append happen?" case)
count:  how many matching requests are hit (default 1);  probability: hit each matching
        request with this chance using the seeded RNG (unlimited unless count is given).
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field

KINDS = {"429", "403", "401", "500", "503", "slow", "drop", "drop_after"}
ROUTE_NAMES = (
    "oauth.token",
    "sheets.create", "sheets.get", "sheets.batchUpdate",
    "sheets.values.get", "sheets.values.update", "sheets.values.append", "sheets.values.clear",
    "sheets.values.batchGet", "sheets.values.batchUpdate", "sheets.values.batchClear",
    "drive.files.list", "drive.files.get", "drive.files.media", "drive.files.create", "drive.files.upload",
    "drive.files.update", "drive.files.delete", "drive.permissions.list", "drive.permissions.create",
    "drive.permissions.delete",
)


def is_route_name(route: str) -> bool:
    return route == "*" or any(n == route or n.startswith(route + ".") for n in ROUTE_NAMES)


@dataclass
class Fault:
    route: str
    kind: str
    count: int | None = 1
    probability: float | None = None
    retry_after: float | None = 1
    seconds: float = 5.0
    methods: tuple[str, ...] | None = None
    hits: int = 0
    _regex: re.Pattern[str] | None = field(default=None, repr=False)

    def matches(self, name: str, method: str, target: str) -> bool:
        if self.methods and method.upper() not in self.methods:
            return False
        if self._regex is not None:
            return bool(self._regex.search(f"{method.upper()} {target}"))
        return self.route == "*" or name == self.route or name.startswith(self.route + ".")

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.hits >= self.count


class Faults:
    def __init__(self, seed: int = 0):
        self._rules: list[Fault] = []
        self._lock = threading.Lock()
        self.rng = random.Random(seed)

    def add(self, route: str, kind: str | int, count: int | None = None, probability: float | None = None,
            retry_after: float | None = 1, seconds: float = 5.0, methods: tuple[str, ...] | list[str] | None = None) -> Fault:
        kind = str(kind)
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {sorted(KINDS)}")
        if probability is None and count is None:
            count = 1
        regex = None if is_route_name(route) else re.compile(route)
        fault = Fault(route, kind, count, probability, retry_after, seconds,
                      tuple(m.upper() for m in methods) if methods else None, _regex=regex)
        with self._lock:
            self._rules.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def remove(self, fault: Fault) -> None:
        with self._lock:
            if fault in self._rules:
                self._rules.remove(fault)

    @property
    def rules(self) -> list[Fault]:
        with self._lock:
            return list(self._rules)

    def pick(self, name: str, method: str, target: str) -> Fault | None:
        """The first live rule that fires for this request (consumes one hit)."""
        with self._lock:
            for fault in self._rules:
                if fault.exhausted or not fault.matches(name, method, target):
                    continue
                if fault.probability is not None and self.rng.random() >= fault.probability:
                    continue
                fault.hits += 1
                return fault
        return None
