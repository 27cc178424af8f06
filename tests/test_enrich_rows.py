"""The desk's few hits get the entry facts, record context and screened names the columnar
joins give them: same rows, order, columns and types."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from matching.config import FEW_ROWS
from pipelines.sweep.screening import _entry_facts, _joined_hits, enrich_hits

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
IDS = st.one_of(st.none(), st.sampled_from(["r1", "r2", "r3"]))
ENTRY = st.one_of(st.none(), st.sampled_from(["e1", "e2", "e3"]))
ROLE = st.one_of(st.none(), st.sampled_from(["guest", "guardian", "legal_rep"]))


def _column(draw: st.DrawFn, n: int, values: st.SearchStrategy) -> list:
    return draw(st.lists(values, min_size=n, max_size=n))


@st.composite
def cases(draw: st.DrawFn) -> tuple[pl.DataFrame, ...]:
    n = draw(st.integers(0, FEW_ROWS))
    ruled = pl.DataFrame(
        {
            "record_id": _column(draw, n, IDS),
            "query_role": _column(draw, n, ROLE),
            "entry_id": _column(draw, n, ENTRY),
            "match_score": _column(draw, n, st.floats(0, 1)),
        },
        schema={
            "record_id": pl.String,
            "query_role": pl.String,
            "entry_id": pl.String,
            "match_score": pl.Float64,
        },
    )
    m = draw(st.integers(0, FEW_ROWS))
    entries = pl.DataFrame(
        {
            "entry_id": _column(draw, m, ENTRY),
            "list_type": _column(draw, m, st.sampled_from(["dishonest", None])),
            "status": _column(draw, m, st.sampled_from(["active", "removed"])),
            "name": _column(draw, m, st.text(max_size=3)),
            "id_number": _column(draw, m, st.one_of(st.none(), st.text(max_size=4))),
            "court": _column(draw, m, st.sampled_from(["京01", "沪02"])),
            "removed_on": _column(draw, m, st.one_of(st.none(), st.dates(date(2020, 1, 1)))),
        },
        schema={
            "entry_id": pl.String,
            "list_type": pl.String,
            "status": pl.String,
            "name": pl.String,
            "id_number": pl.String,
            "court": pl.String,
            "removed_on": pl.Date,
        },
    )
    k = draw(st.integers(0, FEW_ROWS))
    # the desk's records carry times of day (Datetime), the night's files dates
    stamp = draw(st.sampled_from([pl.Date, pl.Datetime("us")]))
    records = pl.DataFrame(
        {
            "record_id": _column(draw, k, IDS),
            "hotel_star": _column(draw, k, st.one_of(st.none(), st.integers(0, 5))),
            "check_in": _column(draw, k, st.one_of(st.none(), st.dates(date(2026, 1, 1)))),
            "room_rate": _column(draw, k, st.one_of(st.none(), st.floats(0, 5000))),
        },
        schema={
            "record_id": pl.String,
            "hotel_star": pl.Int64,
            "check_in": pl.Date,
            "room_rate": pl.Float64,
        },
    ).with_columns(pl.col("check_in").cast(stamp))
    if draw(st.integers(0, 6)) == 0:  # a column both sides have: the joins suffix it
        ruled = ruled.with_columns(pl.lit("x").alias(draw(st.sampled_from(["court", "room_rate"]))))
    if draw(st.integers(0, 6)) == 0:  # a key of another type: polars casts or refuses
        ruled = ruled.with_columns(pl.col("entry_id").cast(pl.Categorical))
    q = draw(st.integers(0, FEW_ROWS))
    query = pl.DataFrame(
        {
            "record_id": _column(draw, q, IDS),
            "role": _column(draw, q, ROLE),
            "name": _column(draw, q, st.text(max_size=3)),
            "id_number": _column(draw, q, st.one_of(st.none(), st.text(max_size=4))),
        },
        schema={
            "record_id": pl.String,
            "role": pl.String,
            "name": pl.String,
            "id_number": pl.String,
        },
    )
    return ruled, records, entries, query


@PROPERTY
@given(cases())
def test_few_hits_enriched_as_the_joins_do(case: tuple[pl.DataFrame, ...]) -> None:
    ruled, records, entries, query = case
    names = query.select(
        "record_id",
        pl.col("role").alias("query_role"),
        pl.col("name").alias("query_name"),
        pl.col("id_number").alias("query_id_number"),
    )
    context = records.select("record_id", "hotel_star", "room_rate", "check_in")
    try:
        want = _joined_hits(ruled, _entry_facts(entries), context, names, "hotel_booking")
    except pl.exceptions.PolarsError as e:
        with pytest.raises(type(e)):
            enrich_hits(ruled, records, entries, query, "hotel_booking")
        return
    got = enrich_hits(ruled, records, entries, query, "hotel_booking")
    assert_frame_equal(got, want)
