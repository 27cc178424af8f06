"""Resident IDs compared position by position: the columns the ID comparison's levels read.

Masks are unknown, not wrong: a `*` on either side is a position nobody can compare. Whole values
are compared at once as (n, 18) byte matrices, a chunk at a time, so a large pair set never
materialises more than `_CHUNK` x 18 bytes per matrix. At most `FEW_PAIRS` pairs (the desk's
record) are compared one pair at a time in Python (`_few`): both paths reduce a pair to the same
position bit masks and read them through the same rules (`_tail_ok`, `_near`, `_far`, `_swapped`),
which take a Python int or a uint32 array alike; the region history is read for re-code candidates
only, through one-pair twins of its numpy functions (`*_one`), held equal by property tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, TypeVar

import numpy as np
import polars as pl

from matching.comparison_level import Column
from matching.config import FEW_PAIRS, FEW_ROWS
from matching.ids import recode_plausible, recode_plausible_one
from matching.regions import (
    recoded_across,
    recoded_across_one,
    same_place_or_merged,
    same_place_or_merged_one,
)

_STAR = ord("*")
_NOTHING = "*" * 18
"""A missing ID: no position visible."""
_DIGIT = ord("0")
_CHUNK = 1_000_000
_R6_W = 10 ** np.arange(5, -1, -1, dtype=np.int64)
COLUMNS = {
    "_id_vis": pl.Int64,
    "_id_conf": pl.Int64,
    "_id_masked": pl.Boolean,
    "_id_tail_vis": pl.Int64,
    "_id_year_vis": pl.Boolean,
    "_id_swapped": pl.Boolean,
    "_id_recode": pl.Boolean,
    "_id_typo": pl.Boolean,
}
"""Per pair: visible shared positions, conflicting ones, either side masked, visible birth date and
sequence positions, birth year visible on both, two adjacent positions swapped, a plausible
re-code of the region code, either side failing its check char."""


def _id_matrix(ids: pl.Series) -> np.ndarray:
    """(n, 18) uint8 matrix of cleaned IDs; a missing ID is all `*` (nothing visible)."""
    if ids.len() <= FEW_ROWS:  # a few pairs: polars' fixed cost per call outweighs the work
        text = "".join(_NOTHING if i is None else i for i in ids.to_list())
    else:  # joined in polars: one 18-byte-per-row string, no Python str per pair (10M at 1M)
        text = ids.fill_null(_NOTHING).str.join("").item()
    return np.frombuffer(text.encode("ascii"), dtype=np.uint8).reshape(-1, 18)


def _region(m: np.ndarray) -> np.ndarray:
    """6-digit region code per row of an ID matrix, -1 where any of its digits is masked."""
    head = m[:, :6]
    code = (head.astype(np.int64) - _DIGIT) @ _R6_W
    return np.where((head == _STAR).any(1), -1, code)


def _year(m: np.ndarray) -> np.ndarray:
    """Birth year per row of an ID matrix, 0 where masked."""
    digits = m[:, 6:10]
    year = (digits.astype(np.int64) - _DIGIT) @ _R6_W[2:]
    return np.where((digits == _STAR).any(1), 0, year)


def _birth_year(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Birth year of each pair of aligned ID matrices: the first side's where visible."""
    ya = _year(a)
    return np.where(ya > 0, ya, _year(b))


