"""Property tests: the comparison levels of a few pairs, row by row, equal the columnar ones.

`comparison_level.assign_all` evaluates a pair frame of at most `FEW_PAIRS` rows in Python: the
declared conditions are compiled from their serialized polars plans (`matching.expr_rows`) and
the fuzzy name level has a row form of its own. Both must give exactly what polars gives, nulls
included, so: the compiler is checked against `frame.select` on generated expressions over
literal frames full of nulls; every declared level must compile (a polars upgrade that changes
the serialized plan fails here instead of silently taking the slow path); and whole pair frames
of 0 to `FEW_PAIRS` pairs, stacked from several families of hard parties (the generators of
`tests/test_scoring_few.py`), are compared with the columnar path, the dispatch bypassed.
"""

from __future__ import annotations

import contextlib
import json
from datetime import date
from typing import Any
from unittest import mock

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal, assert_series_equal

import matching.comparison_level as comparison_level
import matching.expr_rows as expr_rows
from matching.comparison_level import ComparisonLevel, _row_extra, _row_spec, assign_all
from matching.comparison_library import (
    DECLARED,
    JW_FUZZY,
    NAME,
    ORG_FUZZY,
    _name_close,
    _name_close_row,
    _reaches,
)
from matching.comparisons import _VETO, compare
from matching.config import FEW_PAIRS
from matching.expr_rows import Unsupported, compile_chain, compile_row
from matching.link import prepare
from matching.pair_frame import pair_frame
from tests.few_paths import bypassed
from tests.matching_helpers import AS_OF, listed, query, rid
from tests.test_scoring_few import ANY_NAME, ORG_NAMES, families


def columnar() -> contextlib.AbstractContextManager[None]:
    """The row path of few pairs bypassed: `assign_all` runs polars on any frame."""
    return bypassed(comparison_level, limits=("FEW_PAIRS",))


def _every_pair(family: tuple[pl.DataFrame, pl.DataFrame]) -> pl.DataFrame:
    qf, lf = prepare(*family, AS_OF)
    every = pl.DataFrame(
        {
            "qi": np.repeat(np.arange(qf.height), lf.height),
            "li": np.tile(np.arange(lf.height), qf.height),
        },
        schema={"qi": pl.UInt32, "li": pl.UInt32},
    )
    return pair_frame(qf, lf, every)


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- the declarations all have a row form


def test_every_declared_level_and_the_branch_veto_compile() -> None:
    """A polars upgrade that serializes a node differently must fail here, not slow the desk."""
    for spec in DECLARED:
        for level in spec.levels:
            if level.when is not None and level.costly is None:
                compiled = compile_row(level.when)
                assert compiled.columns, (spec.name, level.label)
            if level.costly is not None:
                assert level.costly_row is not None, (spec.name, level.label)
        assert _row_spec(spec) is not None, spec.name
    veto = _row_extra(_VETO)
    assert veto is not None and veto.name == "veto"


# --- whole pair frames: row path against columnar path


@st.composite
def pair_frames(draw: st.DrawFn) -> pl.DataFrame:
    """Every query x list pair of one to seven families stacked, cut to 0..FEW_PAIRS rows."""
    frames = [_every_pair(f) for f in draw(st.lists(families(), min_size=1, max_size=7))]
    stacked = pl.concat(frames)
    n = draw(st.integers(0, min(stacked.height, FEW_PAIRS)))
    start = draw(st.integers(0, stacked.height - n))
    return stacked.slice(start, n)


@FAST
@given(pair_frames())
def test_a_few_pairs_take_the_same_levels_row_by_row(pf: pl.DataFrame) -> None:
    assert pf.height <= FEW_PAIRS
    few = compare(pf, AS_OF, DECLARED)
    with columnar():
        col = compare(pf, AS_OF, DECLARED)
    assert_frame_equal(few, col)
    for spec in DECLARED:  # and each comparison alone
        alone = assign_all((spec,), pf, AS_OF)
        with columnar():
            assert_frame_equal(alone, assign_all((spec,), pf, AS_OF))


