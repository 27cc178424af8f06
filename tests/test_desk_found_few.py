"""Property tests: the desk's key look-up (`_found`) gives the key matches of the night's join.

The desk makes one record's keys in Python, hashes their texts and binary-searches the index's
sorted list keys, building no frame of the keys. Over generated records (the hard parties of
`tests/test_block_keys_few.py`) and list sides holding some of the record's keys (repeated, under
several list parties, with decoys), its frame must equal `candidate_pairs`' columnar join
`query keys x list keys` (same columns, dtypes, rows) and, row for row, the order it had when it
was built from `query_block_keys`: query key by query key, each one's list keys in index order.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import cast

import numpy as np
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from matching import blocking
from matching.config import FEW_ROWS
from pipelines.screen import index as desk_index
from tests.test_block_keys_few import RECORDS, _record, parties

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DECOYS = st.integers(0, 2**64 - 1)


def _listed(data: st.DataObject, keys: pl.Series) -> pl.DataFrame:
    """List keys `li, key, need` sorted by key: some of the query's, repeated, and decoys."""
    mine = data.draw(st.lists(st.sampled_from(keys.to_list()), max_size=30)) if len(keys) else []
    drawn = mine + data.draw(st.lists(DECOYS, max_size=10))
    n = len(drawn)
    return pl.DataFrame(
        [
            pl.Series("li", data.draw(_many(st.integers(0, 50), n)), dtype=pl.UInt32),
            pl.Series("key", drawn, dtype=pl.UInt64),
            pl.Series("need", data.draw(_many(st.booleans(), n)), dtype=pl.Boolean),
        ]
    ).sort("key")


def _many(values: st.SearchStrategy[object], n: int) -> st.SearchStrategy[list[object]]:
    return st.lists(values, min_size=n, max_size=n)


def _index(listed: pl.DataFrame) -> desk_index.ListIndex:
    """Only the sorted key arrays `_found` reads, as `build_index` makes them."""
    arrays = {
        "keys": listed["key"].to_numpy(),
        "key_li": listed["li"].to_numpy(),
        "key_need": listed["need"].to_numpy(),
    }
    return cast(desk_index.ListIndex, SimpleNamespace(**arrays))


def _same_matches(qf: pl.DataFrame, data: st.DataObject) -> pl.DataFrame:
    rules = blocking.BlockingRules()
    columnar = blocking._query_keys_columnar(qf, rules)
    listed = _listed(data, columnar["key"])
    got = desk_index._found(_index(listed), qf)
    right = listed.select("key", "li", pl.col("need").alias("need_l"))
    joined = (  # the night's join, as `candidate_pairs` makes it
        columnar.rename({"need": "need_q"})
        .join(right, on="key")
        .select("qi", "li", "rule", "need_q", "need_l")
    )
    assert_frame_equal(got.sort(pl.all()), joined.sort(pl.all()))
    ordered = (  # query key by query key, each one's list keys in index order
        blocking.query_block_keys(qf, rules)
        .rename({"need": "need_q"})
        .join(right, on="key", maintain_order="left_right")
        .select("qi", "li", "rule", "need_q", "need_l")
    )
    assert_frame_equal(got, ordered)
    return got


@PROPERTY
@given(RECORDS, st.data())
def test_found_equals_the_columnar_join(qf: pl.DataFrame, data: st.DataObject) -> None:
    _same_matches(qf, data)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(parties(), min_size=FEW_ROWS + 1, max_size=FEW_ROWS + 4).map(_record), st.data())
def test_found_of_a_batch_equals_the_columnar_join(qf: pl.DataFrame, data: st.DataObject) -> None:
    """More than `FEW_ROWS` parties (a batch of records) take the columnar keys."""
    _same_matches(qf, data)


def test_found_reaches_matches_and_no_match() -> None:
    """The property is not vacuous: a record meets list keys, and one meeting none gets the
    frame of no match with the same schema."""
    qf = _record([{"name": "张伟", "birth_date": date(1985, 3, 12)}])
    keys = blocking._query_keys_columnar(qf, blocking.BlockingRules())["key"]
    listed = pl.DataFrame(
        {"li": [7, 3], "key": [keys[0], keys[0]], "need": [True, False]},
        schema={"li": pl.UInt32, "key": pl.UInt64, "need": pl.Boolean},
    )
    met = desk_index._found(_index(listed), qf)
    assert met.select("li", "need_l").rows() == [(7, True), (3, False)]
    none = desk_index._found(_index(listed.head(0)), qf)
    assert none.is_empty() and none.schema == met.schema
    assert np.array_equal(_index(listed).keys, listed["key"].to_numpy())
