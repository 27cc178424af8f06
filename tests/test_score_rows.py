"""Property tests: the pair-level row paths (scores, name counts, kept pairs, probabilities) give
exactly the columnar path's frames and floats, on up to `FEW_PAIRS` pairs.

A desk record at a million entries meets up to ~60 candidate pairs, so several families of hard
parties (`tests.test_scoring_few.families`) are stacked into one query and one list; their pairs
go through the real features, blocking, confirmed-pair flags and comparisons, then are scored
against name counts from the list, from the model's fixed tables, from the desk's candidates
only, from tables too large to look up in Python, and from tables counting a name twice.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from types import SimpleNamespace
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import matching.calibrate as calibrate
import matching.expr_rows as expr_rows
import matching.pair_frame as pair_frame_module
import matching.pairs as pairs_module
import matching.scoring as scoring
import pipelines.screen.index as screen_index
from matching.blocking import candidate_pairs
from matching.calibrate import pair_probabilities
from matching.comparisons import compare
from matching.config import FEW_PAIRS
from matching.link import _decide_hits_columnar, can_hit, decide_hits, prepare
from matching.model import MatchModel
from matching.pair_frame import pair_frame
from matching.pairs import score_in_chunks, with_confirmed
from matching.scoring import NameFrequencies, name_frequencies, score
from tests.few_paths import bypassed
from tests.matching_helpers import AS_OF, THRESHOLDS, listed, query
from tests.test_scoring_few import MODEL, assert_counts_are_columnar, families

ROW_PATHS = (scoring, pairs_module, pair_frame_module, calibrate, screen_index)


def columnar() -> contextlib.AbstractContextManager[None]:
    """The pair-level row paths bypassed: every frame takes the columnar code."""
    return bypassed(*ROW_PATHS, limits=("FEW_PAIRS",))


def _stacked(parts: list[tuple[pl.DataFrame, pl.DataFrame]]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Several families as one query and one list (ids made distinct), features prepared."""
    queries, lists = [], []
    for k, (q, lst) in enumerate(parts):
        queries.append(q.with_columns(_prefixed("record_id", k)))
        lists.append(lst.with_columns(_prefixed("entry_id", k)))
    return prepare(pl.concat(queries), pl.concat(lists), AS_OF)


def _prefixed(column: str, family: int) -> pl.Expr:
    return pl.format("F{}{}", pl.lit(family), column).alias(column)