ZW = rid("11010519850307231")
OLD, NEW = rid("11010319850307231"), rid("11010119850307231")  # 崇文区 re-coded into 东城区
LEVEL_CASES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({"id_number": ZW, "name": "张伟", "birth_date": date(1985, 3, 7)}, {"id_number": ZW}),
    ({"id_number": ZW, "gender": "M"}, {"id_number": ZW[:10] + "****" + ZW[-4:], "age": 40}),
    ({"id_number": ZW}, {"id_number": ZW[:6] + "*" * 8 + ZW[-4:], "gender": "F"}),
    ({"id_number": ZW, "name": "李己"}, {"id_number": ZW[:4] + "*" * 10 + ZW[-4:], "name": "李已"}),
    ({"id_number": OLD, "name": "ZHANG WEI"}, {"id_number": NEW, "name": "张伟"}),
    ({"id_number": OLD}, {"id_number": NEW[:10] + "****" + NEW[-4:]}),
    ({"id_number": OLD}, {"id_number": NEW[:4] + "*" * 10 + NEW[-4:]}),
    ({"id_number": ZW[:5] + "8" + ZW[6:], "name": "张伟"}, {"id_number": ZW, "name": "张玮"}),
    ({"id_number": rid("22010519700101001"), "name": "张伟"}, {"id_number": ZW, "name": "张伟伟"}),
    ({"id_number": "*" * 14 + ZW[-4:], "name": None}, {"id_number": ZW}),
    ({"birth_date": date(1985, 1, 1)}, {"id_number": ZW[:10] + "****" + ZW[-4:]}),
    ({"birth_date": date(1985, 3, 7)}, {"id_number": ZW}),
    ({"id_number": ZW}, {"gender": "M", "age": 39}),
    ({"id_number": ZW}, {"gender": "F"}),
    ({"birth_date": date(1985, 3, 7)}, {"age": 45, "gender": "M"}),
    ({"id_number": ZW}, {"age": 40, "age_on": None}),
    ({"id_number": ZW[:6] + "1958" + ZW[10:]}, {"id_number": ZW[:4] + "*" * 10 + ZW[-4:]}),
    (
        {"party_type": "org", "name": ORG_NAMES[0], "id_number": "91350100M000100Y43"},
        {"party_type": "org", "name": ORG_NAMES[1], "id_number": "M000100Y-4"},
    ),
    (
        {"party_type": "org", "name": ORG_NAMES[0], "id_number": "91350100M000100Y43"},
        {"party_type": "org", "name": ORG_NAMES[4], "id_number": "91350100M000100Y43"},
    ),
    (
        {"party_type": "org", "name": ORG_NAMES[2], "id_number": None},
        {"party_type": "org", "name": ORG_NAMES[6], "id_number": "91310000MA1FL0ABCD"},
    ),
    ({"party_type": "org", "name": ORG_NAMES[0]}, {"party_type": "org", "name": ORG_NAMES[3]}),
    (
        {"party_type": "org", "name": "北京某某科技有限公司"},
        {"party_type": "org", "name": "北京某某信息科技有限公司"},
    ),
    (
        {"party_type": "org", "name": "北京某某科技有限公司"},
        {"party_type": "org", "name": "北京某某网络信息科技有限公司"},
    ),
]
"""One pair per level at least (the literal cases of `tests/test_matching_comparators.py`)."""


def test_every_level_is_taken_alike_on_a_frame_that_reaches_each() -> None:
    q = query(*(dict({"name": "甲"}, **a) for a, _ in LEVEL_CASES))
    lst = listed(*(dict({"name": "甲"}, **b) for _, b in LEVEL_CASES))
    qf, lf = prepare(q, lst, AS_OF)
    n = len(LEVEL_CASES)
    idx = pl.DataFrame({"qi": range(n), "li": range(n)}, schema={"qi": pl.UInt32, "li": pl.UInt32})
    pf = pair_frame(qf, lf, idx)
    few = compare(pf, AS_OF, DECLARED)
    with columnar():
        assert_frame_equal(few, compare(pf, AS_OF, DECLARED))
    for spec in DECLARED:
        taken = {spec.labels[c] for c in few[f"g_{spec.name}"].drop_nulls()}
        assert taken == set(spec.labels), (spec.name, set(spec.labels) - taken)
        assert few[f"g_{spec.name}"].null_count() > 0
    assert few["veto"].any() and not few["veto"].all()


