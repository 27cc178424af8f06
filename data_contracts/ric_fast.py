"""Vectorised twin of `matching.ids.parse_ric(...).kind` for the common case (pure polars).

Calling `parse_ric` once per distinct ID costs ~5-20 µs, i.e. 5-20 s per million registrations.
Plain ASCII IDs (nearly all of them) are classified here with integer arithmetic instead; any
value containing non-ASCII text (full-width digits, odd dashes) goes to `parse_ric` itself, so
the two can only disagree on ASCII input, which `tests/test_contracts_ids.py` pins against
`parse_ric` case by case.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from matching.ids import parse_ric

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)


def check_ok(full18: pl.Series) -> np.ndarray:
    """For IDs already known to match `[0-9]{17}[0-9X]`: is the ISO 7064 MOD 11-2 char right?

    The texts are laid end to end in one byte buffer and read as an (n, 18) digit matrix, one
    matrix product instead of 17 string slices per row.
    """
    if full18.len() == 0:
        return np.zeros(0, dtype=bool)
    buf = full18.str.join("").item().encode("ascii")
    digits = np.frombuffer(buf, dtype=np.uint8).reshape(-1, 18)
    total = (digits[:, :17].astype(np.int64) - 48) @ _WEIGHTS
    value = (12 - total % 11) % 11  # 10 is written X
    expected = np.where(value == 10, ord("X"), value + 48)
    return np.asarray(digits[:, 17] == expected)


def _plausible(born: pl.Expr, today: date) -> pl.Expr:
    return born.is_between(date(1900, 1, 1), today).fill_null(False)  # no real date: implausible


def ascii_kinds(frame: pl.DataFrame, col: str, today: date | None = None) -> pl.Series:
    """Kind of each ASCII ID text in `frame[col]` (null when empty); mirrors `parse_ric`."""
    today = today or date.today()
    # Staged columns: each intermediate is computed once, not once per when/then branch.
    f = frame.select(pl.col(col).str.replace_all(r"[\s\-_]+", "").str.to_uppercase().alias("t"))
    f = f.with_columns(
        legacy=pl.col("t").str.contains(r"^[0-9]{15}$"),
        full=pl.col("t").str.contains(r"^[0-9]{17}[0-9X]$"),
    )
    f = f.with_columns(
        born=pl.when(pl.col("legacy"))
        .then(pl.concat_str(pl.lit("19"), pl.col("t").str.slice(6, 6)))
        .when(pl.col("full"))
        .then(pl.col("t").str.slice(6, 8))
        .str.to_date("%Y%m%d", strict=False),
    )
    ok = np.zeros(f.height, dtype=bool)
    full_mask = f["full"].fill_null(False).to_numpy()
    ok[full_mask] = check_ok(f["t"].filter(f["full"].fill_null(False)))
    f = f.with_columns(check_ok=pl.Series(ok))
    plausible = _plausible(pl.col("born"), today)
    t = pl.col("t")
    kind = (
        pl.when(t.is_null() | (t == ""))
        .then(None)
        .when(t.str.contains(r"^[0-9]\.[0-9]+E\+?[0-9]+$"))
        .then(pl.lit("mangled"))
        .when(pl.col("legacy"))
        .then(pl.when(plausible).then(pl.lit("full")).otherwise(pl.lit("bad_check")))
        .when(pl.col("full"))
        .then(
            pl.when(~plausible)
            .then(pl.lit("bad_check"))  # a transposed/mistyped date digit: still evidence
            .when(pl.col("check_ok"))
            .then(pl.lit("full"))
            .otherwise(pl.lit("bad_check"))
        )
        .when(
            t.str.contains("*", literal=True)
            & t.str.contains(r"[0-9]")
            & (t.str.contains(r"^[0-9*]{17}[0-9X*]$") | t.str.contains(r"^[0-9*]{15}$"))
        )
        .then(pl.lit("masked"))
        .otherwise(pl.lit("malformed"))
    )
    return f.select(kind.alias("kind")).to_series()


def person_kinds(values: pl.Series) -> pl.Series:
    """`parse_ric(v).kind` for every value (null for empty), vectorised where possible."""
    frame = values.rename("v").to_frame()
    ascii_ = frame["v"].str.contains(r"^[\x00-\x7F]*$").fill_null(True)
    kinds = ascii_kinds(frame, "v")
    odd = frame["v"].filter(~ascii_).unique()
    if odd.len():
        slow = pl.Series([_slow(v) for v in odd.to_list()], dtype=pl.String)
        mapped = frame["v"].replace_strict(odd, slow, default=None, return_dtype=pl.String)
        kinds = pl.select(pl.when(ascii_).then(kinds).otherwise(mapped)).to_series()
    return kinds


def _slow(raw: str) -> str | None:
    kind = parse_ric(raw).kind
    return None if kind == "empty" else kind
