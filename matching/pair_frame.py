"""A candidate pair as one row: both sides' match features side by side, `_q` and `_l`."""

from __future__ import annotations

import polars as pl

from matching.config import FEW_PAIRS

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
    lt = pl.DataFrame([lf.get_column(c).alias(f"{c}_l") for c in _L_COLS])[pairs["li"]]
    if qf.height == 1 and pairs.height <= FEW_PAIRS:  # the desk's one party: its row repeated
        q = [qf.get_column(c).new_from_index(0, pairs.height).alias(f"{c}_q") for c in _Q_COLS]
        return pairs.hstack([*q, *lt.get_columns()])
    qt = pl.DataFrame([qf.get_column(c).alias(f"{c}_q") for c in _Q_COLS])[pairs["qi"]]
    return pairs.hstack([*qt.get_columns(), *lt.get_columns()])
