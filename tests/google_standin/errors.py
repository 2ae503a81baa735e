"""Error bodies exactly as Google shapes them.

Sheets v4 (gspread cassettes ClientTest.test_access_non_existing_spreadsheet /
test_access_private_spreadsheet): ``{"error": {"code", "message", "status"}}``.
Drive v3 ("Resolve errors" guide): ``{"error": {"errors": [{"domain", "reason",
"message", ...}], "code", "message"}}``.
"""

from __future__ import annotations

from typing import Any

STATUS_NAMES = {
    400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
    404: "NOT_FOUND", 409: "ABORTED", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL",
    503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED",
}

UNAUTH_MISSING = ("Request is missing required authentication credential. Expected OAuth 2 access token, "
                  "login cookie or other valid authentication credential. See "
                  "https://developers.google.com/identity/sign-in/web/devconsole-project.")
UNAUTH_INVALID = ("Request had invalid authentication credentials. Expected OAuth 2 access token, "
                  "login cookie or other valid authentication credential. See "
                  "https://developers.google.com/identity/sign-in/web/devconsole-project.")


class ApiError(Exception):
    def __init__(self, code: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        err = body.get("error") if isinstance(body, dict) else None  # OAuth bodies: {"error": "<code>"}
        super().__init__(err.get("message", str(code)) if isinstance(err, dict) else str(err or code))
        self.code = code
        self.body = body
        self.headers = headers or {}


def sheets_error(code: int, message: str, status: str | None = None,
                 details: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None) -> ApiError:
    err: dict[str, Any] = {"code": code, "message": message, "status": status or STATUS_NAMES.get(code, "UNKNOWN")}
    if details:
        err["details"] = details
    return ApiError(code, {"error": err}, headers)


def drive_error(code: int, reason: str, message: str, *, domain: str = "global",
                location: str | None = None, location_type: str | None = None,
                headers: dict[str, str] | None = None) -> ApiError:
    item: dict[str, Any] = {"message": message, "domain": domain, "reason": reason}
    if location:
        item["location"] = location
        item["locationType"] = location_type or "parameter"
    return ApiError(code, {"error": {"errors": [item], "code": code, "message": message}}, headers)


def unauthenticated(api: str, missing: bool) -> ApiError:
    message = UNAUTH_MISSING if missing else UNAUTH_INVALID
    headers = {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'
               + ("" if missing else ', error="invalid_token"')}
    if api == "drive":
        e = drive_error(401, "required" if missing else "authError",
                        "Login Required." if missing else "Invalid Credentials",
                        location="Authorization", location_type="header", headers=headers)
        e.body["error"]["message"] = message
        e.body["error"]["status"] = "UNAUTHENTICATED"
        return e
    return sheets_error(401, message, "UNAUTHENTICATED", headers=headers)


def insufficient_scopes(api: str) -> ApiError:
    details = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                "domain": "googleapis.com",
                "metadata": {"service": "sheets.googleapis.com" if api == "sheets" else "drive.googleapis.com"}}]
    if api == "drive":
        e = drive_error(403, "insufficientPermissions", "Request had insufficient authentication scopes.")
        e.body["error"]["status"] = "PERMISSION_DENIED"
        e.body["error"]["details"] = details
        return e
    return sheets_error(403, "Request had insufficient authentication scopes.", "PERMISSION_DENIED", details)


def quota_exceeded(group: str, limit: int, retry_after: int, project_number: str) -> ApiError:
    metric = "Read requests" if group == "read" else "Write requests"
    message = (f"Quota exceeded for quota metric '{metric}' and limit '{metric} per minute per user' of "
               f"service 'sheets.googleapis.com' for consumer 'project_number:{project_number}'.")
    details = [
        {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED",
         "domain": "googleapis.com",
         "metadata": {"quota_metric": f"sheets.googleapis.com/{group}_requests",
                      "quota_limit": f"{group.capitalize()}RequestsPerMinutePerUser",
                      "quota_limit_value": str(limit), "consumer": f"projects/{project_number}",
                      "service": "sheets.googleapis.com", "quota_location": "global"}},
        {"@type": "type.googleapis.com/google.rpc.Help",
         "links": [{"description": "Request a higher quota limit.",
                    "url": "https://cloud.google.com/docs/quotas/help/request_increase"}]},
    ]
    return sheets_error(429, message, "RESOURCE_EXHAUSTED", details, headers={"Retry-After": str(retry_after)})


def fault_error(api: str, kind: str, retry_after: int | float | None) -> ApiError:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    if kind == "429":
        if api == "drive":
            e = drive_error(429, "rateLimitExceeded", "Rate Limit Exceeded", domain="usageLimits", headers=headers)
            return e
        if api == "oauth":
            return ApiError(429, {"error": "rate_limit_exceeded", "error_description": "Rate limit exceeded"}, headers)
        return sheets_error(429, "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per "
                            "minute per user' of service 'sheets.googleapis.com' for consumer "
                            "'project_number:000000000000'.", "RESOURCE_EXHAUSTED", headers=headers)
    if kind in ("403", "403rate"):
        return drive_error(403, "rateLimitExceeded", "Rate Limit Exceeded", domain="usageLimits", headers=headers)
    if kind == "401":
        return unauthenticated(api, missing=False)
    if kind == "500":
        if api == "drive":
            return drive_error(500, "backendError", "Internal Error", headers=headers)
        if api == "oauth":
            return ApiError(500, {"error": "internal_failure", "error_description": "Backend Error"}, headers)
        return sheets_error(500, "Internal error encountered.", "INTERNAL", headers=headers)
    if kind == "503":
        if api == "drive":
            return drive_error(503, "backendError", "Service Unavailable", headers=headers)
        if api == "oauth":
            return ApiError(503, {"error": "temporarily_unavailable", "error_description": "Service unavailable"}, headers)
        return sheets_error(503, "The service is currently unavailable.", "UNAVAILABLE", headers=headers)
    raise ValueError(f"unknown fault kind {kind}")
