"""Formulas as a Google spreadsheet parses and evaluates them, in the spreadsheet's locale.

Enough of the language for what the product writes (the Dasbor's worker-alive check) and
what tests type: numbers, "strings" (``""`` escapes a quote), TRUE/FALSE, A1 references
to the same tab, ``+ - * / ^ & = <> < > <= >=``, parentheses, and the functions IF, AND,
OR, NOT, NOW. Any other function is ``#NAME?``; a type mismatch ``#VALUE!``; division by
zero ``#DIV/0!``.

Locale (Sheets: File → Settings → Locale; ``properties.locale``): where the decimal
separator is a comma (in_ID, de_DE, tr_TR, …) numbers are written ``1,5`` and function
arguments are separated by ``;`` — a ``,`` between arguments there is a "Formula parse
error" (the cell shows ``#ERROR!``): googleapis/google-api-nodejs-client#1994 (a
formulaValue with commas in a tr_TR sheet), mricon/ingress-fieldplan#5, and
google-marketing-solutions/advanced-bidding-manager#1 (de_DE). Where the decimal separator
is a point, ``,`` separates arguments and Google also accepts ``;`` (the later comments of
mricon/ingress-fieldplan#5: "Google now accepts semicolons in all locales").
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

PARSE_ERROR = "#ERROR!"
COMMA_DECIMAL_LANGUAGES = {
    "id", "in", "de", "fr", "es", "it", "pt", "nl", "ru", "tr", "pl", "sv", "da", "nb", "no", "fi", "cs", "sk",
    "hu", "ro", "bg", "el", "hr", "sl", "sr", "uk", "vi", "lt", "lv", "et", "ca", "is",
}
DOT_DECIMAL_LOCALES = {"es_MX", "es_US", "de_CH", "it_CH", "fr_CH"}


def comma_decimal(locale: str) -> bool:
    return locale not in DOT_DECIMAL_LOCALES and locale.split("_", 1)[0].lower() in COMMA_DECIMAL_LANGUAGES


class ParseError(Exception):
    pass


class Failure(Exception):
    """An evaluation error value (#VALUE!, #DIV/0!, #NAME?)."""

    def __init__(self, value: str) -> None:
        super().__init__(value)
        self.value = value


_TOKEN = re.compile(r"""
    \s*(?:
      (?P<str>"(?:[^"]|"")*")
    | (?P<num>\d+(?:[.,]\d+)?(?:[eE][+-]?\d+)?)
    | (?P<ref>\$?[A-Za-z]{1,3}\$?\d+)(?![A-Za-z0-9_(])
    | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
    | (?P<op><>|<=|>=|[-+*/^&=<>(),;])
    )""", re.VERBOSE)


def tokenize(text: str, locale: str) -> list[tuple[str, str]]:
    comma_dec = comma_decimal(locale)
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m:
            raise ParseError(text[pos:])
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "num":
            sep = "," if comma_dec else "."
            other = "." if comma_dec else ","
            if other in value:  # "1,5" in en_US: two arguments, not a number
                head = value.split(other, 1)[0]
                out.append(("num", head))
                pos = m.start(kind) + len(head)
                continue
            value = value.replace(sep, ".")
        if kind == "op" and value == "," and comma_dec:
            raise ParseError("',' is not an argument separator in " + locale)
        out.append(("sep", value) if kind == "op" and value in ",;" else (kind, value))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.toks = tokens
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            raise ParseError(value or "end")
        self.i += 1
        return tok

    def parse(self) -> Any:
        node = self.comparison()
        if self.peek() is not None:
            raise ParseError(str(self.peek()))
        return node

    def _binary(self, ops: tuple[str, ...], lower: Callable[[], Any]) -> Any:
        node = lower()
        while (tok := self.peek()) and tok[0] == "op" and tok[1] in ops:
            self.i += 1
            node = ("bin", tok[1], node, lower())
        return node

    def comparison(self) -> Any:
        return self._binary(("=", "<>", "<", ">", "<=", ">="), self.concat)

    def concat(self) -> Any:
        return self._binary(("&",), self.additive)

    def additive(self) -> Any:
        return self._binary(("+", "-"), self.term)

    def term(self) -> Any:
        return self._binary(("*", "/"), self.power)

    def power(self) -> Any:
        return self._binary(("^",), self.unary)

    def unary(self) -> Any:
        tok = self.peek()
        if tok and tok[0] == "op" and tok[1] in "+-" and len(tok[1]) == 1:
            self.i += 1
            return ("neg" if tok[1] == "-" else "pos", self.unary())
        return self.primary()

    def primary(self) -> Any:
        kind, value = self.take()
        if kind == "num":
            return ("lit", float(value) if "." in value or "e" in value.lower() else int(value))
        if kind == "str":
            return ("lit", value[1:-1].replace('""', '"'))
        if kind == "ref":
            return ("ref", value.replace("$", "").upper())
        if kind == "name":
            if self.peek() == ("op", "("):
                self.i += 1
                args = []
                if self.peek() != ("op", ")"):
                    args.append(self.comparison())
                    while (self.peek() or ("", ""))[0] == "sep":
                        self.i += 1
                        args.append(self.comparison())
                self.take(")")
                return ("call", value.upper(), args)
            if value.upper() in ("TRUE", "FALSE"):
                return ("lit", value.upper() == "TRUE")
            return ("name", value)
        if (kind, value) == ("op", "("):
            node = self.comparison()
            self.take(")")
            return node
        raise ParseError(value)


_ARITH = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "^": operator.pow}
_COMPARE = {"=": operator.eq, "<>": operator.ne, "<": operator.lt, ">": operator.gt, "<=": operator.le,
            ">=": operator.ge}


