"""Property tests: scoring and deciding a few pairs gives exactly what the columnar path gives.

The screening desk scores one record's handful of pairs; for such frames some steps take a
few-row path (counts looked up in Python, rapidfuzz without its thread pool, ID matrices joined in
Python, no decide work when no pair is kept) and the comparisons' conditions are evaluated all in
one select instead of one per comparison. The night's decisions must not depend on that, so the
few-row results are compared with the columnar ones (the dispatch bypassed) over whole families of
hard parties: traditional / simplified / homophone / look-alike Han names, compound surnames,
romanised names with accents, spaces and hyphens, organisations and their branches, full,
masked, bad-checksum, legacy 15-digit, full-width and re-coded resident IDs, USCCs and
organisation codes, blanks and nulls, published ages and age dates; each family goes through the
real features, blocking and confirmed-pair flags.
"""

from __future__ import annotations

import contextlib
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import numpy as np
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import matching.calibrate as calibrate
import matching.comparison_level as comparison_level
import matching.comparison_library as comparison_library
import matching.id_positions as id_positions
import matching.pair_frame as pair_frame_module
import matching.pairs as pairs_module
import matching.scoring as scoring
import pipelines.screen.index as screen_index
from matching.blocking import candidate_pairs
from matching.comparison_level import _codes, _first_level
from matching.comparison_library import DECLARED
from matching.comparisons import compare
from matching.link import _decide_hits_columnar, can_hit, decide_hits, prepare
from matching.model import load_default
from matching.pair_frame import pair_frame
from matching.pairs import score_in_chunks, with_confirmed
from matching.scoring import NameFrequencies, name_frequencies
from tests.few_paths import bypassed
from tests.matching_helpers import AS_OF, THRESHOLDS, listed, query, rid

REGIONS = ("110105", "330203", "440305", "510104", "320102", "370212")
PERSON_NAMES = (
    ("张伟", "張偉", "章伟", "张玮", "Zhang Wei", "ZHANG  WEI", "Zhāng Wěi", "zhang-wei", "张 伟"),
    ("欧阳娜娜", "歐陽娜娜", "Ouyang Nana", "OU-YANG Na Na", "欧阳那那", "欧阳娜"),
    ("李娜", "李 娜", "Li Na", "LI NA", "李那", "李娜娜"),
    ("王小明", "王晓明", "王曉明", "Wang Xiaoming", "王小鸣"),
)
ANY_NAME = tuple(n for family in PERSON_NAMES for n in family)
ORG_NAMES = (
    "北京某某科技有限公司",
    "某某科技（北京）有限公司",
    "某某科技(北京)有限责任公司",
    "北京市某某科技有限公司",
    "北京某某科技有限公司上海分公司",
    "北京某某科技有限公司（分公司）",
    "上海另一家贸易有限公司",
)
ORG_IDS = ("91350100M000100Y43", "M000100Y-4", "M000100Y4", "91310000MA1FL0ABCD", None)
GENDERS = (None, "M", "F", "男", "女", " ")
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def _id_variants(number: str, other: str) -> tuple[str | None, ...]:
    bad = number[:17] + ("0" if number[17] != "0" else "1")
    swapped = number[:8] + number[9] + number[8] + number[10:]
    recoded = REGIONS[(REGIONS.index(number[:6]) + 1) % len(REGIONS)] + number[6:]
    return (
        number,
        number,
        number[:6] + "********" + number[14:],
        number[:10] + "****" + number[14:],
        number[:14] + "****",
        number[:4] + "**********" + number[14:],
        bad,
        swapped,
        number[:6] + number[8:17],  # legacy 15-digit form
        number.translate(FULL_WIDTH),
        f" {number.lower()} ",
        rid(recoded[:17]),
        other,
        "",
        None,
    )


