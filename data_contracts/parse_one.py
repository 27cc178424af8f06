"""`data_contracts.parse` one text at a time, in plain Python, for the screening desk's few rows.

Each function returns exactly what the polars expression of the same name in `parse` gives for
one cell (a property test holds them equal), from the same patterns: polars runs them on Rust's
regex engine, so they are compiled here with Rust's meaning of `\\s` (Unicode White_Space, which
unlike Python's leaves out the control characters \\x1c-\\x1f) and of `$` (the end of the text
only, never before a final newline). Python's Unicode tables are older than polars': text holding
a character Python does not know (`knows_all`) must take the columnar path instead.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta

from data_contracts import parse
from data_contracts.schemas import FieldSpec

WHITE_SPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
"""What polars' `strip_chars()` and Rust's `\\s` treat as white space (Unicode White_Space)."""


def _rust(pattern: str) -> re.Pattern[str]:
    """`pattern` compiled to match in Python as it does in Rust's regex engine.

    Enough for the patterns of `parse` (no escaped brackets): `\\s` becomes the White_Space set,
    inside a class or out, and `$` outside a class the end of the text.
    """
    out, in_class, i = [], False, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and pattern[i + 1] == "s":
            out.append(re.escape(WHITE_SPACE) if in_class else f"[{re.escape(WHITE_SPACE)}]")
            i += 2
            continue
        if c == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        in_class = (in_class or c == "[") and not (in_class and c == "]")
        out.append(r"\Z" if c == "$" and not in_class else c)
        i += 1
    return re.compile("".join(out))


_SEPARATORS = _rust(parse.DATE_SEPARATORS)
_COMPACT = _rust(parse.COMPACT_DATE)
_FRACTION = _rust(parse.FRACTION)
_DATE = _rust(parse.DATE_RE)
_NOISE = _rust(parse.NUMBER_NOISE)
_UNIT = _rust(parse.NUMBER_UNIT)
# Where Python's float() reads more than polars' cast does (digit group underscores, padding,
# other scripts' digits), the text is no number: only these characters reach float().
_FLOAT_CHARS = re.compile(r"[0-9A-Za-z.+-]+")
_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_INT64 = 2**63
# The Gregorian calendar repeats every 400 years: Python's datetime has no year 0, polars' has.
_CYCLE = 400

Parts = tuple[int, int, int, int, int, int]
"""year, month, day, hour, minute, second of a parsed time (the year may be 0 or 10000)."""


def knows_all(value: str) -> bool:
    """Whether every character of `value` is assigned in Python's Unicode tables."""
    return value.isascii() or all(unicodedata.category(c) != "Cn" for c in value)


def strip(value: str | None) -> str | None:
    """`pl.col(...).str.strip_chars()` of one cell."""
    return None if value is None else value.strip(WHITE_SPACE)


def filled(value: str | None) -> bool:
    """Whether a raw cell holds something other than white space (`derive._filled`)."""
    return bool(strip(value))


def text(value: str | None) -> str | None:
    """`parse.text`: NFKC-folded and trimmed; empty becomes None."""
    if value is None:
        return None
    folded = value if value.isascii() else unicodedata.normalize("NFKC", value)
    return folded.strip(WHITE_SPACE) or None


def _month_days(year: int, month: int) -> int:
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 29 if month == 2 and leap else _DAYS[month - 1]


def _valid(year: int, month: int, day: int, hour: int, minute: int, second: int) -> bool:
    """What `%Y-%m-%d %H:%M:%S` accepts in polars (a second 60 is a leap second)."""
    if not (1 <= month <= 12 and 1 <= day <= _month_days(year, month)):
        return False
    return hour <= 23 and minute <= 59 and second <= 60


def _leap_second(year: int, month: int, day: int, hour: int, minute: int) -> Parts:
    """Second 60 of a minute, as polars reads it: the first second of the next minute."""
    shift = _CYCLE if year < 2000 else -_CYCLE
    t = datetime(year + shift, month, day, hour, minute, 59) + timedelta(seconds=1)
    return (t.year - shift, t.month, t.day, t.hour, t.minute, t.second)


def datetime_parts(value: str | None) -> Parts | None:
    """`parse.parse_datetime` of one cell, as parts (None where polars gives null)."""
    t = text(value)
    if t is None:
        return None
    t = _SEPARATORS.sub("-", t).replace("日", "")
    t = _COMPACT.sub(r"\1-\2-\3\4", t, count=1)
    t = _FRACTION.sub(r"\1.\2", t, count=1)
    m = _DATE.match(t)
    if m is None:
        return None
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    hour, minute, second = (int(g) if g is not None else 0 for g in m.groups()[3:6])
    if not _valid(year, month, day, hour, minute, second):
        return None
    if second == 60:
        return _leap_second(year, month, day, hour, minute)
    return (year, month, day, hour, minute, second)


def as_date(parts: Parts) -> date:
    """The date of parts within date's years (1-9999)."""
    return date(parts[0], parts[1], parts[2])


def parse_float(value: str | None) -> float | None:
    """`parse.parse_float` of one cell."""
    t = text(value)
    if t is None:
        return None
    t = _UNIT.sub("", _NOISE.sub("", t), count=1)
    if not _FLOAT_CHARS.fullmatch(t):
        return None
    try:
        return float(t)
    except ValueError:
        return None


def parse_int(value: str | None) -> int | None:
    """`parse.parse_int` of one cell: whole numbers within Int64, else None."""
    f = parse_float(value)
    if f is None or not math.isfinite(f) or f != math.floor(f) or not -_INT64 <= f < _INT64:
        return None
    return int(f)


def parse_enum(lookup: dict[str, str], value: str | None) -> str | None:
    """`parse.parse_enum` of one cell, given the field's `parse.enum_lookup`."""
    t = text(value)
    return None if t is None else lookup.get(t.lower())


def enum_lookups(fields: tuple[FieldSpec, ...]) -> dict[str, dict[str, str]]:
    """`parse.enum_lookup` of every enum field, by field name."""
    return {f.name: parse.enum_lookup(f) for f in fields if f.kind == "enum"}
