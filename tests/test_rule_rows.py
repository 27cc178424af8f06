"""The sanction rule on a handful of hits (the desk) equals the columnar rule, hit for hit."""

from __future__ import annotations

from datetime import date

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from matching.config import FEW_ROWS
from pipelines.sanctions.config import Condition, SanctionRule
from pipelines.sanctions.rule_rows import takes
from pipelines.sanctions.rules import _columnar_rule, apply_rule
from pipelines.settings import agency_settings, default_settings

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SETTINGS = default_settings()
AGENCIES = sorted(SETTINGS.agencies)
ROLES = ("guest", "guardian", "guardian2", "applicant", "legal_rep", "candidate", None)
RECORDS = ("r1", "r2", "r3")
ENTRIES = ("e1", "e2", "e3", "e4")
NUMBERS = st.one_of(
    st.none(),
    st.integers(-2, 7).map(float),
    st.floats(-1, 60000, allow_nan=False).map(lambda x: round(x, 2)),
    st.sampled_from([19999.0, 20000.0, 20000.5, 1.0, 5.0, 5.5, 0.0]),
)
TEXTS = st.one_of(st.none(), st.sampled_from(["private", "public", "民办", "公办", "", "5", "x"]))
EXTRA_RULE = SanctionRule(
    rule_id="R-test",
    roles=("guest", "applicant"),
    list_types=("consumption_restriction",),
    legal_rep_counts=False,
    conditions=(
        Condition(column="kind", op="in", value=["private", "民办"], reason_zh="民办"),
        Condition(column="fee", op="in", value=[1.0, 5.0], reason_zh="一或五"),
        Condition(column="fee", op="eq", value=5.0, reason_zh="五"),
        Condition(column="absent", op="ge", value=3.0, reason_zh="缺列"),
    ),
    legal_basis_zh="测试依据",
    action_zh="测试措施",
    deadline_working_days=3,
)


@st.composite
def cases(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, SanctionRule]:
    rule = draw(
        st.one_of(
            st.sampled_from(AGENCIES).map(lambda a: agency_settings(SETTINGS, a).rule),
            st.just(EXTRA_RULE),
        )
    )
    n = draw(st.integers(1, FEW_ROWS))
    record_ids = draw(st.lists(st.sampled_from(RECORDS), min_size=n, max_size=n))
    hits = pl.DataFrame(
        {
            "record_id": record_ids,
            "role": draw(st.lists(st.sampled_from(ROLES), min_size=n, max_size=n)),
            "entry_id": draw(st.lists(st.sampled_from(ENTRIES), min_size=n, max_size=n)),
            "list_role": draw(
                st.lists(st.sampled_from(["debtor", "legal_rep", None]), min_size=n, max_size=n)
            ),
            "match_decision": draw(
                st.lists(st.sampled_from(["match", "review"]), min_size=n, max_size=n)
            ),
            # ties on purpose: the order among equal scores is the input's
            "match_score": draw(
                st.lists(st.sampled_from([0.99, 0.9, 0.9, 0.5]), min_size=n, max_size=n)
            ),
            "pair_key": [f"k{i}" for i in range(n)],
        },
        schema_overrides={"role": pl.String, "list_role": pl.String},
    )
    if draw(st.booleans()):
        hits = hits.with_columns(pl.col("role").alias("query_role"))
    columns = {c.column for c in rule.conditions} - {"absent"}
    present = sorted(c for c in columns if draw(st.integers(0, 5)))  # a column may be missing
    rids = sorted(set(record_ids)) + draw(st.lists(st.sampled_from(RECORDS), max_size=2))
    data: dict[str, list] = {"record_id": rids}
    for c in present:
        numeric = any(
            cond.column == c and cond.op in ("between", "ge") for cond in rule.conditions
        ) or (c == "fee")
        strategy = NUMBERS if numeric and draw(st.integers(0, 3)) else TEXTS
        data[c] = draw(st.lists(strategy, min_size=len(rids), max_size=len(rids)))
    records = pl.DataFrame(data, strict=False)
    m = draw(st.integers(0, len(ENTRIES)))
    entry_ids = draw(st.lists(st.sampled_from(ENTRIES), min_size=m, max_size=m))
    entries = pl.DataFrame(
        {
            "entry_id": entry_ids,
            "list_type": draw(
                st.lists(
                    st.sampled_from(["dishonest", "consumption_restriction", None, "其他"]),
                    min_size=m,
                    max_size=m,
                )
            ),
            "status": draw(
                st.lists(st.sampled_from(["active", "removed", None]), min_size=m, max_size=m)
            ),
            "removed_on": draw(
                st.lists(st.one_of(st.none(), st.dates(date(2020, 1, 1))), min_size=m, max_size=m)
            ),
        },
        schema={
            "entry_id": pl.String,
            "list_type": pl.String,
            "status": pl.String,
            "removed_on": pl.Date,
        },
    )
    if draw(st.integers(0, 4)) == 0:
        entries = entries.drop("removed_on")
    return hits, records, entries, rule


@PROPERTY
@given(cases())
def test_few_hits_get_the_columnar_rule(
    case: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, SanctionRule],
) -> None:
    hits, records, entries, rule = case
    assert takes(hits, records)
    agency = next((a for a in AGENCIES if agency_settings(SETTINGS, a).rule == rule), AGENCIES[0])
    settings_of = agency_settings(SETTINGS, agency).model_copy(update={"rule": rule})
    got = apply_rule(hits, records, entries, settings_of)
    assert_frame_equal(got, _columnar_rule(hits, records, entries, rule))


def test_a_hit_whose_record_is_missing_goes_the_columnar_way() -> None:
    hits = pl.DataFrame(
        {
            "record_id": ["gone"],
            "role": ["guest"],
            "entry_id": ["e1"],
            "list_role": ["debtor"],
            "match_decision": ["match"],
            "match_score": [0.99],
        }
    )
    records = pl.DataFrame({"record_id": ["r1"], "hotel_star": [4.0]})
    assert not takes(hits, records)
    rule = agency_settings(SETTINGS, "hotel_booking").rule
    entries = pl.DataFrame({"entry_id": ["e1"], "list_type": ["dishonest"], "status": ["active"]})
    out = apply_rule(hits, records, entries, agency_settings(SETTINGS, "hotel_booking"))
    assert out["intercept"].to_list() == [False]
    assert out["reason"].item().startswith("缺少")
    assert_frame_equal(out, _columnar_rule(hits, records, entries, rule))


@PROPERTY
@given(
    st.lists(
        st.tuples(
            st.sampled_from(AGENCIES),
            st.one_of(st.none(), st.text(max_size=6)),
            st.sampled_from(ROLES),
            st.one_of(st.none(), st.text(max_size=6)),
        ),
        max_size=FEW_ROWS,
    )
)
def test_few_alert_ids_are_the_expression_s(rows: list[tuple]) -> None:
    from pipelines.sanctions.alerts import alert_id_expr, alert_ids

    frame = pl.DataFrame(
        rows,
        schema={
            "agency": pl.String,
            "record_id": pl.String,
            "role": pl.String,
            "entry_id": pl.String,
        },
        orient="row",
    )
    want = frame.select(alert_id_expr().alias("alert_id")).to_series()
    assert_frame_equal(alert_ids(frame).to_frame(), want.to_frame())
