"""The desk's entry rows for its hits: one entry by a slice of the list, the same frame
`index.entries_of` gathers (same row, columns, types), any other case by `entries_of` itself."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from pipelines.screen.desk import _entries_of
from pipelines.screen.index import entries_of

IDS = [f"DL{i:03d}" for i in range(12)]


@st.composite
def cases(draw: st.DrawFn) -> tuple[Any, list[str]]:
    n = draw(st.integers(1, len(IDS)))
    listed = draw(st.permutations(IDS))[:n]
    entries = pl.DataFrame(
        {
            "entry_id": listed,
            "name": draw(
                st.lists(st.one_of(st.none(), st.text(max_size=5)), min_size=n, max_size=n)
            ),
            "amount_due": draw(
                st.lists(st.one_of(st.none(), st.floats(allow_nan=True)), min_size=n, max_size=n)
            ),
            "removed_on": draw(
                st.lists(st.one_of(st.none(), st.dates(date(2020, 1, 1))), min_size=n, max_size=n)
            ),
            "version": draw(st.lists(st.integers(0, 9), min_size=n, max_size=n)),
        },
        schema_overrides={"version": pl.Int32, "name": pl.String, "removed_on": pl.Date},
    )
    if draw(st.booleans()):  # a list read in pieces: several chunks
        entries = pl.concat([entries.head(n // 2), entries.tail(n - n // 2)], rechunk=False)
    index = SimpleNamespace(
        entries=entries, entry_rows={e: i for i, e in enumerate(entries["entry_id"].to_list())}
    )
    wanted = draw(st.lists(st.sampled_from([*IDS, "gone"]), max_size=4))
    if wanted and draw(st.booleans()):
        wanted = [wanted[0]] * len(wanted)  # one entry hit by several parties
    return index, wanted


@settings(max_examples=300, deadline=None)
@given(cases())
def test_one_entry_sliced_as_entries_of_gathers_it(case: tuple[Any, list[str]]) -> None:
    index, wanted = case
    assert_frame_equal(_entries_of(index, wanted), entries_of(index, wanted))
