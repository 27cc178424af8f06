"""Compare candidate pairs: one level code per declared comparison, and the branch veto.

The comparisons themselves are data (`matching.comparison_library`); this module runs them over a
pair frame and names what is derived from them. `level_of` evaluates one comparison on literal
values, for tests and for a reader checking what a pair of values comes to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import polars as pl

from matching.comparison_level import ComparisonSpec, RowCodes, assign_all, assign_rows
from matching.comparison_library import DECLARED
from matching.features import party_features
from matching.pair_frame import pair_frame
from matching.parties import LIST_SCHEMA, QUERY_SCHEMA

LEVELS: dict[str, tuple[str, ...]] = {c.name: c.labels for c in DECLARED}
"""Level labels per comparison in code order (`LEVELS[name][code]`)."""


def branch_veto() -> pl.Expr:
    """True when one side is a branch (分公司) and the other its parent or another branch.

    Such a pair is never a match, however alike the names.
    """
    org = (pl.col("party_type_q") == "org") & (pl.col("party_type_l") == "org")
    return (org & ~pl.col("branch_q").eq_missing(pl.col("branch_l"))).alias("veto")


def compare(
    pairs: pl.DataFrame, as_of: date, specs: Sequence[ComparisonSpec] = DECLARED
) -> pl.DataFrame:
    """Add `g_<comparison>` for every comparison in `specs`, and `veto`, to a pair frame."""
    return pairs.hstack(assign_all(specs, pairs, as_of, extra=(_VETO,)).get_columns())


def compare_rows(
    pairs: pl.DataFrame, as_of: date, specs: Sequence[ComparisonSpec] = DECLARED
) -> RowCodes | None:
    """`compare`'s added columns for at most `FEW_PAIRS` pairs, left as Python lists with the
    pair columns read for them (`comparison_level.assign_rows`); None when `compare` must say."""
    return assign_rows(specs, pairs, as_of, extra=(_VETO,))


_VETO = branch_veto()


_QUERY_DEFAULTS = {"record_id": "R", "role": "party", "party_type": "person"}
_LIST_DEFAULTS = {"entry_id": "E", "list_role": "debtor", "party_type": "person"}


def _side(
    schema: Mapping[str, Any], defaults: Mapping[str, object], values: Mapping[str, object]
) -> pl.DataFrame:
    row = {c: values.get(c, defaults.get(c)) for c in schema}
    return pl.DataFrame([row], schema=schema)


def level_of(
    comparison: str | ComparisonSpec,
    *,
    as_of: date,
    specs: Sequence[ComparisonSpec] = DECLARED,
    **values: object,
) -> str | None:
    """The level one pair of literal party values comes to in `comparison` (None: no evidence).

    Each keyword is a party field (`name`, `id_number`, `gender`, `party_type`, the query's
    `birth_date`, the list's `age`, `age_on`): a `(query, list)` tuple, or one value for both
    sides. The pair goes through the same features and conditions as every nightly pair.
    """
    spec = (
        comparison
        if isinstance(comparison, ComparisonSpec)
        else next(s for s in specs if s.name == comparison)
    )
    sides: tuple[dict[str, object], dict[str, object]] = ({}, {})
    for field, value in values.items():
        pair = value if isinstance(value, tuple) else (value, value)
        for side, schema, v in zip(sides, (QUERY_SCHEMA, LIST_SCHEMA), pair, strict=True):
            if v is not None and field not in schema:
                raise ValueError(f"{field!r} is not a field of this side of a pair")
            side[field] = v
    qf = party_features(_side(QUERY_SCHEMA, _QUERY_DEFAULTS, sides[0]), as_of)
    lf = party_features(_side(LIST_SCHEMA, _LIST_DEFAULTS, sides[1]), as_of)
    one = pl.DataFrame({"qi": [0], "li": [0]}, schema={"qi": pl.UInt32, "li": pl.UInt32})
    code = compare(pair_frame(qf, lf, one), as_of, [spec])[f"g_{spec.name}"][0]
    return None if code is None else spec.labels[code]