def _ref_index(ref: str) -> tuple[int, int]:
    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    assert m
    col = 0
    for ch in m.group(1):
        col = col * 26 + (ord(ch) - 64)
    return int(m.group(2)) - 1, col - 1


def _number(v: Any) -> float | int:
    if v is None or v == "":
        return 0
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (int, float)):
        return v
    raise Failure("#VALUE!")


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _truth(v: Any) -> bool:
    if isinstance(v, str):
        if v.upper() in ("TRUE", "FALSE"):
            return v.upper() == "TRUE"
        if v == "":
            return False
        raise Failure("#VALUE!")
    return bool(_number(v))


class Evaluator:
    """*cell(row, col)* gives a referenced cell's value (already evaluated); *now* the
    serial number of NOW() in the spreadsheet's time zone."""

    def __init__(self, cell: Callable[[int, int], Any], now: float) -> None:
        self.cell = cell
        self.now = now

    def eval(self, node: Any) -> Any:
        kind = node[0]
        if kind == "lit":
            return node[1]
        if kind == "ref":
            return self.cell(*_ref_index(node[1]))
        if kind == "name":
            raise Failure("#NAME?")
        if kind in ("neg", "pos"):
            v = _number(self.eval(node[1]))
            return -v if kind == "neg" else v
        if kind == "bin":
            op, a, b = node[1], self.eval(node[2]), self.eval(node[3])
            if op == "&":
                return _text(a) + _text(b)
            if op in _COMPARE:
                if isinstance(a, str) or isinstance(b, str):
                    a, b = ("" if a is None else a), ("" if b is None else b)
                    if isinstance(a, str) != isinstance(b, str):
                        return _COMPARE[op](isinstance(a, str), isinstance(b, str))  # numbers sort before text
                    return _COMPARE[op](str(a).lower(), str(b).lower())
                return _COMPARE[op](_number(a), _number(b))
            try:
                return _ARITH[op](_number(a), _number(b))
            except ZeroDivisionError:
                raise Failure("#DIV/0!") from None
        if kind == "call":
            return self.call(node[1], node[2])
        raise Failure("#ERROR!")

    def call(self, name: str, args: list[Any]) -> Any:
        if name == "IF" and len(args) in (2, 3):
            if _truth(self.eval(args[0])):
                return self.eval(args[1])
            return self.eval(args[2]) if len(args) == 3 else False
        if name == "NOW" and not args:
            return self.now
        if name in ("AND", "OR") and args:
            values = [_truth(self.eval(a)) for a in args]
            return all(values) if name == "AND" else any(values)
        if name == "NOT" and len(args) == 1:
            return not _truth(self.eval(args[0]))
        raise Failure("#NAME?")


def evaluate(text: str, locale: str = "en_US", cell: Callable[[int, int], Any] | None = None,
             now: float = 0.0) -> Any:
    """The value a cell holding the formula *text* shows (error values as strings)."""
    body = text[1:] if text.startswith("=") else text
    if not body.strip():
        return PARSE_ERROR
    try:
        tree = _Parser(tokenize(body, locale)).parse()
    except (ParseError, RecursionError):
        return PARSE_ERROR
    try:
        return Evaluator(cell or (lambda r, c: None), now).eval(tree)
    except Failure as f:
        return f.value
    except (OverflowError, RecursionError):
        return "#NUM!"
