"""The vectorised classifier of resident IDs: `matching.ids.scalar.parse_ric` on whole columns.

A million IDs through Python would cost seconds. Here IDs of the right shape are read as a byte
matrix (one row per ID), so the check character, birth date, year and gender come from numpy
arithmetic instead of 17 string slices per row. The matcher's per-party features and the data
contract's ID kinds are two views of the same decoding (`_decode`), so they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import reduce

import numpy as np
import polars as pl

from matching.ids.scalar import EARLIEST_BIRTH, clean_id_text

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)  # ISO 7064 MOD 11-2, indexed by sum % 11
# What `clean_id_text` strips from ASCII text: Python's `\s` there also covers \x1c-\x1f, which
# the regex engine polars uses does not count as white space, so the class is spelled out.
_ASCII_SEPARATORS = r"[\t-\r\x1c-\x1f \-_]+"
MANGLED = r"^[0-9]\.[0-9]+E\+?[0-9]+$"
"""An 18-digit number Excel turned into a float (1.10105E+17), after folding."""
_DIGIT0, _STAR, _X = ord("0"), ord("*"), ord("X")
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
PERSON_COLUMNS = ("pid", "pid_kind", "id_birth", "id_year", "id_gender")


def fold_ids(raw: pl.Series) -> pl.Series:
    """`clean_id_text` of every ID as typed (null stays null): width, case and separators out.

    ASCII text needs only its separators removed and upper case; the few texts with another
    character go through `clean_id_text` itself once per distinct value, so Unicode folding is
    Python's (NFKC and white space exactly as the scalar reference has them).
    """
    t = pl.col("t")
    # one select for the three columns (a collect per Series method would dominate on few rows)
    cols = (
        raw.cast(pl.String)
        .to_frame("t")
        .select(
            t,
            t.str.replace_all(_ASCII_SEPARATORS, "").str.to_uppercase().alias("out"),
            (t.str.len_bytes() != t.str.len_chars()).fill_null(False).alias("wide"),
        )
    )
    text, wide = cols["t"].alias(raw.name), cols["wide"]
    out = cols["out"].alias(raw.name)
    if wide.any():
        odd = text.filter(wide)
        uniq = odd.unique()
        folded = pl.Series([clean_id_text(v) for v in uniq.to_list()], dtype=pl.String)
        out = out.scatter(wide.arg_true(), odd.replace_strict(uniq, folded))
    return out


def byte_matrix(texts: pl.Series, width: int) -> np.ndarray:
    """Texts of exactly `width` bytes each as an (n, width) uint8 matrix, laid end to end."""
    if texts.len() == 0:
        return np.zeros((0, width), dtype=np.uint8)
    buf = texts.str.join("").item().encode()
    return np.frombuffer(buf, dtype=np.uint8).reshape(-1, width)


def _is_digit(m: np.ndarray) -> np.ndarray:
    return (m >= _DIGIT0) & (m <= _DIGIT0 + 9)


def _any(mask: np.ndarray) -> np.ndarray:
    """Row-wise any of a narrow boolean matrix (column by column: faster than axis=1)."""
    if mask.shape[0] == 0:
        return np.zeros(0, dtype=bool)
    return reduce(np.logical_or, (mask[:, j] for j in range(mask.shape[1])))


def _all(mask: np.ndarray) -> np.ndarray:
    """Row-wise all of a narrow boolean matrix."""
    if mask.shape[0] == 0:
        return np.zeros(0, dtype=bool)
    return reduce(np.logical_and, (mask[:, j] for j in range(mask.shape[1])))


def ric_check_chars(body17: np.ndarray) -> np.ndarray:
    """ISO 7064 MOD 11-2 check byte of each row of 17 ASCII digits, as in stdnum.cn.ric."""
    total = sum((body17[:, j].astype(np.int64) - _DIGIT0) * int(w) for j, w in enumerate(_WEIGHTS))
    return _CHECK[np.asarray(total) % 11]


def _legacy_to_18(m15: np.ndarray) -> np.ndarray:
    """Legacy 15-char numbers laid out as 18: `19` before the 2-digit year, check char appended.

    Every legacy number was issued to someone born in the 1900s, so the century is known even when
    the year digits are masked; the check char is computed when all 17 digits are visible and is
    itself unknown (`*`) otherwise, so a masked legacy number becomes an ordinary masked 18-char
    pattern and every later step reads it by its visible positions.
    """
    century = np.broadcast_to(np.frombuffer(b"19", dtype=np.uint8), (len(m15), 2))
    body = np.hstack([m15[:, :6], century, m15[:, 6:]])
    check = np.full(len(body), _STAR, dtype=np.uint8)
    whole = _all(_is_digit(body))
    if whole.any():
        check[whole] = ric_check_chars(body[whole])
    return np.hstack([body, check[:, None]])


@dataclass(frozen=True)
class _Shaped:
    """The usable IDs among the selected rows: row numbers, 18-byte matrix and cleaned text."""

    rows: np.ndarray
    matrix: np.ndarray
    text: pl.Series


def _shaped_ids(txt: pl.Series, rows: pl.Series) -> _Shaped:
    """Row numbers, cleaned 18-byte matrix and cleaned text of the selected IDs that are usable.

    Usable: 18 digits (last may be X), a legacy 15-digit number, or an 18- or 15-char mask of digits
    and `*` with at least one `*` and at least one digit. Anything else (empty, Excel-mangled,
    malformed) carries no evidence.
    """
    nbytes = txt.str.len_bytes()
    at18 = (rows & (nbytes == 18)).fill_null(False)
    at15 = (rows & (nbytes == 15)).fill_null(False)
    m18, m15 = byte_matrix(txt.filter(at18), 18), byte_matrix(txt.filter(at15), 15)
    digit, star = _is_digit(m18), m18 == _STAR
    last = m18[:, 17]
    full = _all(digit[:, :17]) & (digit[:, 17] | (last == _X))
    masked = (
        _all((digit | star)[:, :17]) & (digit[:, 17] | (last == _X) | (last == _STAR)) & _any(star)
    )
    d15 = _is_digit(m15)
    ok18 = full | (masked & _any(digit))
    ok15 = _all(d15 | (m15 == _STAR)) & _any(d15)
    legacy = _legacy_to_18(m15[ok15])
    rows_out = np.concatenate([at18.arg_true().to_numpy()[ok18], at15.arg_true().to_numpy()[ok15]])
    legacy_text = pl.Series(np.ascontiguousarray(legacy).view("S18").ravel()).cast(pl.String)
    text = pl.concat([txt.filter(at18).filter(pl.Series(ok18)), legacy_text])
    return _Shaped(rows_out, np.vstack([m18[ok18], legacy]), text)


def _number(cid: np.ndarray, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer value of columns start..stop and whether they are all digits (else not a number)."""
    value, ok = np.zeros(len(cid), dtype=np.int64), np.ones(len(cid), dtype=bool)
    for j in range(start, stop):  # column by column: numpy is slow on rows this short
        value = value * 10 + cid[:, j] - _DIGIT0
        ok &= _is_digit(cid[:, j])
    return value, ok


