"""Fellegi-Sunter scoring of compared pairs, with term-frequency adjusted name weights.

A name's weight depends on how common it is among list persons (张伟 says far less than a rare
name), so the frequencies are counted once per sweep and every chunk of pairs reuses them.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from matching.comparison_level import ComparisonSpec
from matching.config import FEW_PAIRS
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
    return (
        pl.when(count.is_null())
        .then(0.0)
        .otherwise(_tf_bits(count, n, u, pl.lit(tf_min), pl.max_horizontal, lambda x: x.log(2)))
    )


def _tf_bits(count: Any, n: int, u: float, tf_min: Any, floor: Any, log2: Any) -> Any:
    """The TF formula over polars expressions or Python floats alike (`floor`: the larger of
    two, `log2`: polars' `log(2)` or its float twin `_log2`), so both paths state it once."""
    # a product with the reciprocal, not a division: polars divides a column by a number so,
    # but a column it holds as one repeated value (one row, a join on a one-row table) by true
    # division; as a product every frame, and the float path, rounds alike
    tf = (count + TF_PSEUDO) * (1 / (n + TF_PSEUDO / u))
    return log2(u / floor(tf, tf_min))


def _log2(x: float) -> float:
    """log2 as polars' `Expr.log(2)` computes it (ln x / ln 2, not libm's log2: they differ in
    the last bit), with its results where Python's `math.log` raises."""
    if x > 0:
        return math.log(x) / _LN2
    return -math.inf if x == 0 else math.nan


_LN2 = math.log(2.0)


def _tf_down(w_tf: Any) -> Any:
    """A name so common on the list that TF takes more than a bit off its weight."""
    return w_tf < -1


def _probability(total: Any, pow2: Any) -> Any:
    """The match probability of a total weight in bits (`pow2`: 2 ** x in polars or `_pow2`)."""
    return 1 / (1 + pow2(-total))


def _pow2(x: float) -> float:
    """2.0 ** x as polars computes it (libm's pow), inf where Python raises on overflow."""
    try:
        return 2.0**x
    except OverflowError:
        return math.inf


_HALVED = 4
"""Columns up to which `pl.sum_horizontal` adds in `_halving_sum`'s order whatever its thread
pool: polars reduces the columns in parallel, and with one thread it adds longer runs left to
right; the declared comparisons are four."""


def _halving_sum(columns: list[list[float]]) -> list[float]:
    """`pl.sum_horizontal` of float columns held as lists, its additions in its order: polars
    reduces the columns pairwise, halving them (`(a + b) + (c + d)`), and a left-to-right sum
    may differ in the last bit (up to `_HALVED` columns)."""
    if len(columns) == 1:
        return columns[0]
    mid = len(columns) // 2
    left, right = _halving_sum(columns[:mid]), _halving_sum(columns[mid:])
    return [x + y for x, y in zip(left, right, strict=True)]


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
    """Add field weights `w_*`, the TF flag, the total weight and the calibrated `match_score`.

    At most `FEW_PAIRS` pairs (the desk's one record) are scored in Python lists
    (`_score_rows`), from the same numbers as the expressions and to the same bits."""
    freqs = freqs or name_frequencies(lf, model)
    plan = _scoring(model, lf.height, freqs.persons)
    rows = len(plan.names) <= _HALVED  # more weights: the sum's order is polars' own affair
    if rows and pairs.height <= FEW_PAIRS:
        looked = _counts_few(pairs, freqs)
        if looked is not None:
            weights, added = _score_rows(pairs, {s.name: s.to_list() for s in looked}, plan)
            return pairs.hstack([*weights, *looked, *added])
    counted = pairs.join(freqs.norm, on="norm_l", how="left").join(freqs.py, on="py_l", how="left")
    if rows and counted.height <= FEW_PAIRS:
        counts = {c: counted.get_column(c).to_list() for c in counted.columns[pairs.width :]}
        weights, added = _score_rows(counted, counts, plan)
    else:
        # two narrow selects and a frame assembled from their columns: selecting the pair
        # columns by name costs more than the arithmetic
        raw = counted.select(plan.raw)
        done = raw.select(plan.totals)
        weights = [done[f"w_{name}"] for name in plan.names]
        added = [raw["w_tf"], *done.get_columns()[-3:]]
    columns = counted.get_columns()
    return pl.DataFrame([*columns[: pairs.width], *weights, *columns[pairs.width :], *added])


def _counts_few(pairs: pl.DataFrame, freqs: NameFrequencies) -> list[pl.Series] | None:
    """The list names' counts (`n_norm`, `n_py`) a left join of `pairs` on the frequencies
    adds, looked up in Python when the tables are few (the desk's: its candidates' names);
    None when the join must say (large tables, or a name counted twice)."""
    tables = ((freqs.norm, "norm_l"), (freqs.py, "py_l"))
    if any(t.height > FEW_PAIRS for t, _ in tables):
        return None
    found: list[pl.Series] = []
    for table, key in tables:
        looked = _looked_up(pairs.get_column(key), table)
        if looked is None:
            return None
        found.extend(looked)
    return found


def _looked_up(keys: pl.Series, table: pl.DataFrame) -> list[pl.Series] | None:
    """What a left join of `keys` on `table` adds, one row per key (None: keys repeat in
    `table`, so the join would repeat rows and only the join itself says how)."""
    looked = _looked_up_values(keys.to_list(), table)
    if looked is None:
        return None
    return [pl.Series(name, values, dtype=dtype) for name, values, dtype in looked]


def _looked_up_values(
    keys: list[Any], table: pl.DataFrame
) -> list[tuple[str, list[Any], pl.DataType]] | None:
    """`_looked_up` as lists: each added column's name, values and dtype."""
    key, *values = table.get_columns()
    at = {k: i for i, k in enumerate(key.to_list())}
    if len(at) < table.height:
        return None
    rows = [None if k is None else at.get(k) for k in keys]  # null keys never join
    found = []
    for v in values:
        listed = v.to_list()
        found.append((v.name, [None if i is None else listed[i] for i in rows], v.dtype))
    return found


ScoredColumn = tuple[str, list[Any], pl.DataType]
"""A column `score` adds, computed in Python: its name, values and dtype."""


def score_rows(
    cols: Mapping[str, list[Any]],
    n: int,
    n_list: int,
    model: MatchModel,
    freqs: NameFrequencies,
) -> list[ScoredColumn] | None:
    """The columns `score` adds to `n` (at most `FEW_PAIRS`) compared pairs held as lists in
    `cols` (the pair columns and `g_<comparison>`), in its order and to its bits; None when
    `score` must answer through polars (more weights than `_HALVED`, large or repeating name
    tables). `n_list`: the list's height, for the prior."""
    plan = _scoring(model, n_list, freqs.persons)
    if len(plan.names) > _HALVED or n > FEW_PAIRS:
        return None
    looked: list[ScoredColumn] = []
    for table, key in ((freqs.norm, "norm_l"), (freqs.py, "py_l")):
        if table.height > FEW_PAIRS:
            return None
        found = _looked_up_values(cols[key], table)
        if found is None:
            return None
        looked.extend(found)
    counts = {name: values for name, values, _ in looked}
    codes = {name: cols[f"g_{name}"] for name in plan.names}
    raw, w_tf, down, total, p = _score_values(codes, cols["party_type_q"], counts, plan)
    weights = [(f"w_{name}", w, _F64) for name, w in zip(plan.names, raw, strict=True)]
    return [
        *weights,
        *looked,
        ("w_tf", w_tf, _F64),
        ("tf_down", down, pl.Boolean()),
        ("match_weight", total, _F64),
        ("match_score", p, _F64),
    ]


_F64 = pl.Float64()


@dataclass(frozen=True, eq=False)
class _Scoring:
    """One model's scoring at one list size: the numbers, and the expressions made of them."""

    names: tuple[str, ...]
    """The comparisons, in the model's order (the order their weights are summed in)."""
    weights: tuple[tuple[float, ...], ...]
    """Per comparison, the weight of each level code."""
    tf: dict[int, tuple[str, float]]
    """Per name level code with TF: the count column (`n_<feature>`) and the level's u."""
    persons: int
    tf_minimum: float
    prior_bits: float
    raw: list[pl.Expr]
    """The weights `w_*` (the name's before TF) and `w_tf` from the compared pairs."""
    totals: list[pl.Expr]
    """From `raw`: the weights (the name's TF adjusted), `tf_down`, `match_weight`,
    `match_score`."""


_PLANS: dict[tuple[int, int, int], tuple[weakref.ref[MatchModel], _Scoring]] = {}


def _scoring(model: MatchModel, n_list: int, persons: int) -> _Scoring:
    """`_Scoring` built once per model and list size (building the expressions costs more than
    evaluating them on one record)."""
    key = (id(model), n_list, persons)
    hit = _PLANS.get(key)
    if hit is not None and hit[0]() is model:
        return hit[1]
    names = tuple(c.name for c in model.comparisons)
    weights = tuple(tuple(float(w) for w in model.weights(name).tolist()) for name in names)
    tf = {
        code: (f"n_{lv.tf_column}", model.comparison("name").level(lv.label).u)
        for code, lv in enumerate(_name_spec(model).scored)  # TF counts are of list names
        if lv.tf_column is not None
    }
    prior = model.prior_for(n_list)
    prior_bits = math.log2(prior / (1 - prior))
    raw: list[pl.Expr] = []
    for name, w in zip(names, weights, strict=True):  # a level code picks its weight
        picked = pl.lit(pl.Series(w, dtype=pl.Float64)).gather(pl.col(f"g_{name}"))
        raw.append(picked.fill_null(0.0).alias(f"w_{name}"))  # null: no evidence, 0 bits
    tf_expr = pl.lit(0.0)
    is_person = pl.col("party_type_q") == "person"
    for code, (column, u) in tf.items():
        adj = _tf_adjust(pl.col(column), persons, u, model.tf_minimum)
        tf_expr = pl.when(is_person & (pl.col("g_name") == code)).then(adj).otherwise(tf_expr)
    raw.append(tf_expr.alias("w_tf"))
    summed = {name: pl.col(f"w_{name}") for name in names}
    summed["name"] = summed["name"] + pl.col("w_tf")  # the name's weight, TF adjusted
    total = pl.lit(prior_bits) + pl.sum_horizontal(summed[name] for name in names)
    totals = [
        *(w.alias(f"w_{name}") for name, w in summed.items()),
        _tf_down(pl.col("w_tf")).alias("tf_down"),
        total.alias("match_weight"),
        _probability(total, lambda x: pl.lit(2.0) ** x).alias("match_score"),
    ]
    plan = _Scoring(names, weights, tf, persons, model.tf_minimum, prior_bits, raw, totals)
    if len(_PLANS) > 64:  # models and list sizes come and go (tests, list versions)
        _PLANS.clear()
    _PLANS[key] = (weakref.ref(model), plan)
    return plan


def _score_rows(
    pairs: pl.DataFrame, counts: dict[str, list[Any]], plan: _Scoring
) -> tuple[list[pl.Series], list[pl.Series]]:
    """`plan.raw` then `plan.totals` on a few pairs, a column at a time in Python lists: the
    weights `w_*`, then `w_tf`, `tf_down`, `match_weight`, `match_score`; every float the bits
    polars gives. `counts`: the list names' counts per pair (`n_norm`, `n_py`)."""
    codes = {name: pairs.get_column(f"g_{name}").to_list() for name in plan.names}
    person = pairs.get_column("party_type_q").to_list()
    raw, w_tf, down, total, p = _score_values(codes, person, counts, plan)
    floats = _float_columns([*(f"w_{name}" for name in plan.names), "w_tf"], [*raw, w_tf])
    scored = _float_columns(["match_weight", "match_score"], [total, p])
    return floats[:-1], [floats[-1], pl.Series("tf_down", down, dtype=pl.Boolean), *scored]


def _score_values(
    codes: Mapping[str, list[Any]],
    person: list[Any],
    counts: Mapping[str, list[Any]],
    plan: _Scoring,
) -> tuple[list[list[float]], list[float], list[bool], list[float], list[float]]:
    """`plan.raw` then `plan.totals` on lists: the weights (the name's TF adjusted), `w_tf`,
    `tf_down`, `match_weight`, `match_score`. `codes`: each comparison's level codes;
    `person`: the query side's party type; `counts`: the list names' counts per pair."""
    raw = [
        [0.0 if code is None else table[code] for code in codes[name]]
        for name, table in zip(plan.names, plan.weights, strict=True)
    ]
    w_tf = [0.0] * len(person)
    for row, code in enumerate(codes["name"]):
        tf = plan.tf.get(code) if person[row] == "person" else None
        count = None if tf is None else counts[tf[0]][row]
        if tf is not None and count is not None:
            w_tf[row] = _tf_bits(count, plan.persons, tf[1], plan.tf_minimum, max, _log2)
    at_name = plan.names.index("name")
    raw[at_name] = [w + adj for w, adj in zip(raw[at_name], w_tf, strict=True)]
    total = [plan.prior_bits + w for w in _halving_sum(raw)]
    p = [_probability(w, _pow2) for w in total]
    return raw, w_tf, [_tf_down(w) for w in w_tf], total, p


def _float_columns(names: list[str], columns: list[list[float]]) -> list[pl.Series]:
    """Float64 Series of equal-length lists: one Series sliced, cheaper than one per list."""
    n = len(columns[0])
    whole = pl.Series([x for c in columns for x in c], dtype=pl.Float64)
    return [whole.slice(k * n, n).rename(name) for k, name in enumerate(names)]


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
