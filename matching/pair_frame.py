"""A candidate pair as one row: both sides' match features side by side, `_q` and `_l`."""

from __future__ import annotations

import polars as pl

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
    q = qf.select(list(_Q_COLS))[pairs["qi"]].rename(lambda c: f"{c}_q")
    lt = lf.select(list(_L_COLS))[pairs["li"]].rename(lambda c: f"{c}_l")
    return pl.concat([pairs, q, lt], how="horizontal")
