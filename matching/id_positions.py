"""Resident IDs compared position by position: the columns the ID comparison's levels read.

Masks are unknown, not wrong: a `*` on either side is a position nobody can compare. Whole values
are compared at once as (n, 18) byte matrices, a chunk at a time, so a large pair set never
materialises more than `_CHUNK` x 18 bytes per matrix.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from matching.config import FEW_ROWS
from matching.ids import recode_plausible
from matching.regions import recoded_across, same_place_or_merged

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


def _recode_plausible(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Re-code plausibility for aligned ID matrices that agree on their (visible) city digits."""
    ya = _year(a)
    year = np.where(ya > 0, ya, _year(b))
    city = (a[:, :4].astype(np.int64) - _DIGIT) @ _R6_W[2:]
    ra, rb = _region(a), _region(b)
    return recode_plausible(ra, rb, city, year) & same_place_or_merged(ra, rb, year)


def _bits(m: np.ndarray) -> np.ndarray:
    """Per row of an (n, k <= 32) bool matrix, a uint32 whose bit i is column i."""
    packed = np.packbits(m, axis=1, bitorder="little")
    out = np.zeros((m.shape[0], 4), dtype=np.uint8)
    out[:, : packed.shape[1]] = packed
    return out.view("<u4").ravel()


def _span(lo: int, hi: int) -> np.uint32:
    """Bit mask of ID positions `lo` .. `hi - 1`."""
    return np.uint32(((1 << hi) - 1) ^ ((1 << lo) - 1))


_ALL, _CITY, _DISTRICT, _REGION6 = _span(0, 18), _span(0, 4), _span(4, 6), _span(0, 6)
_YEAR, _TAIL = _span(6, 10), _span(6, 17)


def _count(bits: np.ndarray, mask: np.uint32) -> np.ndarray:
    return np.bitwise_count(bits & mask)


def _all(bits: np.ndarray, mask: np.uint32) -> np.ndarray:
    return (bits & mask) == mask


def _any(bits: np.ndarray, mask: np.uint32) -> np.ndarray:
    return (bits & mask) != 0


def _recoded(a: np.ndarray, b: np.ndarray, vis: np.ndarray, conf: np.ndarray) -> np.ndarray:
    """Conflicts only in the region and check positions, where a re-coded district explains them.

    A re-code keeps birth date and sequence (the check char follows the region). District re-codes
    stay inside their city: the first four region digits must be seen to agree, and the district
    digits must differ or be hidden. Neighbouring districts that both existed all along are two
    people, not a re-code: one of the two codes must have been created or retired after the birth
    year (stdnum's region table). `vis` and `conf` are position bit masks (`_bits`).
    """
    tail_ok = (conf != 0) & ~_any(conf, _TAIL) & (_count(vis, _TAIL) >= 3)
    same_city = _all(vis, _CITY) & ~_any(conf, _CITY)
    district_moved = _any(conf, _DISTRICT) | ~_all(vis, _DISTRICT)
    recode = tail_ok & same_city & district_moved
    maybe = np.flatnonzero(recode)
    recode[maybe] = _recode_plausible(a[maybe], b[maybe])
    # A re-code may also move a place to another city prefix (江安县 512529 -> 511523): then both
    # full region codes must be a dated re-code of one place in the region history.
    far = np.flatnonzero(tail_ok & _all(vis, _REGION6) & _any(conf, _CITY))
    if len(far):
        ya = _year(a[far])
        recode[far] = recoded_across(
            _region(a[far]), _region(b[far]), np.where(ya > 0, ya, _year(b[far]))
        )
    return recode


def _positions(a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    # Position sets as 18-bit masks: a million pairs' counts and tests are then popcounts and
    # masks over one uint32 per pair instead of reductions over (n, 18) matrices.
    star_a, star_b = a == _STAR, b == _STAR
    vis = _bits(~star_a & ~star_b)
    conf = vis & ~_bits(a == b)
    # two adjacent conflicting positions whose digits are each other's
    cross = _bits(a[:, :-1] == b[:, 1:]) & _bits(a[:, 1:] == b[:, :-1])
    swapped = (conf & (conf >> np.uint32(1)) & cross) != 0
    return {
        "_id_vis": np.bitwise_count(vis).astype(np.int64),
        "_id_conf": np.bitwise_count(conf).astype(np.int64),
        "_id_masked": _bits(star_a | star_b) != 0,
        "_id_tail_vis": _count(vis, _TAIL).astype(np.int64),
        "_id_year_vis": _all(vis, _YEAR),
        "_id_swapped": swapped,
        "_id_recode": _recoded(a, b, vis, conf),
    }


def id_positions(pairs: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """`COLUMNS` for every pair of resident IDs (`pid_q`, `pid_l`, `pid_kind_q/_l`)."""
    del as_of  # an ID's positions do not depend on the run date
    parts: dict[str, list[np.ndarray]] = {c: [] for c in COLUMNS}
    for start in range(0, pairs.height, _CHUNK):
        chunk = pairs.slice(start, _CHUNK)
        found = _positions(_id_matrix(chunk["pid_q"]), _id_matrix(chunk["pid_l"]))
        # either side's number fails its check char, so a one-position difference can be a slip;
        # between two checksum-valid numbers it means two different people
        typo = (chunk["pid_kind_q"] == "bad_check") | (chunk["pid_kind_l"] == "bad_check")
        found["_id_typo"] = typo.fill_null(False).to_numpy()
        for c, v in found.items():
            parts[c].append(v)
    return pl.DataFrame(
        [
            pl.Series(c, np.concatenate(v), dtype=COLUMNS[c]) if v else pl.Series(c, [], COLUMNS[c])
            for c, v in parts.items()
        ]
    )