@st.composite
def families(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One or two query parties and up to six list parties, variants of one identity."""
    born = date(1940, 1, 1) + timedelta(days=draw(st.integers(0, 365 * 60)))
    region = draw(st.sampled_from(REGIONS))
    number = rid(f"{region}{born:%Y%m%d}{draw(st.integers(0, 999)):03d}")
    other = rid(f"{draw(st.sampled_from(REGIONS))}19800101{draw(st.integers(0, 999)):03d}")
    names = draw(st.sampled_from(PERSON_NAMES))
    ids = _id_variants(number, other)

    def party(side: str) -> dict[str, Any]:
        if draw(st.integers(0, 5)) == 0:
            return {
                "party_type": "org",
                "name": draw(st.sampled_from(ORG_NAMES)),
                "id_number": draw(st.sampled_from(ORG_IDS)),
            }
        kind = draw(st.integers(0, 9))  # mostly the identity's own names, sometimes another's
        pool = names if kind < 7 else ANY_NAME if kind < 9 else ("  ", None)
        row: dict[str, Any] = {
            "party_type": "person",
            "name": draw(st.sampled_from(pool)),
            "id_number": draw(st.sampled_from(ids)),
            "gender": draw(st.sampled_from(GENDERS)),
        }
        if side == "query":
            shift = draw(st.sampled_from((0, 0, 1, -400, None)))
            row["birth_date"] = None if shift is None else born + timedelta(days=shift)
        else:
            on = draw(st.sampled_from((None, date(2024, 3, 1), date(2025, 1, 15), AS_OF)))
            age = (on or AS_OF).year - born.year - draw(st.sampled_from((0, 1, 2)))
            row["age"] = draw(st.sampled_from((age, age, None, age + 7)))
            row["age_on"] = on
        return row

    q = [party("query") for _ in range(draw(st.integers(1, 2)))]
    lst = [party("list") for _ in range(draw(st.integers(1, 6)))]
    return query(*q), listed(*lst)


def columnar() -> contextlib.AbstractContextManager[None]:
    """Every few-row dispatch bypassed: the steps run their columnar code on any frame."""
    return bypassed(
        scoring,
        comparison_level,
        comparison_library,
        id_positions,
        screen_index,
        pairs_module,
        pair_frame_module,
        calibrate,
    )


def _pairs(qf: pl.DataFrame, lf: pl.DataFrame, forced: list[bool]) -> pl.DataFrame:
    """Blocking's pairs, plus some of every query x list pair as analyst-confirmed."""
    found, _ = candidate_pairs(qf, lf, AS_OF)
    every = pl.DataFrame(
        {
            "qi": np.repeat(np.arange(qf.height), lf.height),
            "li": np.tile(np.arange(lf.height), qf.height),
        },
        schema={"qi": pl.UInt32, "li": pl.UInt32},
    )
    confirmed = every.filter(pl.Series(forced[: every.height]))  # at most 2 x 6 pairs
    return with_confirmed(found, confirmed)


MODEL = load_default()
FLOOR = THRESHOLDS.review
FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(families(), st.lists(st.booleans(), min_size=12, max_size=12))
def test_a_few_pairs_score_and_decide_as_the_columnar_path(family, forced) -> None:
    qf, lf = prepare(*family, AS_OF)
    pairs = _pairs(qf, lf, forced)
    freqs = name_frequencies(lf, MODEL)
    for keep in (pl.lit(True), can_hit(FLOOR)):
        few, few_scores = score_in_chunks(qf, lf, pairs, MODEL, AS_OF, freqs, keep)
        with columnar():
            col, col_scores = score_in_chunks(qf, lf, pairs, MODEL, AS_OF, freqs, keep)
        assert_frame_equal(few, col)
        np.testing.assert_array_equal(few_scores, col_scores)
    hits, cut = decide_hits(few, THRESHOLDS, None)
    col_hits, col_cut = _decide_hits_columnar(col, THRESHOLDS, None)
    assert_frame_equal(hits, col_hits)
    assert cut == col_cut
    empty, empty_cut = decide_hits(few.clear(), THRESHOLDS, 5)
    col_empty, col_empty_cut = _decide_hits_columnar(col.clear(), THRESHOLDS, 5)
    assert_frame_equal(empty, col_empty)
    assert empty_cut == col_empty_cut


@FAST
@given(families())
def test_all_comparisons_at_once_give_each_comparison_s_own_levels(family) -> None:
    """`compare` evaluates every comparison in one select; each alone gives the same codes."""
    qf, lf = prepare(*family, AS_OF)
    every = pl.DataFrame(
        {
            "qi": np.repeat(np.arange(qf.height), lf.height),
            "li": np.tile(np.arange(lf.height), qf.height),
        },
        schema={"qi": pl.UInt32, "li": pl.UInt32},
    )
    pf = pair_frame(qf, lf, every)
    together = compare(pf, AS_OF, DECLARED)
    for spec in DECLARED:
        frame = pf if spec.derive is None else pf.hstack(spec.derive(pf, AS_OF))
        found = _first_level(spec.levels, _codes(spec), frame)
        alone = pl.select(pl.when(found >= 0).then(found)).to_series().rename(f"g_{spec.name}")
        assert_frame_equal(together.select(alone.name), alone.to_frame())
    with columnar():
        assert_frame_equal(compare(pf, AS_OF, DECLARED), together)


@FAST
@given(families())
def test_the_desk_s_name_counts_of_a_few_pairs_are_the_columnar_ones(family) -> None:
    qf, lf = prepare(*family, AS_OF)
    freqs = name_frequencies(lf, MODEL)
    tf_rows = (
        lf.select(pl.col("norm").alias("norm_l"), pl.col("py").alias("py_l"))
        .join(freqs.norm, on="norm_l", how="left", maintain_order="left")
        .join(freqs.py, on="py_l", how="left", maintain_order="left")
    )
    index: Any = SimpleNamespace(tf_rows=tf_rows, freqs=freqs)
    pairs, _ = candidate_pairs(qf, lf, AS_OF)
    assert_counts_are_columnar(index, pairs)


def assert_counts_are_columnar(index: Any, pairs: pl.DataFrame) -> NameFrequencies:
    """The desk's name counts of `pairs` equal the columnar path's (order aside); returns them."""
    few = screen_index._frequencies(index, pairs)
    with columnar():
        col = screen_index._frequencies(index, pairs)
    assert few.persons == col.persons
    for a, b, key in ((few.norm, col.norm, "norm_l"), (few.py, col.py, "py_l")):
        assert_frame_equal(a.sort(key, nulls_last=True), b.sort(key, nulls_last=True))
    return few
