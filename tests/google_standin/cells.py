"""Cell values: how input is interpreted (RAW / USER_ENTERED) and how values render
(FORMATTED_VALUE / UNFORMATTED_VALUE / FORMULA x SERIAL_NUMBER / FORMATTED_STRING).

Stored cell kinds: None (empty), str, bool, int/float, :class:`Formula` (a str
subclass holding the formula text) and :class:`Stamp` (a date, time or datetime plus
the display pattern Google would give it).

Reference behaviour (gspread cassette WorksheetTest.test_get_all_values_date_time_
render_options, en_US): USER_ENTERED "=4/2" -> 2, "2020-01-01" -> serial 43831 and
FORMATTED "2020-01-01"; numbers UNFORMATTED come back as JSON numbers (2, 1.5) and
FORMATTED as strings ("2", "1.5").  With locale in_ID the decimal separator is a comma.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from . import formula

EPOCH = dt.datetime(1899, 12, 30)


class Formula(str):
    """A formula cell; the str value is the formula text including '='."""


@dataclass(frozen=True)
class Stamp:
    """A date/time cell.  ``pattern`` is a Sheets-like pattern or None (locale default)."""

    value: dt.datetime | dt.date | dt.time
    pattern: str | None = None

    @property
    def kind(self) -> str:
        if isinstance(self.value, dt.datetime):
            return "datetime"
        if isinstance(self.value, dt.date):
            return "date"
        return "time"


# --- locale ---------------------------------------------------------------------

LOCALES: dict[str, dict[str, str]] = {
    "in_ID": {"decimal": ",", "group": ".", "datetime": "dd/MM/yyyy HH.mm.ss",
              "date": "dd/MM/yyyy", "time": "HH.mm.ss", "dmy": "1"},
    "id_ID": {"decimal": ",", "group": ".", "datetime": "dd/MM/yyyy HH.mm.ss",
              "date": "dd/MM/yyyy", "time": "HH.mm.ss", "dmy": "1"},
    "en_US": {"decimal": ".", "group": ",", "datetime": "M/d/yyyy H:mm:ss",
              "date": "M/d/yyyy", "time": "H:mm:ss", "dmy": ""},
    "en_GB": {"decimal": ".", "group": ",", "datetime": "dd/MM/yyyy HH:mm:ss",
              "date": "dd/MM/yyyy", "time": "HH:mm:ss", "dmy": "1"},
}


def locale_info(locale: str) -> dict[str, str]:
    return LOCALES.get(locale, LOCALES["en_US"])


_TOKEN = re.compile(r"yyyy|MM|M|dd|d|HH|H|mm|ss")


def format_pattern(value: dt.datetime | dt.date | dt.time, pattern: str) -> str:
    def rep(m: re.Match[str]) -> str:
        t = m.group(0)
        if t == "yyyy":
            return f"{value.year:04d}"  # type: ignore[union-attr]
        if t == "MM":
            return f"{value.month:02d}"  # type: ignore[union-attr]
        if t == "M":
            return str(value.month)  # type: ignore[union-attr]
        if t == "dd":
            return f"{value.day:02d}"  # type: ignore[union-attr]
        if t == "d":
            return str(value.day)  # type: ignore[union-attr]
        if t == "HH":
            return f"{value.hour:02d}"  # type: ignore[union-attr]
        if t == "H":
            return str(value.hour)  # type: ignore[union-attr]
        if t == "mm":
            return f"{value.minute:02d}"  # type: ignore[union-attr]
        return f"{value.second:02d}"  # type: ignore[union-attr]

    return _TOKEN.sub(rep, pattern)


def serial_number(value: dt.datetime | dt.date | dt.time) -> int | float:
    if isinstance(value, dt.datetime):
        delta = value.replace(tzinfo=None) - EPOCH
        return _num(delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6)
    if isinstance(value, dt.date):
        return (value - EPOCH.date()).days
    return _num((value.hour * 3600 + value.minute * 60 + value.second) / 86400)


def from_serial(serial: float) -> dt.datetime:
    return EPOCH + dt.timedelta(days=serial)


def _num(x: float) -> int | float:
    if isinstance(x, bool):
        return x
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return int(x)
    return x


def format_number(x: int | float, locale: str) -> str:
    x = _num(x)
    if isinstance(x, int):
        return str(x)
    if math.isinf(x) or math.isnan(x):
        return "#NUM!"
    text = f"{x:.15g}"
    if "e" in text or "E" in text:
        mant, _, exp = f"{x:.5E}".partition("E")
        mant = mant.rstrip("0").rstrip(".")
        text = f"{mant}E{int(exp):+03d}"
    return text.replace(".", locale_info(locale)["decimal"])


# --- USER_ENTERED parsing ---------------------------------------------------------


def _number_regex(decimal: str, group: str) -> re.Pattern[str]:
    d, g = re.escape(decimal), re.escape(group)
    return re.compile(
        rf"^(?P<sign>[+-])?(?P<int>\d{{1,3}}(?:{g}\d{{3}})+|\d+)?(?:{d}(?P<frac>\d+))?"
        rf"(?:[eE](?P<exp>[+-]?\d+))?(?P<pct>%)?$"
    )


_NUM_RE = {loc: _number_regex(v["decimal"], v["group"]) for loc, v in LOCALES.items()}
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?$")
_SLASH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def parse_user_entered(value: Any, locale: str) -> Any:
    """Interpret one input value the way the Sheets UI would (valueInputOption=USER_ENTERED)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return _num(value)
    text = str(value)
    if text == "":
        return None
    if text.startswith("'"):
        return text[1:]  # quote prefix forces text; the apostrophe is not part of the value
    if text.startswith("="):
        return Formula(text)
    if text.upper() in ("TRUE", "FALSE"):
        return text.upper() == "TRUE"
    stripped = text.strip()
    num_re = _NUM_RE.get(locale, _NUM_RE["en_US"])
    m = num_re.match(stripped)
    if m and (m.group("int") or m.group("frac")):
        info = locale_info(locale)
        intpart = (m.group("int") or "0").replace(info["group"], "")
        number = float(f"{intpart}.{m.group('frac') or '0'}")
        if m.group("exp"):
            number *= 10 ** int(m.group("exp"))
        if m.group("sign") == "-":
            number = -number
        if m.group("pct"):
            number /= 100
        return _num(number)
    stamp = _parse_stamp(stripped, locale)
    if stamp is not None:
        return stamp
    return text


