"""Vectorised twin of `data_contracts.idkinds.org_kind` for plain ASCII numbers (pure polars).

Calling stdnum once per distinct organisation number costs ~50 µs; a court list of a million
entries carries ~150k organisations, i.e. ~8 s. Values made only of `[0-9A-Za-z*]` plus spaces,
hyphens and underscores (nearly all of them) are classified here with integer arithmetic; any
other value (full-width text, dots of an Excel-mangled number, control characters) goes to
`org_kind` itself, so the two can only disagree on the fast path's input, which
`tests/test_contracts_ids.py` pins against `org_kind` case by case and on random strings.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

# GB 32100: the 31 characters of a USCC and the weights of its first 17 positions.
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], np.int64)
_VALUE = np.full(256, -1, dtype=np.int64)
_VALUE[np.frombuffer(_ALPHABET.encode("ascii"), dtype=np.uint8)] = np.arange(31)
_ASCII_SPACE = r"^[ \t\n\r\x0b\x0c0-9A-Za-z*\-_]*$"  # Python's \s also has \x1c-\x1f: slow path


def uscc_check_ok(shaped: pl.Series) -> np.ndarray:
    """For texts known to match `[0-9]{8}[alphabet]{10}`: is the GB 32100 check char right?"""
    if shaped.len() == 0:
        return np.zeros(0, dtype=bool)
    buf = shaped.str.join("").item().encode("ascii")
    chars = np.frombuffer(buf, dtype=np.uint8).reshape(-1, 18)
    values = _VALUE[chars]
    total = values[:, :17] @ _WEIGHTS
    return np.asarray(values[:, 17] == (31 - total) % 31)


def ascii_org_kinds(values: pl.Series) -> pl.Series:
    """Kind of each fast-path text (null when empty); mirrors `org_kind`."""
    f = values.rename("v").to_frame()
    f = f.select(pl.col("v").str.replace_all(r"[\s\-_]+", "").str.to_uppercase().alias("t"))
    shaped = pl.col("t").str.contains(r"^[0-9]{8}[0-9A-HJ-NPQRTUWXY]{10}$").fill_null(False)
    f = f.with_columns(shaped=shaped)
    mask = f["shaped"].to_numpy()
    ok = np.zeros(f.height, dtype=bool)
    ok[mask] = uscc_check_ok(f["t"].filter(f["shaped"]))
    f = f.with_columns(check_ok=pl.Series(ok))
    t = pl.col("t")
    kind = (
        pl.when(t.is_null() | (t == ""))
        .then(None)
        .when(pl.col("shaped") & pl.col("check_ok"))
        .then(pl.lit("uscc"))
        .when(t.str.contains(r"^[0-9A-Z]{8}[0-9X]$"))
        .then(pl.lit("org_code"))
        .when(t.str.contains("*", literal=True))
        .then(pl.lit("masked"))
        .when(t.str.contains(r"^[0-9A-Z]{18}$") & ~t.str.contains(r"^[0-9]+$"))
        .then(pl.lit("org_bad_check"))
        .otherwise(pl.lit("malformed"))
    )
    return f.select(kind.alias("kind")).to_series()


def org_kinds(values: pl.Series, slow: Callable[[str | None], str | None]) -> pl.Series:
    """`slow(v)` (i.e. `org_kind`) for every value, vectorised where the text allows."""
    fast = values.str.contains(_ASCII_SPACE).fill_null(True)
    kinds = ascii_org_kinds(values)
    odd = values.filter(~fast).unique()
    if odd.len():
        redone = pl.Series([slow(v) for v in odd.to_list()], dtype=pl.String)
        mapped = values.replace_strict(odd, redone, default=None, return_dtype=pl.String)
        kinds = pl.select(pl.when(fast).then(kinds).otherwise(mapped)).to_series()
    return kinds.rename(values.name)
