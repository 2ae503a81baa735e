"""WaStandin: the WhatsApp Business Cloud API's ``/messages`` endpoint on loopback,
answering as Meta documents, for tests of siapmas_sync.wa.cloud.

    with WaStandin(token="EAAG-test") as wa:
        client = CloudApiClient(wa.phone_number_id, "EAAG-test", base_url=wa.url)

Answers (Meta "WhatsApp error codes" / "Send messages"; Graph API error shape
``{"error": {"message": "(#CODE) Title", "type": "OAuthException", "code": CODE,
"error_data": {"messaging_product": "whatsapp", "details": …}, "fbtrace_id": …}}``):

* 200 ``{"messaging_product": "whatsapp", "contacts": [{"input", "wa_id"}],
  "messages": [{"id": "wamid.…"}]}`` for a well-formed request;
* 401 code 190 when the bearer token is missing, wrong or marked expired (``expire()``);
* 400 code 100 "Invalid parameter" for a malformed body: missing ``messaging_product``,
  ``to``, ``type``, ``template.name`` or ``template.language.code``, a parameter that is not
  ``{"type": "text", "text": non-empty}``, or text with new lines/tabs/5+ spaces (which Meta
  refuses in template parameters); 400 code 131009 for an unknown phone number id path;
* 400 code 131026 "Message Undeliverable" for numbers in ``undeliverable``;
* a message to a number in ``slow`` is accepted (200) but answered ``slow_seconds`` late,
  after the client has given up waiting: it cannot know the message went;
* 429 code 130429 "Rate limit hit" while ``rate_limited`` > 0 (each answer uses one),
  with ``Retry-After``; 400 code 131056 pair rate limit for numbers in ``pair_limited``.

Every request is kept in ``requests`` (headers and JSON) for assertions.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_BAD_TEXT = re.compile(r"[\t\n\r]| {5,}")


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: Any
    status: int = 0


def _error(code: int, title: str, details: str) -> dict[str, Any]:
    return {"error": {"message": f"(#{code}) {title}", "type": "OAuthException", "code": code,
                      "error_data": {"messaging_product": "whatsapp", "details": details},
                      "fbtrace_id": "A" + secrets.token_urlsafe(16)}}


def _shape_problem(body: Any) -> str | None:
    """What Meta would call an invalid parameter in a template send, or None."""
    if not isinstance(body, dict):
        return "The request body must be a JSON object."
    if body.get("messaging_product") != "whatsapp":
        return "The parameter messaging_product is required."
    if not isinstance(body.get("to"), str) or not body["to"].strip():
        return "The parameter to is required."
    if body.get("type") != "template":
        return "Param type must be one of {TEXT, TEMPLATE, …}; this stand-in accepts template only."
    tpl = body.get("template")
    if not isinstance(tpl, dict) or not isinstance(tpl.get("name"), str) or not tpl["name"]:
        return "The parameter template['name'] is required."
    lang = tpl.get("language")
    if not isinstance(lang, dict) or not isinstance(lang.get("code"), str) or not lang["code"]:
        return "The parameter template['language']['code'] is required."
    for comp in tpl.get("components", []):
        if not isinstance(comp, dict) or comp.get("type") not in ("header", "body", "button"):
            return "Invalid parameter: component type."
        for p in comp.get("parameters", []):
            if not isinstance(p, dict) or p.get("type") != "text":
                return "Invalid parameter: parameter type."
            text = p.get("text")
            if not isinstance(text, str) or not text:
                return "The parameter text is required."
            if _BAD_TEXT.search(text):
                return "Param text cannot have new-line/tab characters or more than 4 consecutive spaces"
    return None


@dataclass
class _State:
    token: str
    phone_number_id: str
    expired: bool = False
    rate_limited: int = 0
    undeliverable: set[str] = field(default_factory=set)
    pair_limited: set[str] = field(default_factory=set)
    slow: set[str] = field(default_factory=set)
    slow_seconds: float = 3.0
    requests: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        st = self.server.state
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        seen = Seen(self.path, dict(self.headers.items()), body)
        with st.lock:
            st.requests.append(seen)
            status, payload, headers = self._answer(st, body)
            seen.status = status
            late = status == 200 and isinstance(body, dict) and re.sub(r"\D", "", str(body.get("to"))) in st.slow
        if late:
            time.sleep(st.slow_seconds)
        try:
            self._send(status, payload, headers)
        except OSError:  # the client hung up
            pass

    def _answer(self, st: _State, body: Any) -> tuple[int, Any, dict[str, str] | None]:
        m = re.fullmatch(r"/v\d+\.\d+/([^/]+)/messages", self.path.split("?")[0])
        auth = self.headers.get("Authorization", "")
        if auth != f"Bearer {st.token}" or st.expired:
            return 401, _error(190, "Access token has expired",
                               "Error validating access token: Session has expired."), {"WWW-Authenticate": 'OAuth "Facebook Platform" "invalid_token"'}
        if m is None or m.group(1) != st.phone_number_id:
            return 400, _error(100, "Invalid parameter",
                               "Unsupported post request. Object does not exist or missing permissions."), None
        problem = _shape_problem(body)
        if problem is not None:
            return 400, _error(100, "Invalid parameter", problem), None
        if st.rate_limited > 0:
            st.rate_limited -= 1
            return 429, _error(130429, "Rate limit hit", "Message failed to send because there were too many "
                               "messages sent from this phone number in a short period of time"), {"Retry-After": "7"}
        to = re.sub(r"\D", "", body["to"])
        if to in st.pair_limited:
            return 400, _error(131056, "(Business Account, Consumer Account) pair rate limit hit",
                               "Message failed to send because there were too many messages sent from this phone "
                               "number to the same phone number in a short period of time."), None
        if to in st.undeliverable:
            return 400, _error(131026, "Message Undeliverable", "Message Undeliverable."), None
        return 200, {"messaging_product": "whatsapp", "contacts": [{"input": body["to"], "wa_id": to}],
                     "messages": [{"id": "wamid." + secrets.token_urlsafe(24)}]}, None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: _State) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


class WaStandin:
    def __init__(self, token: str = "EAAG-test-token", phone_number_id: str = "106540352242922") -> None:
        self.state = _State(token, phone_number_id)
        self.server = _Server(self.state)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "WaStandin":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def phone_number_id(self) -> str:
        return self.state.phone_number_id

    @property
    def requests(self) -> list[Seen]:
        return self.state.requests

    def expire(self) -> None:
        self.state.expired = True