def _parse_stamp(text: str, locale: str) -> Stamp | None:
    info = locale_info(locale)
    try:
        m = _ISO_DATE.match(text)
        if m:
            y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if m.group(4):
                value = dt.datetime(y, mo, d, int(m.group(4)), int(m.group(5)), int(m.group(6) or 0))
                return Stamp(value, "yyyy-MM-dd HH:mm:ss" if m.group(6) else "yyyy-MM-dd HH:mm")
            return Stamp(dt.date(y, mo, d), "yyyy-MM-dd")
        m = _SLASH_DATE.match(text)
        if m:
            a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
            d, mo = (a, b) if info["dmy"] else (b, a)
            if m.group(4):
                return Stamp(dt.datetime(y, mo, d, int(m.group(4)), int(m.group(5)), int(m.group(6) or 0)))
            return Stamp(dt.date(y, mo, d))
        m = _TIME.match(text)
        if m:
            return Stamp(dt.time(int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)))
    except ValueError:
        return None
    return None


# --- formulas -----------------------------------------------------------------------

@dataclass(frozen=True)
class FormulaEnv:
    """What a formula sees: the spreadsheet's locale (argument and decimal separators),
    its tab's cells (A1 references) and NOW() as a serial number in its time zone."""

    locale: str = "en_US"
    data: Any = None  # the tab's rows (sheet["data"])
    now: float = 0.0