def _recode_plausible(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Re-code plausibility for aligned ID matrices that agree on their (visible) city digits."""
    year = _birth_year(a, b)
    city = (a[:, :4].astype(np.int64) - _DIGIT) @ _R6_W[2:]
    ra, rb = _region(a), _region(b)
    return recode_plausible(ra, rb, city, year) & same_place_or_merged(ra, rb, year)


def _recoded_across(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For aligned ID matrices whose full region codes differ in the city prefix (江安县 512529 ->
    511523): both codes are a dated re-code of one place in the region history."""
    return recoded_across(_region(a), _region(b), _birth_year(a, b))


# One pair's twins of the matrix readers above, for the row path (`_few`): numpy's fixed cost per
# call on a candidate or two outweighed the rest of the row path. Held equal by property tests.


def _value(digits: str) -> int:
    """The int `_region` and `_year` make of these characters: each one's offset from `0`,
    weighted by powers of ten (not `int()`, which would reject a stray non-digit)."""
    found = 0
    for c in digits:
        found = found * 10 + ord(c) - _DIGIT
    return found


def _region_one(pid: str) -> int:
    return -1 if "*" in pid[:6] else _value(pid[:6])


def _birth_year_one(a: str, b: str) -> int:
    ya = 0 if "*" in a[6:10] else _value(a[6:10])
    return ya if ya > 0 else 0 if "*" in b[6:10] else _value(b[6:10])


def _recode_plausible_one(a: str, b: str) -> bool:
    year, ra, rb = _birth_year_one(a, b), _region_one(a), _region_one(b)
    return recode_plausible_one(ra, rb, _value(a[:4]), year) and same_place_or_merged_one(
        ra, rb, year
    )


def _recoded_across_one(a: str, b: str) -> bool:
    return recoded_across_one(_region_one(a), _region_one(b), _birth_year_one(a, b))


_Bits = TypeVar("_Bits", int, np.ndarray)
"""Position bit masks of one pair (a Python int, the row path) or of many (a uint32 array)."""


def _bits(m: np.ndarray) -> np.ndarray:
    """Per row of an (n, k <= 32) bool matrix, a uint32 whose bit i is column i."""
    packed = np.packbits(m, axis=1, bitorder="little")
    out = np.zeros((m.shape[0], 4), dtype=np.uint8)
    out[:, : packed.shape[1]] = packed
    return out.view("<u4").ravel()


def _span(lo: int, hi: int) -> int:
    """Bit mask of ID positions `lo` .. `hi - 1`."""
    return ((1 << hi) - 1) ^ ((1 << lo) - 1)


_ALL, _CITY, _DISTRICT, _REGION6 = _span(0, 18), _span(0, 4), _span(4, 6), _span(0, 6)
_YEAR, _TAIL = _span(6, 10), _span(6, 17)
_SLIP = "bad_check"
"""The ID kind of a number failing its check char."""


def _count(bits: _Bits, mask: int) -> Any:
    found = bits & mask
    return found.bit_count() if isinstance(found, int) else np.bitwise_count(found)


def _all(bits: _Bits, mask: int) -> Any:
    return (bits & mask) == mask


def _any(bits: _Bits, mask: int) -> Any:
    return (bits & mask) != 0


def _none(bits: _Bits, mask: int) -> Any:
    return (bits & mask) == 0


def _not_all(bits: _Bits, mask: int) -> Any:
    return (bits & mask) != mask


# The rules below use no `~` (a Python bool's is an int): written so, one statement of each serves
# a pair's int masks and a frame's uint32 arrays alike.


def _swapped(conf: _Bits, cross: _Bits) -> Any:
    """Two adjacent conflicting positions whose digits are each other's (`cross`: bit i where
    position i of one side equals position i + 1 of the other and the other way round)."""
    return (conf & (conf >> 1) & cross) != 0


def _tail_ok(vis: _Bits, conf: _Bits) -> Any:
    """Conflicts, none of them in the birth date or sequence, which are seen enough to tell: the
    first condition of either re-code candidate (`_near`, `_far`)."""
    return (conf != 0) & _none(conf, _TAIL) & (_count(vis, _TAIL) >= 3)


def _near(vis: _Bits, conf: _Bits) -> Any:
    """With `_tail_ok`, a re-code candidate inside one city (`_recode_plausible` decides).

    A re-code keeps birth date and sequence (the check char follows the region). District re-codes
    stay inside their city: the first four region digits must be seen to agree, and the district
    digits must differ or be hidden.
    """
    same_city = _all(vis, _CITY) & _none(conf, _CITY)
    district_moved = _any(conf, _DISTRICT) | _not_all(vis, _DISTRICT)
    return same_city & district_moved


def _far(vis: _Bits, conf: _Bits) -> Any:
    """With `_tail_ok`, a re-code candidate across city prefixes (`_recoded_across` decides): both
    full region codes seen, the city digits differ."""
    return _all(vis, _REGION6) & _any(conf, _CITY)


def _recoded(a: np.ndarray, b: np.ndarray, vis: np.ndarray, conf: np.ndarray) -> np.ndarray:
    """Conflicts only in the region and check positions, where a re-coded district explains them.

    Neighbouring districts that both existed all along are two people, not a re-code: one of the
    two codes must have been created or retired after the birth year (stdnum's region table).
    `vis` and `conf` are position bit masks (`_bits`).
    """
    tail_ok = _tail_ok(vis, conf)
    recode = tail_ok & _near(vis, conf)
    maybe = np.flatnonzero(recode)
    recode[maybe] = _recode_plausible(a[maybe], b[maybe])
    far = np.flatnonzero(tail_ok & _far(vis, conf))
    if len(far):
        recode[far] = _recoded_across(a[far], b[far])
    return recode


def _positions(a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    # Position sets as 18-bit masks: a million pairs' counts and tests are then popcounts and
    # masks over one uint32 per pair instead of reductions over (n, 18) matrices.
    star_a, star_b = a == _STAR, b == _STAR
    vis = _bits(~star_a & ~star_b)
    conf = vis & ~_bits(a == b)
    cross = _bits(a[:, :-1] == b[:, 1:]) & _bits(a[:, 1:] == b[:, :-1])
    return {
        "_id_vis": np.bitwise_count(vis).astype(np.int64),
        "_id_conf": np.bitwise_count(conf).astype(np.int64),
        "_id_masked": _bits(star_a | star_b) != 0,
        "_id_tail_vis": _count(vis, _TAIL).astype(np.int64),
        "_id_year_vis": _all(vis, _YEAR),
        "_id_swapped": _swapped(conf, cross),
        "_id_recode": _recoded(a, b, vis, conf),
    }


def _few(pairs: pl.DataFrame) -> pl.DataFrame:
    """`id_positions` one pair at a time: the same masks and rules as `_positions`, in Python."""
    read = {c: pairs.get_column(c).to_list() for c in _READ}
    found = list(zip(*_few_values(read), strict=True))
    # Python ints and bools infer as `COLUMNS`' Int64 and Boolean: a schema's casts cost ~20 us
    # more (an empty frame has nothing to infer from)
    return pl.DataFrame(found, schema=list(COLUMNS) if found else COLUMNS, orient="row")


def id_positions_rows(cols: Mapping[str, list[Any]], n: int, as_of: date) -> list[Column]:
    """`id_positions` of `n` pairs from their columns as lists: `COLUMNS`, left as lists."""
    del as_of, n  # as `id_positions`
    return list(zip(COLUMNS, _few_values(cols), _DTYPES, strict=True))


_DTYPES = [dtype() for dtype in COLUMNS.values()]
_READ = ("pid_q", "pid_l", "pid_kind_q", "pid_kind_l")


def _few_values(cols: Mapping[str, list[Any]]) -> list[list[Any]]:
    """`COLUMNS`' values one pair at a time (`_few`), from the ID columns as lists."""
    qs: list[str | None] = cols["pid_q"]
    ls: list[str | None] = cols["pid_l"]
    n_vis: list[int] = []
    n_conf: list[int] = []
    masked: list[bool] = []
    tail: list[int] = []
    year: list[bool] = []
    swapped: list[bool] = []
    recode: list[bool] = []
    for a, b in zip(qs, ls, strict=True):
        a = _NOTHING if a is None else a
        b = _NOTHING if b is None else b
        hidden = conf = 0
        bit = 1
        for x, y in zip(a, b, strict=True):
            if x == "*" or y == "*":
                hidden |= bit
            elif x != y:
                conf |= bit
            bit <<= 1
        vis = _ALL & ~hidden
        cross = 0
        if conf & (conf >> 1):  # rare: read the digits only when two adjacent positions conflict
            for j in range(17):
                if a[j] == b[j + 1] and a[j + 1] == b[j]:
                    cross |= 1 << j
        n_vis.append(vis.bit_count())
        n_conf.append(conf.bit_count())
        masked.append(hidden != 0)
        tail.append(_count(vis, _TAIL))
        year.append(_all(vis, _YEAR))
        swapped.append(_swapped(conf, cross))
        # the region tables, for the candidates only
        recode.append(
            _tail_ok(vis, conf)
            and (
                _recode_plausible_one(a, b)
                if _near(vis, conf)
                else _far(vis, conf) and _recoded_across_one(a, b)
            )
        )
    kinds = zip(cols["pid_kind_q"], cols["pid_kind_l"], strict=True)
    typo = [q == _SLIP or lst == _SLIP for q, lst in kinds]
    return [n_vis, n_conf, masked, tail, year, swapped, recode, typo]


def id_positions(pairs: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """`COLUMNS` for every pair of resident IDs (`pid_q`, `pid_l`, `pid_kind_q/_l`)."""
    del as_of  # an ID's positions do not depend on the run date
    if pairs.height <= FEW_PAIRS:
        return _few(pairs)
    parts: dict[str, list[np.ndarray]] = {c: [] for c in COLUMNS}
    for start in range(0, pairs.height, _CHUNK):
        chunk = pairs.slice(start, _CHUNK)
        found = _positions(_id_matrix(chunk["pid_q"]), _id_matrix(chunk["pid_l"]))
        # either side's number fails its check char, so a one-position difference can be a slip;
        # between two checksum-valid numbers it means two different people
        typo = (chunk["pid_kind_q"] == _SLIP) | (chunk["pid_kind_l"] == _SLIP)
        found["_id_typo"] = typo.fill_null(False).to_numpy()
        for c, v in found.items():
            parts[c].append(v)
    return pl.DataFrame(
        [
            pl.Series(c, np.concatenate(v), dtype=COLUMNS[c]) if v else pl.Series(c, [], COLUMNS[c])
            for c, v in parts.items()
        ]
    )
