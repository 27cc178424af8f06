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


@settings(max_examples=300, deadline=None)
@given(
    keys=st.lists(st.one_of(KEYS, st.none()), min_size=1, max_size=FEW_ROWS),
    decisions=st.lists(
        st.sampled_from(["match", "review", "clear", None]), min_size=FEW_ROWS, max_size=FEW_ROWS
    ),
    suppressed=st.frozensets(KEYS, max_size=6),
    confirmed=st.frozensets(KEYS, max_size=6),
    as_list=st.booleans(),
)
def test_few_judged_hits_decided_in_python_are_the_columnar_frame(
    keys: list[str | None],
    decisions: list[str | None],
    suppressed: frozenset,
    confirmed: frozenset,
    as_list: bool,
) -> None:
    """Keyless hits, null decisions, a pair both rejected and confirmed, the hit columns around
    the two read: the row path of judged hits (and of none) gives the columnar frame."""
    n = len(keys)
    hits = pl.DataFrame(
        {
            "record_id": [f"R{i % 2}" for i in range(n)],
            "match_decision": decisions[:n],
            "match_score": [i / 10 for i in range(n)],
            "pair_key": keys,
            "explanation_zh": [None] * n,
        },
        schema_overrides={"match_decision": pl.String, "pair_key": pl.String},
    )
    before = hits.clone()
    s, c = (sorted(suppressed), sorted(confirmed)) if as_list else (suppressed, confirmed)
    got = apply_decisions(hits, s, c)
    assert_frame_equal(got, _columnar_decisions(hits, s, c))
    assert_frame_equal(hits, before)  # the caller's frame is not changed