def test_the_row_path_is_what_a_few_pairs_take() -> None:
    """The property test above compares two different paths, not one path with itself."""
    with mock.patch.object(comparison_level, "_assign_columnar", side_effect=AssertionError):
        few = assign_all(DECLARED, _literal_pairs(), AS_OF, extra=(_VETO,))
    assert few.columns == ["veto", *(f"g_{s.name}" for s in DECLARED)]
    assert few["g_name"].null_count() < few.height


def _literal_pairs() -> pl.DataFrame:
    q = query({"name": "张伟", "id_number": None}, {"party_type": "org", "name": ORG_NAMES[0]})
    lst = listed({"name": "張偉"}, {"party_type": "org", "name": ORG_NAMES[4]})
    return _every_pair((q, lst))


# --- specs and frames the row form does not read stay columnar


def test_a_level_with_an_unknown_node_keeps_its_comparison_columnar() -> None:
    odd = ComparisonLevel("long", pl.col("norm_q").str.len_chars() > 3, "长", 0.1, 0.1)
    spec = NAME.with_level(odd, before="exact")
    with pytest.raises(Unsupported):
        compile_row(odd.when)  # type: ignore[arg-type]
    assert _row_spec(spec) is None
    pf = _literal_pairs()
    specs = tuple(spec if s is NAME else s for s in DECLARED)
    extra = (pl.col("norm_q").is_in(["x"]), _VETO)
    few = assign_all(specs, pf, AS_OF, extra=extra)
    with columnar():
        col = assign_all(specs, pf, AS_OF, extra=extra)
    assert_frame_equal(few, col)
    assert few["g_name"].to_list() != [None] * pf.height


def test_a_frame_of_other_dtypes_keeps_the_columnar_path() -> None:
    pf = _literal_pairs().with_columns(pl.col("party_type_q").cast(pl.Categorical))
    assert not compile_row(_VETO).fits(expr_rows.families(pf))
    few = compare(pf, AS_OF, DECLARED)
    with columnar():
        assert_frame_equal(few, compare(pf, AS_OF, DECLARED))


@pytest.mark.parametrize(
    "expr",
    [
        pl.col("a").str.contains("x"),  # a regex
        pl.col("i") + 1 > 2,  # integer arithmetic
        pl.col("a").str.slice(-2) == "x",  # from the end
        pl.col("f").eq_missing(2.5),
        (pl.col("f") > pl.col("g")) & (pl.col("g") < 0.5),  # floats against floats
        pl.col("f") + 1.0 > 2.5,
        pl.col("i").is_in([1, 2], nulls_equal=True),
        pl.col("f").is_in([1.5]),
        pl.col("a").str.len_chars() > 1,
        pl.col("a").str.starts_with("x"),
        pl.lit(None) == pl.col("a"),
    ],
)
def test_unknown_nodes_refuse_to_compile(expr: pl.Expr) -> None:
    with pytest.raises(Unsupported):
        compile_row(expr)


@pytest.mark.parametrize(
    "expr",
    [
        pl.col("a") == 1,  # a string against an integer: polars refuses it
        pl.col("i") & pl.col("b"),  # integers: polars' & is bitwise there
        pl.col("a"),  # a string is no condition
        pl.col("f") == pl.col("i"),  # floats (NaN) are not read
        pl.col("f").is_null(),  # nor are they without a float literal
        pl.col("f") > pl.col("f"),
        pl.col("i") >= 2.5,  # a float literal against integers: polars casts them
        pl.col("a").is_in([1, 2]),
        pl.col("a") == pl.col("i"),
        pl.col("d") == pl.col("i"),
        pl.col("c") == "x",  # a categorical
        pl.col("missing").is_null(),
    ],
)
def test_a_condition_fits_only_the_dtypes_it_reads_as_polars_does(expr: pl.Expr) -> None:
    schema = expr_rows.families(
        pl.DataFrame(
            schema={"a": pl.String, "i": pl.Int64, "b": pl.Boolean, "f": pl.Float64, "d": pl.Date}
            | {"c": pl.Categorical()}
        )
    )
    try:
        compiled = compile_row(expr)
    except Unsupported:
        return
    assert not compiled.fits(schema)
    assert compile_row(pl.col("b") & (pl.col("i") >= 3) & pl.col("d").is_null()).fits(schema)
    assert compile_row((pl.col("f") >= 0.5) | pl.col("i").is_in([1, 2])).fits(schema)


