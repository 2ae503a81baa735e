"""Google's published per-project and per-user quotas, enforced by the stand-in.

Sheets v4 (developers.google.com/workspace/sheets/api/limits): read requests 300 per
minute per project and 60 per minute per user per project; write requests the same; an
excess request gets ``429 RESOURCE_EXHAUSTED`` with Google's body (ErrorInfo naming the
quota metric and limit) and ``Retry-After``. Read = a method that only retrieves (get,
values.get/batchGet), write = one that changes the spreadsheet.

Drive v3 (developers.google.com/workspace/drive/api/guides/limits): the page now publishes
quota *units* (1,000,000 per minute per project, 325,000 per minute per user per project)
without the per-method costs; the stand-in counts requests against the older published
query limit, 12,000 per minute per project and per user, and answers an excess request
with Drive's ``403 userRateLimitExceeded`` / ``rateLimitExceeded`` (usageLimits). For
SIAPMAS, Sheets is the binding quota by two orders of magnitude.

``window`` is the minute: benchmarks shrink it together with the worker's interval to
compress time (same rates, shorter run).
"""

from __future__ import annotations

import collections
import math
import threading
from collections import Counter
from dataclasses import dataclass, field

from .errors import ApiError, drive_error, sheets_error


@dataclass
class Quotas:
    window: float = 60.0
    sheets_per_project: int = 300  # read and write each
    sheets_per_user: int = 60
    drive_per_project: int = 12_000
    drive_per_user: int = 12_000
    project_number: str = "123456789012"
    rejected: Counter = field(default_factory=Counter)  # (api, "project"|"user", read|write) → count
    _windows: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, api: str, account: str, write: bool, now: float) -> None:
        group = "write" if write else "read"
        if api == "sheets":
            limits = (("project", "*", self.sheets_per_project), ("user", account, self.sheets_per_user))
            keyroot = ("sheets", group)
        else:
            limits = (("project", "*", self.drive_per_project), ("user", account, self.drive_per_user))
            keyroot = ("drive", "all")
        with self._lock:
            windows = []
            for scope, who, limit in limits:
                w = self._windows.setdefault((*keyroot, who), collections.deque())
                while w and w[0] <= now - self.window:
                    w.popleft()
                if len(w) >= limit:
                    self.rejected[(api, scope, group)] += 1
                    retry = max(1, math.ceil(w[0] + self.window - now))
                    raise self._error(api, scope, group, limit, retry)
                windows.append(w)
            for w in windows:  # counted once admitted by every limit
                w.append(now)

    def _error(self, api: str, scope: str, group: str, limit: int, retry: int) -> ApiError:
        headers = {"Retry-After": str(retry)}
        if api == "drive":
            if scope == "user":
                return drive_error(403, "userRateLimitExceeded", "User rate limit exceeded.", domain="usageLimits",
                                   headers=headers)
            return drive_error(403, "rateLimitExceeded", "Rate limit exceeded.", domain="usageLimits", headers=headers)
        metric = "Read requests" if group == "read" else "Write requests"
        per = "per minute per user" if scope == "user" else "per minute"
        message = (f"Quota exceeded for quota metric '{metric}' and limit '{metric} {per}' of service "
                   f"'sheets.googleapis.com' for consumer 'project_number:{self.project_number}'.")
        limit_name = f"{group.capitalize()}RequestsPerMinutePer{'User' if scope == 'user' else 'Project'}"
        details = [
            {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED",
             "domain": "googleapis.com",
             "metadata": {"quota_metric": f"sheets.googleapis.com/{group}_requests", "quota_limit": limit_name,
                          "quota_limit_value": str(limit), "consumer": f"projects/{self.project_number}",
                          "service": "sheets.googleapis.com", "quota_location": "global"}},
            {"@type": "type.googleapis.com/google.rpc.Help",
             "links": [{"description": "Request a higher quota limit.",
                        "url": "https://cloud.google.com/docs/quotas/help/request_increase"}]},
        ]
        return sheets_error(429, message, "RESOURCE_EXHAUSTED", details, headers=headers)