def _pairs(qf: pl.DataFrame, lf: pl.DataFrame, forced: list[bool], limit: int) -> pl.DataFrame:
    """Blocking's pairs plus some query x list pairs as analyst-confirmed, at most `limit`."""
    found, _ = candidate_pairs(qf, lf, AS_OF)
    every = pl.DataFrame(
        {
            "qi": np.repeat(np.arange(qf.height), lf.height),
            "li": np.tile(np.arange(lf.height), qf.height),
        },
        schema={"qi": pl.UInt32, "li": pl.UInt32},
    )
    flags = (forced * (every.height // len(forced) + 1))[: every.height]
    return with_confirmed(found, every.filter(pl.Series(flags))).head(limit)


def _tf_rows(lf: pl.DataFrame, freqs: NameFrequencies) -> pl.DataFrame:
    """The desk index's per list party name counts (as `build_index` joins them)."""
    return (
        lf.select(pl.col("norm").alias("norm_l"), pl.col("py").alias("py_l"))
        .join(freqs.norm, on="norm_l", how="left", maintain_order="left")
        .join(freqs.py, on="py_l", how="left", maintain_order="left")
    )


COUNTS = ("list", "model", "desk", "large", "twice", "one")


def _frequencies(
    how: str, lf: pl.DataFrame, pairs: pl.DataFrame, shares: list[float]
) -> tuple[MatchModel, NameFrequencies]:
    """The model and name counts a scoring of `pairs` may meet (see the module's docstring)."""
    if how == "model":  # fixed shares of some list names (others have no count)
        names = {c: lf[c].drop_nulls().unique().sort().to_list() for c in ("norm", "py")}
        tables = {c: dict(zip(v[::2], shares, strict=False)) for c, v in names.items()}
        model = dataclasses.replace(MODEL, tf_tables=tables)
        return model, name_frequencies(lf, model)
    freqs = name_frequencies(lf, MODEL)
    if how == "desk":
        index: Any = SimpleNamespace(tf_rows=_tf_rows(lf, freqs), freqs=freqs)
        return MODEL, screen_index._frequencies(index, pairs)
    if how == "one":  # a single counted name: polars holds its joined count as one value
        return MODEL, dataclasses.replace(freqs, norm=freqs.norm.head(1), py=freqs.py.head(1))
    if how == "large":  # more names than a few: the join finds the counts
        pad = [f"名{i}" for i in range(FEW_PAIRS + 1)]
        counts = [shares[0] * 10.0] * len(pad)
        extra = {k: pl.DataFrame({k: pad, f"n_{k[:-2]}": counts}) for k in ("norm_l", "py_l")}
        return MODEL, dataclasses.replace(
            freqs,
            norm=pl.concat([freqs.norm, extra["norm_l"]], how="vertical_relaxed"),
            py=pl.concat([freqs.py, extra["py_l"]], how="vertical_relaxed"),
        )
    if how == "twice":  # a name counted twice: the join repeats its pairs
        return MODEL, dataclasses.replace(freqs, norm=pl.concat([freqs.norm, freqs.norm.head(1)]))
    return MODEL, freqs


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

stacks = st.lists(families(), min_size=1, max_size=8)
forced_flags = st.lists(st.booleans(), min_size=5, max_size=13)
pair_draws = (
    stacks,
    forced_flags,
    st.integers(0, FEW_PAIRS),
    st.sampled_from(COUNTS),
    st.lists(st.floats(1e-9, 0.5), min_size=1, max_size=30),
)
"""Families of pairs, forced level flags, how many pairs, name-count kind, m/u shares."""


@FAST
@given(
    *pair_draws,
    st.sampled_from((None, 7, 1_000_000)),
    st.lists(st.sampled_from(("person", "org", None)), max_size=FEW_PAIRS),
)
def test_scoring_a_few_pairs_row_by_row_gives_the_columnar_frame_bit_for_bit(
    parts, forced, limit, how, shares, list_height, recast
) -> None:
    qf, lf = _stacked(parts)
    pairs = _pairs(qf, lf, forced, limit)
    model, freqs = _frequencies(how, lf, pairs, shares)
    compared = compare(pair_frame(qf, lf, pairs), AS_OF, model.specs)
    # TF only for persons: some pairs' query side recast (a person's name level on an org)
    kinds = (recast + compared["party_type_q"].to_list())[: compared.height]
    compared = compared.with_columns(pl.Series("party_type_q", kinds, dtype=pl.String))
    # the prior follows the list's height: the desk's list is a million parties
    sized: Any = lf if list_height is None else SimpleNamespace(height=list_height)
    rows = score(compared, sized, model, freqs)
    with columnar():
        col = score(compared, sized, model, freqs)
    assert_frame_equal(rows, col, check_exact=True)
    assert rows.height >= pairs.height


@FAST
@given(stacks, forced_flags, st.integers(0, FEW_PAIRS), st.sampled_from(COUNTS[:3]))
def test_a_few_pairs_are_kept_and_scored_in_chunks_as_the_columnar_path(
    parts, forced, limit, how
) -> None:
    qf, lf = _stacked(parts)
    pairs = _pairs(qf, lf, forced, limit)
    model, freqs = _frequencies(how, lf, pairs, [1e-4])
    for keep in (pl.lit(True), pl.lit(False), can_hit(THRESHOLDS.review), can_hit(0.0)):
        rows, rows_scores = score_in_chunks(qf, lf, pairs, model, AS_OF, freqs, keep)
        with columnar():
            col, col_scores = score_in_chunks(qf, lf, pairs, model, AS_OF, freqs, keep)
        assert_frame_equal(rows, col, check_exact=True)
        assert rows_scores.dtype == col_scores.dtype == np.float64
        np.testing.assert_array_equal(rows_scores, col_scores)
        assert rows_scores.size == pairs.height


@FAST
@given(stacks, forced_flags, st.integers(0, FEW_PAIRS))
def test_the_desk_s_name_counts_of_up_to_few_pairs_are_the_columnar_ones(
    parts, forced, limit
) -> None:
    qf, lf = _stacked(parts)
    pairs = _pairs(qf, lf, forced, limit)
    freqs = name_frequencies(lf, MODEL)
    index: Any = SimpleNamespace(tf_rows=_tf_rows(lf, freqs), freqs=freqs)
    rows = assert_counts_are_columnar(index, pairs)
    for table, key in ((rows.norm, "norm_l"), (rows.py, "py_l")):
        assert table[key].n_unique() == table.height  # one count per name, as `unique` leaves it


@FAST
@given(
    st.lists(
        st.tuples(
            st.floats(0, 1, allow_nan=False),
            st.sampled_from((True, False, None)),
        ),
        max_size=FEW_PAIRS,
    ),
    st.booleans(),
)
def test_pair_probabilities_of_a_few_pairs_are_the_columnar_ones(rows, with_veto) -> None:
    frame = pl.DataFrame(
        {"match_score": [p for p, _ in rows], "veto": [v for _, v in rows]},
        schema={"match_score": pl.Float64, "veto": pl.Boolean},
    )
    if not with_veto:
        frame = frame.drop("veto")
    few = pair_probabilities(frame)
    with columnar():
        col = pair_probabilities(frame)
    assert few.dtype == col.dtype == np.float64
    np.testing.assert_array_equal(few, col)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=scoring._HALVED),
        min_size=1,
        max_size=6,
    )
)
def test_the_row_sum_adds_in_polars_sum_horizontal_s_order(rows) -> None:
    """`_halving_sum` (weights summed in Python) against `pl.sum_horizontal`, as many weights
    per pair as the row path takes."""
    width = min(len(r) for r in rows)
    frame = pl.DataFrame([pl.Series(f"c{k}", [r[k] for r in rows]) for k in range(width)])
    expected = frame.select(pl.sum_horizontal(pl.all())).to_series().to_list()
    summed = scoring._halving_sum([frame[c].to_list() for c in frame.columns])
    assert [math.copysign(1, x) for x in summed] == [math.copysign(1, x) for x in expected]
    assert summed == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(-1100, 1100, allow_nan=False), min_size=2, max_size=20))
