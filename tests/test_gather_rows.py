"""Property tests: the desk's gathers column by column give exactly the frame gathers' frames.

A DataFrame gather waits on polars' thread pool, so the desk's few rows are gathered one Series
at a time (`matching.frames.gather_rows`, the few-pair paths of `pair_frame` and of the desk's
name counts, the entries of a request's hits). Each is compared with the frame gather it
replaces: over generated frames of many dtypes, nulls and chunks, and over whole families of hard
parties (the generators of `tests/test_scoring_few.py`) with any pairs of them, repeats included.
"""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from matching.config import FEW_PAIRS
from matching.frames import gather_rows
from matching.link import prepare
from matching.pair_frame import pair_frame
from matching.scoring import name_frequencies
from pipelines.screen.index import entries_of
from tests.matching_helpers import AS_OF
from tests.test_score_rows import _tf_rows, columnar
from tests.test_scoring_few import MODEL, assert_counts_are_columnar, families

FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_VALUES: dict[str, tuple[pl.DataType | type[pl.DataType], st.SearchStrategy[Any]]] = {
    "i": (pl.Int64, st.integers(-(2**63), 2**63 - 1)),
    "u": (pl.UInt32, st.integers(0, 2**32 - 1)),
    "f": (pl.Float64, st.floats(allow_nan=True, allow_infinity=True)),
    "s": (pl.String, st.text(max_size=6)),
    "b": (pl.Boolean, st.booleans()),
    "d": (pl.Date, st.dates(date(1900, 1, 1), date(2100, 1, 1))),
    "t": (pl.Datetime("us"), st.datetimes(datetime(1970, 1, 1), datetime(2100, 1, 1))),
    "l": (pl.List(pl.String), st.lists(st.one_of(st.none(), st.text(max_size=3)), max_size=3)),
    "c": (pl.Categorical, st.sampled_from(["甲", "乙", "丙"])),
    "n": (pl.Null, st.none()),
    "r": (
        pl.Struct({"a": pl.Int64, "b": pl.String}),
        st.fixed_dictionaries(
            {"a": st.one_of(st.none(), st.integers(-9, 9)), "b": st.one_of(st.none(), st.text())}
        ),
    ),
}


@st.composite
def frames(draw: st.DrawFn) -> pl.DataFrame:
    """A frame of a few columns of any of `_VALUES`' dtypes (nulls anywhere), in 1-3 chunks."""
    height = draw(st.integers(0, 12))
    kinds = draw(st.lists(st.sampled_from(sorted(_VALUES)), min_size=1, max_size=6))
    columns = []
    for k, kind in enumerate(kinds):
        dtype, values = _VALUES[kind]
        cells = draw(st.lists(st.one_of(st.none(), values), min_size=height, max_size=height))
        columns.append(pl.Series(f"{kind}{k}", cells, dtype=dtype))
    frame = pl.DataFrame(columns)
    cuts = sorted(draw(st.lists(st.integers(0, height), max_size=2)))
    if cuts:  # a frame read or grown in pieces
        bounds = [0, *cuts, height]
        frame = pl.concat(
            [frame.slice(a, b - a) for a, b in zip(bounds, bounds[1:], strict=False)],
            rechunk=False,
        )
    return frame


@st.composite
def positions(draw: st.DrawFn, height: int) -> list[int | None]:
    rows = st.integers(0, height - 1) if height else st.nothing()
    return draw(st.lists(st.one_of(rows, st.none()) if height else st.none(), max_size=FEW_PAIRS))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_gather_rows_is_the_frame_s_gather(data: st.DataObject) -> None:
    frame = data.draw(frames())
    idx = data.draw(positions(frame.height))
    series = pl.Series(idx, dtype=pl.UInt32)
    assert_frame_equal(gather_rows(frame, series), frame[series])
    plain = [i for i in idx if i is not None]  # positions as ints, as the desk's entries come
    assert_frame_equal(gather_rows(frame, plain), frame[pl.Series(plain, dtype=pl.UInt32)])


def _any_pairs(qf: pl.DataFrame, lf: pl.DataFrame, picks: list[tuple[int, int]]) -> pl.DataFrame:
    """`qi, li` pairs of any parties (repeats and any order): more than blocking ever gives."""
    qi = [q % qf.height for q, _ in picks]
    li = [m % lf.height for _, m in picks]
    return pl.DataFrame({"qi": qi, "li": li}, schema={"qi": pl.UInt32, "li": pl.UInt32})


pair_picks = st.lists(st.tuples(st.integers(0, 99), st.integers(0, 99)), max_size=FEW_PAIRS)


@FAST
@given(st.lists(families(), min_size=1, max_size=4), pair_picks, st.booleans())
def test_a_few_pairs_gather_the_columnar_pair_frame(family_list, picks, pieces) -> None:
    qf, lf = prepare(
        pl.concat([q for q, _ in family_list]), pl.concat([m for _, m in family_list]), AS_OF
    )
    if pieces:  # a list side in several chunks
        half = lf.height // 2
        lf = pl.concat([lf.head(half), lf.tail(lf.height - half)], rechunk=False)
    for query in (qf, qf.head(1)):  # the desk's one party, and several
        pairs = _any_pairs(query, lf, picks)
        few = pair_frame(query, lf, pairs)
        with columnar():
            assert_frame_equal(few, pair_frame(query, lf, pairs))


@FAST
@given(st.lists(families(), min_size=1, max_size=4), pair_picks)
def test_the_desk_s_counts_of_any_few_pairs_are_the_columnar_ones(family_list, picks) -> None:
    qf, lf = prepare(
        pl.concat([q for q, _ in family_list]), pl.concat([m for _, m in family_list]), AS_OF
    )
    freqs = name_frequencies(lf, MODEL)
    index: Any = SimpleNamespace(tf_rows=_tf_rows(lf, freqs), freqs=freqs)
    assert_counts_are_columnar(index, _any_pairs(qf, lf, picks))


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_the_entries_of_a_request_are_the_frame_s_gather(data: st.DataObject) -> None:
    entries = data.draw(frames()).with_row_index("entry_id").cast({"entry_id": pl.String})
    ids = entries["entry_id"].to_list()
    wanted = data.draw(st.lists(st.sampled_from([*ids, "gone"]), max_size=6))
    index: Any = SimpleNamespace(entries=entries, entry_rows={e: i for i, e in enumerate(ids)})
    rows = sorted({index.entry_rows[e] for e in wanted if e in index.entry_rows})
    got = entries_of(index, wanted)
    assert_frame_equal(got, entries[rows])  # the frame's gather, as the desk did it
    assert got["entry_id"].to_list() == sorted(set(wanted) - {"gone"}, key=ids.index)