def _real_date(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whether year-month-day is a date on the proleptic Gregorian calendar (as chrono parses)."""
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_ok = (month >= 1) & (month <= 12)
    days_max = _DAYS_IN_MONTH[np.where(month_ok, month, 0)] + (leap & (month == 2))
    return month_ok & (day >= 1) & (day <= days_max)


def _ymd(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _decode(cid: np.ndarray, as_of: date) -> pl.DataFrame:
    """What each usable cleaned ID reveals, as numpy arithmetic: `parse_ric` row by row."""
    year, year_ok = _number(cid, 6, 10)
    month, month_ok = _number(cid, 10, 12)
    day, day_ok = _number(cid, 12, 14)
    seq, seq_ok = _number(cid, 16, 17)
    ymd = year * 10000 + month * 100 + day
    plausible = (
        year_ok
        & month_ok
        & day_ok
        & _real_date(year, month, day)
        & (ymd >= _ymd(EARLIEST_BIRTH))
        & (ymd <= _ymd(as_of))
    )
    return pl.DataFrame(
        {
            "masked": _any(cid == _STAR),
            "check_ok": ric_check_chars(cid[:, :17]) == cid[:, 17],
            "plausible": plausible,
            "y": np.where(plausible, year, 1970),  # placeholders keep pl.date total
            "m": np.where(plausible, month, 1),
            "d": np.where(plausible, day, 1),
            "year": year.astype(np.int32),
            "year_ok": year_ok & (year >= EARLIEST_BIRTH.year) & (year <= as_of.year),
            "seq": seq,
            "seq_ok": seq_ok,
        }
    )


def _kind() -> pl.Expr:
    """`full`, `bad_check` or `masked` from a `_decode` frame."""
    c = pl.col
    # A mistyped birth digit gives bad_check, not nothing: the other digits are still evidence.
    return (
        pl.when(c("masked"))
        .then(pl.lit("masked"))
        .when(c("plausible") & c("check_ok"))
        .then(pl.lit("full"))
        .otherwise(pl.lit("bad_check"))
    )


def _person_id_values(shaped: _Shaped, as_of: date) -> pl.DataFrame:
    """`pid, pid_kind, id_birth, id_year, id_gender` for usable cleaned IDs (one row each)."""
    c = pl.col
    return _decode(shaped.matrix, as_of).select(
        pl.Series("pid", shaped.text),
        _kind().alias("pid_kind"),
        pl.when(c("plausible")).then(pl.date(c("y"), c("m"), c("d"))).alias("id_birth"),
        pl.when(c("year_ok")).then(c("year")).alias("id_year"),
        pl.when(c("seq_ok"))
        .then(pl.when(c("seq") % 2 == 1).then(pl.lit("M")).otherwise(pl.lit("F")))
        .alias("id_gender"),
    )


def spread(values: pl.DataFrame, rows: np.ndarray, n: int) -> list[pl.Series]:
    """Each column of `values` placed at `rows` of an otherwise null column of height n."""
    at = np.full(n, -1, dtype=np.int64)
    at[rows] = np.arange(len(rows))
    index = pl.Series(at)
    return values.select(pl.all().gather(pl.when(index >= 0).then(index))).get_columns()


def person_id_features(txt: pl.Series, person: pl.Series, as_of: date) -> list[pl.Series]:
    """Columns `pid, pid_kind, id_birth, id_year, id_gender` from folded ID text (`fold_ids`).

    Null outside `person` rows and where the text is not a usable resident ID; `pid_kind`,
    `id_birth`, `id_year` and `id_gender` are `parse_ric`'s `kind`, `birth_date`, `birth_year` and
    `gender`, `pid` its `value`.
    """
    shaped = _shaped_ids(txt, person)
    return spread(_person_id_values(shaped, as_of), shaped.rows, txt.len())


def person_kinds(folded: pl.Series, as_of: date) -> pl.Series:
    """`parse_ric(v, as_of).kind` of every folded ID, null where it is `empty`."""
    shaped = _shaped_ids(folded, pl.repeat(True, folded.len(), eager=True))
    kinds = _decode(shaped.matrix, as_of).select(_kind()).to_series()
    t = folded.rename("t").to_frame()
    unusable = t.select(
        pl.when(pl.col("t").is_null() | (pl.col("t") == ""))
        .then(None)
        .when(pl.col("t").str.contains(MANGLED))
        .then(pl.lit("mangled"))
        .otherwise(pl.lit("malformed"))
    ).to_series()
    return unusable.scatter(shaped.rows, kinds).rename("kind")