def test_the_float_twins_of_log_and_pow_round_as_polars(values) -> None:
    """`_log2` against `Expr.log(2)` on positive values and zero, `_pow2` against `2.0 ** x`."""
    positive = [abs(v) * 1e-3 for v in values]
    logs = pl.select(pl.lit(pl.Series(positive)).log(2)).to_series().to_list()
    assert [scoring._log2(x) for x in positive] == logs
    powers = pl.select(pl.lit(2.0) ** pl.lit(pl.Series(values))).to_series().to_list()
    assert [scoring._pow2(x) for x in values] == powers


@FAST
@given(stacks, forced_flags, st.integers(0, FEW_PAIRS))
def test_a_single_query_party_s_pairs_gather_as_the_columnar_path(parts, forced, limit) -> None:
    """The desk's one party (its row repeated, not gathered), then scored and kept, as
    columnar; and a query of several parties as before."""
    qf, lf = _stacked(parts)
    pairs = _pairs(qf, lf, forced, limit)
    one = pairs.filter(pl.col("qi") == 0)
    for query_side, some in ((qf.head(1), one), (qf, pairs)):
        rows = pair_frame(query_side, lf, some)
        with columnar():
            col = pair_frame(query_side, lf, some)
        assert_frame_equal(rows, col, check_exact=True)
        assert rows.height == some.height
    freqs = name_frequencies(lf, MODEL)
    keep = can_hit(THRESHOLDS.review)
    rows, rows_scores = score_in_chunks(qf.head(1), lf, one, MODEL, AS_OF, freqs, keep)
    with columnar():
        col, col_scores = score_in_chunks(qf.head(1), lf, one, MODEL, AS_OF, freqs, keep)
    assert_frame_equal(rows, col, check_exact=True)
    np.testing.assert_array_equal(rows_scores, col_scores)