# --- the compiler against polars, on literal frames with nulls

WORDS = ("", "a", "ab", "|a|", "|", "张", "張伟", "ab|a|b", "Ｘ", "b")
STRS = ("s1", "s2", "s3")
INTS = ("i1", "i2", "u1")
BOOLS = ("b1", "b2")
DATES = ("d1", "d2")
FLOATS = ("f1", "f2")
FLOOR_VALUES = (0.0, 0.5, 0.98, 1.0, -0.0)
"""Float literals, and the floors scores meet: the values drawn sit at and around them."""


def _near(x: float) -> st.SearchStrategy[float]:
    return st.sampled_from((x, np.nextafter(x, -np.inf), np.nextafter(x, np.inf))).map(float)


FLOAT_VALUES = st.one_of(
    st.sampled_from(FLOOR_VALUES).flatmap(_near),
    st.sampled_from((float("nan"), float("inf"), float("-inf"))),
    st.floats(-2, 2, allow_nan=False),
)


@st.composite
def literal_frames(draw: st.DrawFn) -> pl.DataFrame:
    n = draw(st.integers(0, 12))

    def values(strategy: st.SearchStrategy[object]) -> list[object]:
        return draw(st.lists(st.one_of(st.none(), strategy), min_size=n, max_size=n))

    word = st.sampled_from(WORDS)
    small = st.integers(-3, 4)
    day = st.sampled_from((date(1985, 3, 1), date(1985, 3, 2), date(2001, 1, 1)))
    return pl.DataFrame(
        {
            **{c: values(word) for c in STRS},
            **{c: values(small) for c in INTS[:2]},
            "u1": values(st.integers(0, 4)),
            **{c: values(st.booleans()) for c in BOOLS},
            **{c: values(day) for c in DATES},
            **{c: values(FLOAT_VALUES) for c in FLOATS},
        },
        schema={
            **dict.fromkeys(STRS, pl.String),
            "i1": pl.Int32,
            "i2": pl.Int64,
            "u1": pl.UInt32,
            **dict.fromkeys(BOOLS, pl.Boolean),
            **dict.fromkeys(DATES, pl.Date),
            **dict.fromkeys(FLOATS, pl.Float64),
        },
    )


def _col(name: str) -> pl.Expr:
    return pl.col(name)


def _lit(value: object) -> pl.Expr:
    return pl.lit(value)


def _strs() -> st.SearchStrategy[pl.Expr]:
    base = st.one_of(st.sampled_from(STRS).map(_col), st.sampled_from(WORDS).map(_lit))

    def extend(inner: st.SearchStrategy[pl.Expr]) -> st.SearchStrategy[pl.Expr]:
        return st.one_of(
            st.tuples(inner, inner).map(lambda t: t[0] + t[1]),
            st.tuples(inner, st.integers(0, 5), st.integers(0, 3)).map(
                lambda t: t[0].str.slice(t[1], t[2])
            ),
            st.tuples(inner, st.sampled_from(WORDS)).map(lambda t: t[0].fill_null(t[1])),
        )

    return st.recursive(base, extend, max_leaves=4)


def _ints() -> st.SearchStrategy[pl.Expr]:
    col = st.sampled_from(INTS).map(_col)
    return st.one_of(
        col,
        st.integers(-2, 3).map(_lit),
        st.tuples(col, st.integers(-2, 3)).map(lambda t: t[0].fill_null(t[1])),
    )


COMPARE = ("eq", "ne", "lt", "le", "gt", "ge", "eq_missing", "ne_missing")