def evaluate_formula(text: str, env: FormulaEnv | None = None, _depth: int = 0) -> Any:
    """The value a formula cell shows, parsed in the spreadsheet's locale (formula.py)."""
    env = env or FormulaEnv()

    def cell(r: int, c: int) -> Any:
        rows = env.data or []
        v = rows[r][c] if r < len(rows) and c < len(rows[r]) else None
        if isinstance(v, Formula):
            return evaluate_formula(v, env, _depth + 1) if _depth < 20 else "#REF!"
        if isinstance(v, Stamp):
            return serial_number(v.value)
        return v

    value = formula.evaluate(text, env.locale, cell, env.now)
    return _num(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


# --- rendering ------------------------------------------------------------------------


def effective(cell: Any, env: FormulaEnv | None = None) -> Any:
    """The computed value of a cell (formulas evaluated)."""
    if isinstance(cell, Formula):
        return evaluate_formula(cell, env)
    return cell


def render(cell: Any, value_render: str, datetime_render: str, locale: str, env: FormulaEnv | None = None) -> Any:
    """JSON value for one cell in a values.get response."""
    if cell is None:
        return ""
    if isinstance(cell, Formula):
        if value_render == "FORMULA":
            return str(cell)
        cell = evaluate_formula(cell, env or FormulaEnv(locale))
    if isinstance(cell, bool):
        return ("TRUE" if cell else "FALSE") if value_render == "FORMATTED_VALUE" else cell
    if isinstance(cell, (int, float)):
        return format_number(cell, locale) if value_render == "FORMATTED_VALUE" else _num(cell)
    if isinstance(cell, Stamp):
        if value_render == "FORMATTED_VALUE" or datetime_render == "FORMATTED_STRING":
            return format_stamp(cell, locale)
        return serial_number(cell.value)
    return str(cell)


def format_stamp(stamp: Stamp, locale: str) -> str:
    pattern = stamp.pattern or locale_info(locale)[stamp.kind]
    return format_pattern(stamp.value, pattern)


def user_entered_value(cell: Any) -> dict[str, Any] | None:
    """ExtendedValue for grid data (userEnteredValue)."""
    if cell is None:
        return None
    if isinstance(cell, Formula):
        return {"formulaValue": str(cell)}
    if isinstance(cell, bool):
        return {"boolValue": cell}
    if isinstance(cell, (int, float)):
        return {"numberValue": _num(cell)}
    if isinstance(cell, Stamp):
        return {"numberValue": serial_number(cell.value)}
    return {"stringValue": str(cell)}


ERROR_TYPES = {"#NAME?": ("NAME", "Unknown function."), "#ERROR!": ("ERROR", "Formula parse error."),
               "#VALUE!": ("VALUE", "Wrong type."), "#DIV/0!": ("DIVIDE_BY_ZERO", "Division by zero."),
               "#REF!": ("REF", "Circular dependency detected."), "#NUM!": ("NUM", "Result too large.")}


def effective_value(cell: Any, env: FormulaEnv | None = None) -> dict[str, Any] | None:
    v = effective(cell, env)
    if v is None:
        return None
    if isinstance(v, str) and isinstance(cell, Formula) and v in ERROR_TYPES:
        kind, message = ERROR_TYPES[v]
        return {"errorValue": {"type": kind, "message": message}}
    return user_entered_value(v)


def to_python(cell: Any) -> Any:
    """Raw stored value for test helpers: Stamp -> date/datetime/time, the rest as is."""
    if isinstance(cell, Stamp):
        return cell.value
    return cell


def from_python(value: Any, tz: dt.tzinfo | None = None) -> Any:
    """Seed value from a test: datetimes become Stamps (converted into the sheet's zone)."""
    if value is None or value == "":
        return None
    if isinstance(value, (Stamp, Formula)):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None and tz is not None:
            value = value.astimezone(tz)
        return Stamp(value.replace(tzinfo=None))
    if isinstance(value, (dt.date, dt.time)):
        return Stamp(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return _num(value)
    return str(value)


# --- JSON encoding for dump/load ------------------------------------------------------


def encode(cell: Any) -> Any:
    if isinstance(cell, Formula):
        return {"formula": str(cell)}
    if isinstance(cell, Stamp):
        return {cell.kind: cell.value.isoformat(), "pattern": cell.pattern}
    return cell


def decode(obj: Any) -> Any:
    if isinstance(obj, dict):
        if "formula" in obj:
            return Formula(obj["formula"])
        pattern = obj.get("pattern")
        if "datetime" in obj:
            return Stamp(dt.datetime.fromisoformat(obj["datetime"]), pattern)
        if "date" in obj:
            return Stamp(dt.date.fromisoformat(obj["date"]), pattern)
        if "time" in obj:
            return Stamp(dt.time.fromisoformat(obj["time"]), pattern)
        raise ValueError(f"unknown cell encoding {obj!r}")
    return obj