FLOORS = (0.0, THRESHOLDS.review, THRESHOLDS.match, 0.5, 1.0)


def _around(x: float) -> st.SearchStrategy[float]:
    return st.sampled_from((x, float(np.nextafter(x, -np.inf)), float(np.nextafter(x, np.inf))))


scores_near_floors = st.one_of(
    st.none(), st.sampled_from(FLOORS).flatmap(_around), st.floats(0, 1, allow_nan=False)
)


@FAST
@given(
    stacks,
    forced_flags,
    st.integers(0, FEW_PAIRS),
    st.sampled_from(FLOORS),
    st.lists(scores_near_floors, max_size=FEW_PAIRS),
    st.lists(st.sampled_from(("forced", "veto", "tf_down", "g_name", "g_birth")), max_size=5),
    st.lists(st.sampled_from(("person", "org", None)), max_size=FEW_PAIRS),
)
def test_a_few_scored_pairs_are_kept_row_by_row_as_polars_filters_them(
    parts, forced, limit, floor, match_scores, nulled, kinds
) -> None:
    """`_kept` on scored pairs whose scores sit at and around the floor, some flags and levels
    null, some query sides recast: the compiled `can_hit` keeps exactly polars' rows."""
    qf, lf = _stacked(parts)
    pairs = _pairs(qf, lf, forced, limit)
    freqs = name_frequencies(lf, MODEL)
    scored = score(compare(pair_frame(qf, lf, pairs), AS_OF, MODEL.specs), lf, MODEL, freqs)
    n = scored.height
    drawn = (match_scores + scored["match_score"].to_list())[:n]
    recast = (kinds + scored["party_type_q"].to_list())[:n]
    scored = scored.with_columns(
        pl.Series("match_score", drawn, dtype=pl.Float64),
        pl.Series("party_type_q", recast, dtype=pl.String),
        # every k-th row of each nulled column null (k from how often it was drawn)
        *(
            pl.when(pl.int_range(pl.len()) % (nulled.count(c) + 1) == 0)
            .then(None)
            .otherwise(pl.col(c))
            .alias(c)
            for c in set(nulled)
        ),
    )
    keep = can_hit(floor)
    compiled = pairs_module._row_form(keep)
    assert compiled is not None and compiled.fits(expr_rows.families(scored))  # the row path
    rows = pairs_module._kept(scored, keep)
    with columnar():
        col = pairs_module._kept(scored, keep)
    assert_frame_equal(rows, col, check_exact=True)
    assert_frame_equal(rows, scored.filter(keep), check_exact=True)


def test_a_predicate_without_a_row_form_or_on_other_dtypes_is_kept_by_polars() -> None:
    q = query(
        {"name": "张伟", "id_number": None}, {"party_type": "org", "name": "北京某某科技有限公司"}
    )
    lst = listed(
        {"name": "张伟"}, {"name": "張偉"}, {"party_type": "org", "name": "北京某某科技有限公司"}
    )
    qf, lf = prepare(q, lst, AS_OF)
    pairs = _pairs(qf, lf, [True, False, False], FEW_PAIRS)
    freqs = name_frequencies(lf, MODEL)
    scored = score(compare(pair_frame(qf, lf, pairs), AS_OF, MODEL.specs), lf, MODEL, freqs)
    odd = pl.col("norm_q").str.len_chars() > 1  # no row form
    assert pairs_module._row_form(odd) is None
    assert_frame_equal(pairs_module._kept(scored, odd), scored.filter(odd))
    as_f32 = scored.with_columns(pl.col("match_score").cast(pl.Float32))
    keep = can_hit(0.0)
    compiled = pairs_module._row_form(keep)
    assert compiled is not None and not compiled.fits(expr_rows.families(as_f32))
    assert_frame_equal(pairs_module._kept(as_f32, keep), as_f32.filter(keep))
    assert pairs_module._kept(scored, keep).height == scored.height > 0
    with pytest.raises(pl.exceptions.ColumnNotFoundError):  # as polars' filter raises
        pairs_module._kept(scored.drop("tf_down"), keep)