def _operands() -> st.SearchStrategy[tuple[pl.Expr, pl.Expr | object]]:
    strs, ints = _strs(), _ints()
    dates = st.sampled_from(DATES).map(_col)
    return st.one_of(
        st.tuples(strs, strs),
        st.tuples(ints, ints),
        st.tuples(dates, dates),
        st.tuples(st.sampled_from(BOOLS).map(_col), st.sampled_from(BOOLS).map(_col)),
        st.tuples(ints, st.integers(-3, 16)),  # a column against a bare Python int
        st.tuples(strs, st.sampled_from(WORDS)),
    )


def _comparisons() -> st.SearchStrategy[pl.Expr]:
    return st.tuples(_operands(), st.sampled_from(COMPARE)).map(
        lambda t: getattr(t[0][0], t[1])(t[0][1])
    )


def _float_comparisons() -> st.SearchStrategy[pl.Expr]:
    """A float column against a float literal, on either side (NaN, infinities, -0.0 met)."""
    column = st.sampled_from(FLOATS).map(_col)
    floor = st.sampled_from(FLOOR_VALUES).flatmap(_near)
    ops = st.sampled_from(COMPARE[:6])
    return st.one_of(
        st.tuples(column, ops, floor).map(lambda t: getattr(t[0], t[1])(t[2])),
        st.tuples(column, ops, floor).map(lambda t: getattr(pl.lit(t[2]), t[1])(t[0])),
        st.tuples(column, ops, floor).map(
            lambda t: getattr(t[0], t[1])(pl.lit(t[2], dtype=pl.Float64))
        ),
    )


def _memberships() -> st.SearchStrategy[pl.Expr]:
    """`is_in` over literal lists (empty, with repeats or a null) of integers or of words."""
    ints = st.tuples(
        st.sampled_from(INTS).map(_col),
        st.lists(st.one_of(st.none(), st.integers(-3, 5)), max_size=5),
    )
    words = st.tuples(_strs(), st.lists(st.sampled_from(WORDS), max_size=4))
    return st.one_of(ints, words).map(lambda t: t[0].is_in(t[1]))


def _contains() -> st.SearchStrategy[pl.Expr]:
    strs = _strs()
    return st.tuples(strs, strs).map(lambda t: t[0].str.contains(t[1], literal=True))


def _bools() -> st.SearchStrategy[pl.Expr]:
    strs, ints = _strs(), _ints()
    dates = st.sampled_from(DATES).map(_col)
    base = st.one_of(
        _comparisons(),
        _float_comparisons(),
        _memberships(),
        _contains(),
        st.sampled_from(BOOLS).map(_col),
        st.booleans().map(_lit),
        st.one_of(strs, ints, dates).map(lambda e: e.is_null()),
        st.one_of(strs, ints, dates).map(lambda e: e.is_not_null()),
    )

    def extend(inner: st.SearchStrategy[pl.Expr]) -> st.SearchStrategy[pl.Expr]:
        return st.one_of(
            st.tuples(inner, inner).map(lambda t: t[0] & t[1]),
            st.tuples(inner, inner).map(lambda t: t[0] | t[1]),
            inner.map(lambda e: ~e),
            st.tuples(inner, st.booleans()).map(lambda t: t[0].fill_null(t[1])),
            st.tuples(inner, inner).map(lambda t: t[0].eq_missing(t[1])),
            inner.map(lambda e: e.is_null()),
        )

    return st.recursive(base, extend, max_leaves=8)


def _check_condition(frame: pl.DataFrame, expr: pl.Expr) -> None:
    compiled = compile_row(expr)
    assert compiled.fits(expr_rows.families(frame))
    expected = frame.with_columns(expr.alias("_r"))["_r"]  # with_columns: literals broadcast
    cols = {c: frame[c].to_list() for c in compiled.columns}
    found = pl.Series("_r", [compiled.fn(cols, i) for i in range(frame.height)], dtype=pl.Boolean)
    assert_series_equal(found, expected)


@settings(max_examples=300, deadline=None)
@given(
    literal_frames(), st.one_of(_comparisons(), _float_comparisons(), _memberships(), _contains())
)
def test_compiled_comparisons_give_what_polars_gives(frame: pl.DataFrame, expr: pl.Expr) -> None:
    _check_condition(frame, expr)


