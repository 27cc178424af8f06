"""Fellegi-Sunter scoring of compared pairs, with term-frequency adjusted name weights.

A name's weight depends on how common it is among list persons (张伟 says far less than a rare
name), so the frequencies are counted once per sweep and every chunk of pairs reuses them.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass

import polars as pl

from matching.comparison_level import ComparisonSpec
from matching.config import FEW_ROWS
from matching.model import MatchModel

TF_PSEUDO = 2.0
"""Pseudo-count shrinking a name's list frequency towards the level's u (small lists say little)."""


def _tf_counts(lf: pl.DataFrame, col: str, model: MatchModel) -> pl.DataFrame:
    """Per name value: its count among list persons (`n_<col>`), or a fixed share from the model."""
    persons = lf.filter(pl.col("party_type") == "person")
    if model.tf_tables.get(col):
        table = model.tf_tables[col]
        n = max(persons.height, 1)
        return pl.DataFrame({col: list(table), f"n_{col}": [v * n for v in table.values()]})
    return (
        persons.group_by(col)
        .len()
        .rename({"len": f"n_{col}"})
        .with_columns(pl.col(f"n_{col}").cast(pl.Float64))
    )


def _tf_adjust(count: pl.Expr, n: int, u: float, tf_min: float) -> pl.Expr:
    """log2(u / tf), tf shrunk towards u by `TF_PSEUDO` pseudo-counts (small lists say little)."""
    tf = (count + TF_PSEUDO) / (n + TF_PSEUDO / u)
    return (
        pl.when(count.is_null())
        .then(0.0)
        .otherwise((pl.lit(u) / pl.max_horizontal(tf, pl.lit(tf_min))).log(2))
    )


@dataclass(frozen=True)
class NameFrequencies:
    """How often each normalised name and each pinyin occurs among list persons (for TF)."""

    norm: pl.DataFrame
    py: pl.DataFrame
    persons: int


def name_frequencies(lf: pl.DataFrame, model: MatchModel) -> NameFrequencies:
    """Counted once per sweep; every chunk of pairs is scored against the same frequencies."""
    return NameFrequencies(
        norm=_tf_counts(lf, "norm", model).rename({"norm": "norm_l"}),
        py=_tf_counts(lf, "py", model).rename({"py": "py_l"}),
        persons=max(lf.filter(pl.col("party_type") == "person").height, 1),
    )


def _name_spec(model: MatchModel) -> ComparisonSpec:
    return next(s for s in model.specs if s.name == "name")


def score(
    pairs: pl.DataFrame,
    lf: pl.DataFrame,
    model: MatchModel,
    freqs: NameFrequencies | None = None,
) -> pl.DataFrame:
    """Add field weights `w_*`, the TF flag, the total weight and the calibrated `match_score`."""
    freqs = freqs or name_frequencies(lf, model)
    counted = _with_counts(pairs, freqs)
    raw_exprs, total_exprs = _scoring_exprs(model, lf.height, freqs.persons)
    # two narrow selects and a frame assembled from their columns: selecting the pair columns
    # by name costs more than all the arithmetic on the desk's one record
    raw = counted.select(raw_exprs)
    done = raw.select(total_exprs)
    columns = counted.get_columns()
    weights = [done[f"w_{c.name}"] for c in model.comparisons]
    return pl.DataFrame(
        [
            *columns[: pairs.width],
            *weights,
            *columns[pairs.width :],
            raw["w_tf"],
            *done.get_columns()[-3:],
        ]
    )


def _with_counts(pairs: pl.DataFrame, freqs: NameFrequencies) -> pl.DataFrame:
    """`pairs` with each list name's count (`n_norm`, `n_py`) joined on, left order kept.

    A handful of pairs against a handful of counts (the desk's one record) looks them up in
    Python: two joins on such frames cost more than the scoring itself.
    """
    tables = ((freqs.norm, "norm_l"), (freqs.py, "py_l"))
    if pairs.height <= FEW_ROWS and all(t.height <= FEW_ROWS for t, _ in tables):
        looked = [_looked_up(pairs[key], table) for table, key in tables]
        if all(s is not None for s in looked):
            return pairs.hstack([c for found in looked if found is not None for c in found])
    return pairs.join(freqs.norm, on="norm_l", how="left").join(freqs.py, on="py_l", how="left")


def _looked_up(keys: pl.Series, table: pl.DataFrame) -> list[pl.Series] | None:
    """What a left join of `keys` on `table` adds, one row per key (None: keys repeat in
    `table`, so the join would repeat rows and only the join itself says how)."""
    key, *values = table.get_columns()
    at = {k: i for i, k in enumerate(key.to_list())}
    if len(at) < table.height:
        return None
    rows = [None if k is None else at.get(k) for k in keys.to_list()]  # null keys never join
    return [
        pl.Series(v.name, [None if i is None else v[i] for i in rows], dtype=v.dtype)
        for v in values
    ]


_EXPRS: dict[tuple[int, int, int], tuple[weakref.ref[MatchModel], tuple[list[pl.Expr], ...]]] = {}


def _scoring_exprs(
    model: MatchModel, n_list: int, persons: int
) -> tuple[list[pl.Expr], list[pl.Expr]]:
    """The weights `w_*` (the name's before TF) and `w_tf` from the compared pairs, then from
    those the weights (the name's TF adjusted), `tf_down`, `match_weight` and `match_score`;
    built once per model and list size (building them costs more than evaluating them on one
    record)."""
    key = (id(model), n_list, persons)
    hit = _EXPRS.get(key)
    if hit is not None and hit[0]() is model:
        return hit[1][0], hit[1][1]
    raw: list[pl.Expr] = []
    for c in model.comparisons:  # a level code picks its weight (null: no evidence, 0 bits)
        w = pl.Series(model.weights(c.name).tolist(), dtype=pl.Float64)
        raw.append(pl.lit(w).gather(pl.col(f"g_{c.name}")).fill_null(0.0).alias(f"w_{c.name}"))
    tf_expr = pl.lit(0.0)
    is_person = pl.col("party_type_q") == "person"
    for code, lv in enumerate(_name_spec(model).scored):  # TF counts are of list names
        if lv.tf_column is not None:
            u = model.comparison("name").level(lv.label).u
            adj = _tf_adjust(pl.col(f"n_{lv.tf_column}"), persons, u, model.tf_minimum)
            tf_expr = pl.when(is_person & (pl.col("g_name") == code)).then(adj).otherwise(tf_expr)
    raw.append(tf_expr.alias("w_tf"))
    prior = model.prior_for(n_list)
    prior_bits = math.log2(prior / (1 - prior))
    weights = {c.name: pl.col(f"w_{c.name}") for c in model.comparisons}
    weights["name"] = weights["name"] + pl.col("w_tf")  # the name's weight, TF adjusted
    total = pl.lit(prior_bits) + pl.sum_horizontal(weights[c.name] for c in model.comparisons)
    totals = [
        *(w.alias(f"w_{name}") for name, w in weights.items()),
        (pl.col("w_tf") < -1).alias("tf_down"),
        total.alias("match_weight"),
        (1 / (1 + (pl.lit(2.0) ** -total))).alias("match_score"),
    ]
    if len(_EXPRS) > 64:  # models and list sizes come and go (tests, list versions)
        _EXPRS.clear()
    _EXPRS[key] = (weakref.ref(model), (raw, totals))
    return raw, totals


def name_reach(
    lf: pl.DataFrame, model: MatchModel, freqs: NameFrequencies, floor: float
) -> pl.Series:
    """Per list party: could an unnumbered person reach `floor` against a numbered namesake?

    Without an ID on the list side only the name (TF-adjusted), the age and the gender can add
    weight; if even their best levels stay under `floor`, blocking need not pair the party with
    numbered query persons at all (at a million entries the prior sinks so low that no bare
    name does). Exact, not a heuristic: it bounds the score `score` would give.
    """
    name = model.comparison("name")
    prior = model.prior_for(lf.height)
    prior_bits = math.log2(prior / (1 - prior))

    tf = {lv.label: lv.tf_column for lv in _name_spec(model).scored if lv.tf_column}

    def tf_level(level: str, column: str) -> pl.Expr:
        lv = name.level(level)
        adj = _tf_adjust(pl.col(f"n_{column}"), freqs.persons, lv.u, model.tf_minimum)
        return pl.lit(lv.weight) + adj

    plain = max(lv.weight for lv in name.levels if lv.name not in tf)
    best_name = pl.max_horizontal(
        *(tf_level(level, column) for level, column in tf.items()), pl.lit(plain)
    )
    has_birth = pl.any_horizontal(pl.col(c).is_not_null() for c in ("age", "year", "birth"))
    bound = (
        pl.lit(prior_bits)
        + best_name
        + pl.when(has_birth).then(float(model.weights("birth").max())).otherwise(0.0)
        + pl.when(pl.col("sex").is_not_null())
        .then(float(model.weights("gender").max()))
        .otherwise(0.0)
    )
    need = math.log2(floor / (1 - floor)) if 0 < floor < 1 else -math.inf
    return (
        lf.select("norm", "py", "age", "year", "birth", "sex")
        .rename({"norm": "norm_l", "py": "py_l"})
        .join(freqs.norm, on="norm_l", how="left", maintain_order="left")
        .join(freqs.py, on="py_l", how="left", maintain_order="left")
        .select((bound >= need).fill_null(True).alias("name_reach"))
        .to_series()
    )