def test_an_empty_kept_frame_answers_its_own_schema_s_columnar_hits_each_time() -> None:
    """The empty answer is cached by the kept frame's columns and dtypes: frames differing in a
    dtype or a column get their own, and every call gets a frame of its own."""
    q = query(
        {"name": "张伟", "id_number": None}, {"party_type": "org", "name": "北京某某科技有限公司"}
    )
    lst = listed({"name": "张伟"}, {"party_type": "org", "name": "北京某某科技有限公司"})
    qf, lf = prepare(q, lst, AS_OF)
    pairs = _pairs(qf, lf, [True], FEW_PAIRS)
    freqs = name_frequencies(lf, MODEL)
    scored = score(compare(pair_frame(qf, lf, pairs), AS_OF, MODEL.specs), lf, MODEL, freqs)
    variants = [
        scored.clear(),
        scored.clear().with_columns(pl.col("match_score").cast(pl.Float32)),
        scored.clear().with_columns(pl.col("record_id_q").cast(pl.Categorical)),
        scored.clear().with_columns(pl.lit(None, dtype=pl.Int8).alias("spare")),
    ]
    answers = []
    for kept in variants * 2:
        for budget in (None, 3):
            hits, cut = decide_hits(kept, THRESHOLDS, budget)
            col_hits, col_cut = _decide_hits_columnar(kept, THRESHOLDS, budget)
            assert_frame_equal(hits, col_hits, check_exact=True)
            assert cut == col_cut and hits.is_empty()
            assert all(hits is not seen for seen in answers)
            answers.append(hits)
    assert {str(a.schema) for a in answers} != {str(answers[0].schema)}  # the variants show


def test_the_list_columns_kept_for_the_desk_follow_the_list_frame() -> None:
    """One record gathered from a list frame, from another list frame, from the first grown in
    place: each time what the columnar path gathers; an entry goes with its list frame."""
    q = query({"name": "张伟", "id_number": None})
    first = listed({"name": "张伟"}, {"name": "張偉"}, {"name": "李四"})
    qf, lf = prepare(q, first, AS_OF)
    _, other = prepare(q, listed({"name": "王五"}, {"name": "张伟"}, {"name": "赵六"}), AS_OF)
    pairs = pl.DataFrame({"qi": [0, 0], "li": [2, 0]}, schema={"qi": pl.UInt32, "li": pl.UInt32})
    for list_side in (lf, other, lf, other):
        rows = pair_frame(qf, list_side, pairs)
        with columnar():
            assert_frame_equal(rows, pair_frame(qf, list_side, pairs), check_exact=True)
    assert rows["name_l"].to_list() == ["赵六", "王五"]
    lf.extend(other)  # grown in place: the kept columns no longer cover it
    grown = pl.DataFrame(
        {"qi": [0], "li": [lf.height - 1]}, schema={"qi": pl.UInt32, "li": pl.UInt32}
    )
    rows = pair_frame(qf, lf, grown)
    with columnar():
        assert_frame_equal(rows, pair_frame(qf, lf, grown), check_exact=True)
    assert rows["name_l"].to_list() == ["赵六"]
    ids = {id(lf), id(other)}
    assert ids <= set(pair_frame_module._LIST_COLUMNS)
    del lf, other, list_side
    assert not ids & set(pair_frame_module._LIST_COLUMNS)
