"""Property tests: the desk's scoring of a few pairs held in Python lists from comparison to kept
pairs (`matching.pairs._score_few`) gives exactly the frames and scores of the columnar path.

Between the levels, the scores, the calibrated probabilities and the kept pairs no frame is built
on that path, and an empty answer is assembled from the scored layout; so the whole of
`score_in_chunks` is compared with every few-row dispatch bypassed (`test_scoring_few.columnar`),
over stacked families of hard parties, name counts of every kind (some only `score`'s join
answers), predicates with and without a row form, and pair frames whose names clash.
"""

from __future__ import annotations

from unittest import mock

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import matching.pairs as pairs_module
from matching.comparison_library import DECLARED
from matching.config import FEW_PAIRS
from matching.link import can_hit, decide_hits
from matching.pairs import score_in_chunks
from tests.matching_helpers import AS_OF, THRESHOLDS, listed, query
from tests.test_score_rows import (
    FAST,
    _frequencies,
    _pairs,
    _stacked,
    forced_flags,
    pair_draws,
    stacks,
)
from tests.test_scoring_few import columnar

KEEPS = {
    "all": pl.lit(True),
    "none": pl.lit(False),
    "review": can_hit(THRESHOLDS.review),
    "zero": can_hit(0.0),
    "match": can_hit(THRESHOLDS.match),
    "strong": pl.col("match_score") >= 0.5,
    "rounded": pl.col("match_score").round(1) >= 0.5,  # no row form: polars filters
}


def _both(*args: object) -> tuple[tuple[pl.DataFrame, np.ndarray], tuple[pl.DataFrame, np.ndarray]]:
    rows = score_in_chunks(*args)  # type: ignore[arg-type]
    with columnar():
        col = score_in_chunks(*args)  # type: ignore[arg-type]
    return rows, col


@FAST
@given(
    *pair_draws,
    st.sampled_from(sorted(KEEPS)),
)
def test_a_few_pairs_scored_in_lists_give_the_columnar_frames_and_scores(
    parts, forced, limit, how, shares, keep
) -> None:
    qf, lf = _stacked(parts)
    pairs = _pairs(qf, lf, forced, limit)
    model, freqs = _frequencies(how, lf, pairs, shares)
    with mock.patch.object(pairs_module, "compare", wraps=pairs_module.compare) as compare:
        (rows, rows_scores), (col, col_scores) = _both(
            qf, lf, pairs, model, AS_OF, freqs, KEEPS[keep]
        )
    assert_frame_equal(rows, col, check_exact=True)
    assert rows_scores.dtype == col_scores.dtype == np.float64
    np.testing.assert_array_equal(rows_scores, col_scores)
    assert rows_scores.size >= pairs.height  # a name counted twice repeats its pairs
    # the lists path answered (not a fallback) wherever the name counts are looked up in Python
    if pairs.height and how in ("list", "model", "desk", "one"):
        assert compare.call_count == 1  # the columnar run's only
    # and the hits decided from the kept pairs are the same
    rows_hits, _ = decide_hits(rows, THRESHOLDS, None)
    with columnar():
        col_hits, _ = decide_hits(col, THRESHOLDS, None)
    assert_frame_equal(rows_hits, col_hits, check_exact=True)


@pytest.mark.parametrize("taken", ["veto", "g_name", "w_tf", "match_score"])
def test_a_pair_frame_holding_an_added_name_raises_as_the_columnar_path(taken) -> None:
    """A name `compare` or `score` adds, already in the pair frame: both paths raise alike."""
    person = {"name": "张伟", "id_number": "110101199001011234"}
    qf, lf = _stacked([(query(person), listed(person))])
    pairs = _pairs(qf, lf, [False], FEW_PAIRS)
    assert 0 < pairs.height <= FEW_PAIRS
    model, freqs = _frequencies("list", lf, pairs, [1e-4])
    pair_frame = pairs_module.pair_frame

    def clashing(*args: object) -> pl.DataFrame:
        return pair_frame(*args).with_columns(pl.lit(1.0).alias(taken))  # type: ignore[arg-type]

    raised: list[type] = []
    with mock.patch.object(pairs_module, "pair_frame", clashing):
        for bypass in (False, True):
            with pytest.raises(pl.exceptions.PolarsError) as error:
                if bypass:
                    with columnar():
                        score_in_chunks(qf, lf, pairs, model, AS_OF, freqs, KEEPS["all"])
                else:
                    score_in_chunks(qf, lf, pairs, model, AS_OF, freqs, KEEPS["all"])
            raised.append(type(error.value))
    assert raised[0] is raised[1]


@FAST
@given(stacks, forced_flags, st.integers(0, FEW_PAIRS))
def test_the_derived_columns_as_lists_are_the_columnar_frames(parts, forced, limit) -> None:
    """Each declared `derive_rows` gives `derive`'s columnar frame: names, dtypes, values."""
    qf, lf = _stacked(parts)
    frame = pairs_module.pair_frame(qf, lf, _pairs(qf, lf, forced, limit))
    derived = [spec for spec in DECLARED if spec.derive is not None]
    assert derived and all(spec.derive_rows is not None for spec in derived)
    for spec in derived:
        assert spec.derive is not None and spec.derive_rows is not None
        cols = {c: frame.get_column(c).to_list() for c in frame.columns}
        rows = pl.DataFrame(
            [pl.Series(n, v, dtype=d) for n, v, d in spec.derive_rows(cols, frame.height, AS_OF)]
        )
        with columnar():
            col = spec.derive(frame, AS_OF)
        assert_frame_equal(rows, col, check_exact=True)


@pytest.mark.parametrize("read", ["_age_ok", "_id_vis", "no_such_column"])
def test_a_predicate_reading_a_column_the_scored_pairs_lack_raises_as_the_columnar_path(
    read,
) -> None:
    """The levels' derived columns are not scored columns: `can_hit` cannot read them."""
    person = {"name": "张伟", "id_number": "110101199001011234"}
    qf, lf = _stacked([(query(person), listed(person))])
    pairs = _pairs(qf, lf, [False], FEW_PAIRS)
    model, freqs = _frequencies("list", lf, pairs, [1e-4])
    keep = pl.col(read).is_not_null()
    raised: list[type] = []
    for bypass in (False, True):
        with pytest.raises(pl.exceptions.ColumnNotFoundError) as error:
            if bypass:
                with columnar():
                    score_in_chunks(qf, lf, pairs, model, AS_OF, freqs, keep)
            else:
                score_in_chunks(qf, lf, pairs, model, AS_OF, freqs, keep)
        raised.append(type(error.value))
    assert raised[0] is raised[1]
