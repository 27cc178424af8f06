"""A candidate pair as one row: both sides' match features side by side, `_q` and `_l`."""

from __future__ import annotations

import weakref

import polars as pl

from matching.config import FEW_PAIRS
from matching.frames import gather_rows

_Q_COLS = (
    "record_id",
    "role",
    "party_type",
    "name",
    "id_number",
    "pid",
    "pid_kind",
    "uscc",
    "org_code",
    "norm",
    "fold",
    "py",
    "py_rev",
    "han",
    "branch",
    "birth",
    "year",
    "sex",
)
_L_COLS = (
    "entry_id",
    "list_role",
    "party_type",
    "name",
    "pid",
    "pid_kind",
    "uscc",
    "org_code",
    "norm",
    "fold",
    "py",
    "py_rev",
    "py_alt",
    "han",
    "branch",
    "birth",
    "year",
    "age",
    "age_on",
    "sex",
)


def pair_frame(qf: pl.DataFrame, lf: pl.DataFrame, pairs: pl.DataFrame) -> pl.DataFrame:
    """Gather both sides' features for each `qi, li` pair, suffixed `_q` / `_l`."""
    # columns taken and renamed as Series: a select and a rename per side cost more than the
    # gather itself on the desk's few pairs
    if pairs.height <= FEW_PAIRS:
        return pairs.hstack([*_query_few(qf, pairs), *_list_few(lf, pairs)])
    lt = _renamed(lf)[pairs["li"]]
    qt = pl.DataFrame([qf.get_column(c).alias(f"{c}_q") for c in _Q_COLS])[pairs["qi"]]
    return pairs.hstack([*qt.get_columns(), *lt.get_columns()])


def _query_few(qf: pl.DataFrame, pairs: pl.DataFrame) -> list[pl.Series]:
    """The query side's columns of a few pairs, gathered on this thread (a frame's gather waits
    on polars' pool); the desk's one party is its row repeated."""
    if qf.height == 1:
        return [qf.get_column(c).new_from_index(0, pairs.height).alias(f"{c}_q") for c in _Q_COLS]
    renamed = pl.DataFrame([qf.get_column(c).alias(f"{c}_q") for c in _Q_COLS])
    return gather_rows(renamed, pairs.get_column("qi")).get_columns()


def _list_few(lf: pl.DataFrame, pairs: pl.DataFrame) -> list[pl.Series]:
    """The list side's columns of a few pairs, gathered on this thread."""
    return gather_rows(_list_columns(lf), pairs.get_column("li")).get_columns()


def _renamed(lf: pl.DataFrame) -> pl.DataFrame:
    return pl.DataFrame([lf.get_column(c).alias(f"{c}_l") for c in _L_COLS])


_LIST_COLUMNS: dict[int, tuple[weakref.ref[pl.DataFrame], int, pl.DataFrame]] = {}
"""`_renamed(lf)` by the list frame's identity, while it lives: the desk gathers one record's
pairs from the same million-row list features on every call, and renaming its columns costs a
fifth of the gather. The renamed frame shares the list's buffers (no copy); an entry goes when
its list frame does."""


def _list_columns(lf: pl.DataFrame) -> pl.DataFrame:
    """`_renamed(lf)`, kept for the list frame (feature frames are not changed in place; a
    frame grown in place is noticed by its height)."""
    held = _LIST_COLUMNS.get(id(lf))
    if held is not None and held[0]() is lf and held[1] == lf.height:
        return held[2]
    renamed = _renamed(lf)
    key = id(lf)
    _LIST_COLUMNS[key] = (
        weakref.ref(lf, lambda _: _LIST_COLUMNS.pop(key, None)),
        lf.height,
        renamed,
    )
    return renamed
