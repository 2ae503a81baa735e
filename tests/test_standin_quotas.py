"""The stand-in enforces Google's per-user *and* per-project quotas (tests/google_standin/quotas.py)."""

from __future__ import annotations

import pytest

from .google_standin.errors import ApiError
from .google_standin.quotas import Quotas


def test_per_user_then_per_project_limits_with_googles_bodies():
    q = Quotas(sheets_per_project=3, sheets_per_user=2)
    q.check("sheets", "a@x", False, 0.0)
    q.check("sheets", "a@x", False, 1.0)
    with pytest.raises(ApiError) as user:
        q.check("sheets", "a@x", False, 2.0)
    assert user.value.code == 429
    err = user.value.body["error"]
    assert err["status"] == "RESOURCE_EXHAUSTED" and "per minute per user" in err["message"]
    assert err["details"][0]["metadata"]["quota_limit"] == "ReadRequestsPerMinutePerUser"
    q.check("sheets", "b@x", False, 3.0)  # the project's third read
    with pytest.raises(ApiError) as project:
        q.check("sheets", "c@x", False, 4.0)
    assert project.value.body["error"]["details"][0]["metadata"]["quota_limit"] == "ReadRequestsPerMinutePerProject"
    assert project.value.headers["Retry-After"] == "56"
    q.check("sheets", "c@x", True, 4.0)  # writes have their own quota
    q.check("sheets", "c@x", False, 60.5)  # a minute later the window has room again
    assert q.rejected == {("sheets", "user", "read"): 1, ("sheets", "project", "read"): 1}


def test_drive_answers_403_user_rate_limit_exceeded():
    q = Quotas(drive_per_user=1)
    q.check("drive", "a@x", False, 0.0)
    with pytest.raises(ApiError) as e:
        q.check("drive", "a@x", False, 0.5)
    assert e.value.code == 403 and e.value.body["error"]["errors"][0]["reason"] == "userRateLimitExceeded"