@settings(max_examples=400, deadline=None)
@given(literal_frames(), _bools())
def test_compiled_conditions_give_what_polars_gives(frame: pl.DataFrame, expr: pl.Expr) -> None:
    _check_condition(frame, expr)


@settings(max_examples=300, deadline=None)
@given(literal_frames(), _strs())
def test_compiled_strings_give_what_polars_gives(frame: pl.DataFrame, expr: pl.Expr) -> None:
    """String nodes on their own (a condition only sees them through a comparison)."""
    plan = json.loads(expr.meta.serialize(format="json"))
    src = expr_rows._Source()
    code, _ = expr_rows._node(plan, expr_rows._Typer(), src)
    fn = src.function("_value", ["cols", "i"], [f"return {code}"], {})
    cols = {c: frame[c].to_list() for c in STRS}
    expected = frame.with_columns(expr.alias("_r"))["_r"].to_list()
    assert [fn(cols, i) for i in range(frame.height)] == expected


# --- the fuzzy name level's row form


@st.composite
def name_pairs(draw: st.DrawFn) -> pl.DataFrame:
    n = draw(st.integers(1, 40))
    pinyin = st.text(alphabet="zhangweilou -", max_size=12)
    names = st.one_of(pinyin, st.sampled_from(ANY_NAME + ORG_NAMES))

    def values(strategy: st.SearchStrategy[object]) -> list[object]:
        return draw(st.lists(st.one_of(st.none(), strategy), min_size=n, max_size=n))

    kinds = st.sampled_from(("person", "org"))
    return pl.DataFrame(
        {
            "party_type_q": values(kinds),
            "py_q": values(pinyin),
            "py_l": values(pinyin),
            "norm_q": values(names),
            "norm_l": values(names),
        },
        schema=dict.fromkeys(("party_type_q", "py_q", "py_l", "norm_q", "norm_l"), pl.String),
    )


@settings(max_examples=200, deadline=None)
@given(name_pairs())
def test_the_fuzzy_name_row_form_is_the_batched_one(pairs: pl.DataFrame) -> None:
    rows = pairs.to_dicts()
    assert [_name_close_row(r) for r in rows] == _name_close(pairs).to_list()


@given(st.floats(-3, 3), st.sampled_from((JW_FUZZY, ORG_FUZZY)))
def test_a_score_reaches_a_threshold_as_the_float32_batch_compares_it(
    step: float, threshold: float
) -> None:
    """Scores within float32 rounding of a threshold: `cpdist`'s float32 array decides."""
    score = threshold + step * float(np.spacing(np.float32(threshold)))  # a float64 score
    assert type(score) is float
    batch = np.array([score], dtype=np.float32) >= threshold
    assert _reaches(score, threshold) == bool(batch[0])


@settings(max_examples=200, deadline=None)
@given(
    literal_frames(),
    st.lists(st.tuples(_bools(), st.integers(-1, 5)), min_size=1, max_size=4),
    st.one_of(st.none(), st.integers(-1, 5)),
)
def test_a_compiled_chain_takes_the_first_true_condition_as_when_then_does(
    frame: pl.DataFrame, levels: list[tuple[pl.Expr, int]], last: int | None
) -> None:
    chain: Any = pl
    for cond, value in levels:
        # `& _t` (always true) gives a literal condition the frame's length: polars does not
        # broadcast a literal first branch against a column-long otherwise
        chain = chain.when(cond & pl.col("_t")).then(pl.lit(value, dtype=pl.Int8))
    catch_all = pl.lit(last, dtype=pl.Int8)
    expected = frame.with_columns(pl.lit(True).alias("_t")).with_columns(
        chain.otherwise(catch_all).alias("_r")
    )["_r"]
    steps: list[tuple[Any, int | None]] = [*levels, (None, last)]
    compiled = compile_chain(steps)
    cols = {c: frame[c].to_list() for c in frame.columns}
    found = pl.Series("_r", compiled.fn(cols, frame.height), dtype=pl.Int8)
    assert_series_equal(found, expected)
