"""Drive v3 search queries (the ``q`` parameter of files.list).

Supported (https://developers.google.com/drive/api/guides/ref-search-terms):
``'<id>' in parents``, ``parents in '<id>'`` (as gspread writes it), ``trashed = false``,
``name = '...'``, ``name != '...'``, ``name contains '...'`` (prefix match on words),
``mimeType = / != '...'``, ``createdTime`` / ``modifiedTime`` with = != < <= > >=
against an RFC 3339 string, ``starred``, ``'<email>'|'me' in owners|writers|readers``,
``fullText contains '...'`` (name and text content), combined with and / or / not and
parentheses.  Strings may use single or double quotes with backslash escapes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

Predicate = Callable[[dict[str, Any]], bool]


class QueryError(ValueError):
    pass


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*")
      | (?P<op>!=|<=|>=|=|<|>)
      | (?P<lp>\()
      | (?P<rp>\))
      | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
      | (?P<num>-?\d+(?:\.\d+)?)
    )""",
    re.X,
)


def _tokens(q: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    q = q.strip()
    while pos < len(q):
        m = _TOKEN.match(q, pos)
        if not m or m.end() == pos:
            raise QueryError(q)
        pos = m.end()
        kind = m.lastgroup or ""
        val = m.group(kind)
        if kind == "str":
            val = re.sub(r"\\(.)", r"\1", val[1:-1])
        out.append((kind, val))
        while pos < len(q) and q[pos].isspace():
            pos += 1
    return out


#: "Dates ... in RFC 3339 format, default timezone is UTC, e.g. 2012-06-04T12:00:00-08:00"
#: (Drive "Search query terms"); a date alone or a space instead of "T" is refused.
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")


def parse_time(text: str, strict: bool = False) -> dt.datetime:
    if strict and not RFC3339.match(text):
        raise QueryError(text)
    t = text.strip().replace("Z", "+00:00")
    try:
        value = dt.datetime.fromisoformat(t)
    except ValueError as exc:
        raise QueryError(text) from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)  # Drive: UTC unless an offset is given
    return value


class _Parser:
    def __init__(self, q: str, ctx: dict[str, Any]):
        self.toks = _tokens(q)
        self.i = 0
        self.ctx = ctx

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise QueryError("unexpected end")
        self.i += 1
        return tok

    def kw(self, word: str) -> bool:
        tok = self.peek()
        if tok and tok[0] == "word" and tok[1].lower() == word:
            self.i += 1
            return True
        return False

    def parse(self) -> Predicate:
        pred = self.or_expr()
        if self.peek() is not None:
            raise QueryError(f"trailing {self.peek()}")
        return pred

    def or_expr(self) -> Predicate:
        preds = [self.and_expr()]
        while self.kw("or"):
            preds.append(self.and_expr())
        return preds[0] if len(preds) == 1 else (lambda f, ps=preds: any(p(f) for p in ps))

    def and_expr(self) -> Predicate:
        preds = [self.unary()]
        while self.kw("and"):
            preds.append(self.unary())
        return preds[0] if len(preds) == 1 else (lambda f, ps=preds: all(p(f) for p in ps))

    def unary(self) -> Predicate:
        if self.kw("not"):
            inner = self.unary()
            return lambda f: not inner(f)
        tok = self.peek()
        if tok and tok[0] == "lp":
            self.take()
            inner = self.or_expr()
            if self.take()[0] != "rp":
                raise QueryError("missing )")
            return inner
        return self.term()

    def term(self) -> Predicate:
        kind, val = self.take()
        if kind == "str":
            if not self.kw("in"):
                raise QueryError("expected in")
            k2, coll = self.take()
            if k2 != "word":
                raise QueryError("expected collection")
            return self._membership(val, coll)
        if kind != "word":
            raise QueryError(f"unexpected {val}")
        field = val
        if self.kw("in"):  # gspread's reversed form: parents in "<id>"
            k2, item = self.take()
            if k2 != "str":
                raise QueryError("expected string")
            return self._membership(item, field)
        if self.kw("contains"):
            k2, needle = self.take()
            if k2 != "str":
                raise QueryError("expected string")
            return self._contains(field, needle)
        k2, op = self.take()
        if k2 != "op":
            raise QueryError(f"expected operator after {field}")
        vk, value = self.take()
        return self._compare(field, op, vk, value)

    def _membership(self, item: str, coll: str) -> Predicate:
        coll = coll.lower()
        if item == "me":
            item = self.ctx.get("me") or ""
        if coll == "parents":
            return lambda f: item in (f.get("parents") or [])
        roles = {"owners": ("owner",), "writers": ("owner", "writer"),
                 "readers": ("owner", "writer", "commenter", "reader")}
        if coll in roles:
            acl = self.ctx["acl"]
            return lambda f: acl(f["id"]).get(item) in roles[coll]
        raise QueryError(f"unknown collection {coll}")

    def _contains(self, field: str, needle: str) -> Predicate:
        low = needle.lower()
        if field == "name":
            def name_has(f: dict[str, Any]) -> bool:
                name = f.get("name", "").lower()
                words = re.split(r"[^0-9a-z]+", name)
                return name.startswith(low) or any(w.startswith(low) for w in words if w)
            return name_has
        if field == "fullText":
            content = self.ctx["content"]
            return lambda f: low in f.get("name", "").lower() or low.encode() in content(f["id"]).lower()
        if field == "mimeType":
            return lambda f: low in f.get("mimeType", "").lower()
        raise QueryError(f"contains not supported on {field}")

    def _compare(self, field: str, op: str, vkind: str, value: str) -> Predicate:
        ops: dict[str, Callable[[Any, Any], bool]] = {
            "=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
            "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}
        cmp = ops[op]
        if field in ("trashed", "starred"):
            if vkind != "word" or value.lower() not in ("true", "false") or op not in ("=", "!="):
                raise QueryError(f"{field} needs true/false")
            want = value.lower() == "true"
            return lambda f: cmp(bool(f.get(field, False)), want)
        if field in ("createdTime", "modifiedTime", "viewedByMeTime"):
            if vkind != "str":
                raise QueryError("time needs a string")
            when = parse_time(value, strict=True)
            return lambda f: field in f and cmp(parse_time(f[field]), when)
        if field in ("name", "mimeType"):
            if vkind != "str" or op not in ("=", "!="):
                raise QueryError(f"bad comparison on {field}")
            return lambda f: cmp(f.get(field), value)
        raise QueryError(f"unknown field {field}")


def compile_query(q: str | None, *, acl: Callable[[str], dict[str, str]] | None = None,
                  content: Callable[[str], bytes] | None = None, me: str | None = None) -> Predicate:
    if q is None or not q.strip():
        return lambda f: True
    ctx = {"acl": acl or (lambda _id: {}), "content": content or (lambda _id: b""), "me": me}
    return _Parser(q, ctx).parse()
