"""Analyst decisions on a handful of hits (the desk) equal the columnar step's answer."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from matching.config import FEW_ROWS
from pipelines.sweep.screening import _columnar_decisions, apply_decisions

KEYS = st.sampled_from([f"{d}:E{e}" for d in ("a1", "b2", "c3") for e in range(4)])


@settings(max_examples=200, deadline=None)
@given(
    keys=st.lists(KEYS, min_size=1, max_size=FEW_ROWS),
    decisions=st.lists(st.sampled_from(["match", "review"]), min_size=FEW_ROWS, max_size=FEW_ROWS),
    suppressed=st.frozensets(KEYS, max_size=4),
    confirmed=st.frozensets(KEYS, max_size=4),
)
def test_few_hits_get_the_columnar_decisions(
    keys: list[str], decisions: list[str], suppressed: frozenset, confirmed: frozenset
) -> None:
    hits = pl.DataFrame(
        {
            "pair_key": keys,
            "match_decision": decisions[: len(keys)],
            "match_score": [i / 10 for i in range(len(keys))],
        }
    )
    got = apply_decisions(hits, suppressed, confirmed)
    assert_frame_equal(got, _columnar_decisions(hits, suppressed, confirmed))
    assert set(got["pair_key"]).isdisjoint(suppressed)
    promoted = got.filter(pl.col("pair_key").is_in(list(confirmed)))
    assert set(promoted["match_decision"]) <= {"match"}
