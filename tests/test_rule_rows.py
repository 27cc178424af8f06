"""The sanction rule on a handful of hits (the desk) equals the columnar rule, hit for hit."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
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
    st.sampled_from([19999.0, 20000.0, 20000.5, 1.0, 5.0, 5.5, 0.0, -0.0]),
)
# values the row path hands to the rules module's expressions, or prints the way polars does
HARD_NUMBERS = st.one_of(
    NUMBERS,
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.floats(min_value=-1e-3, max_value=1e-3),
    st.sampled_from([1e-7, 1e-5, 0.1 + 0.2, 1e15, 1e15 - 0.5, 123456789012345.5, 1e16]),
)
INTEGERS = st.one_of(st.none(), st.integers(-10, 10), st.integers(-(2**62), 2**62))
TEXTS = st.one_of(st.none(), st.sampled_from(["private", "public", "民办", "公办", "", "5", "x"]))
HARD_TEXTS = st.one_of(
    TEXTS,
    st.sampled_from(["1e3", "inf", "NaN", " 5", ".5", "5.", "+5", "1_000", "٥", "e", "5.0"]),
    st.text(max_size=4),
)
# the column types a record's clause value may arrive in, each with the values it can hold
COLUMN_KINDS = {
    "float": (pl.Float64, HARD_NUMBERS),
    "float32": (pl.Float32, NUMBERS),
    "int": (pl.Int64, INTEGERS),
    "int32": (pl.Int32, st.one_of(st.none(), st.integers(-(2**31), 2**31 - 1))),
    "bool": (pl.Boolean, st.one_of(st.none(), st.booleans())),
    "text": (pl.String, HARD_TEXTS),
    "number_text": (
        pl.String,
        st.sampled_from(["1e3", "inf", "-inf", "Infinity", "NaN", "20000", "3", "5.5", "١"]),
    ),
    "nulls": (pl.Null, st.none()),
}
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
    data: dict[str, pl.Series] = {"record_id": pl.Series("record_id", rids, dtype=pl.String)}
    for c in present:
        numeric = any(
            cond.column == c and cond.op in ("between", "ge") for cond in rule.conditions
        ) or (c == "fee")
        if draw(st.integers(0, 2)) == 0:  # the kinds of value the desk sees
            dtype, strategy = (pl.Float64, NUMBERS) if numeric else (pl.String, TEXTS)
        else:
            dtype, strategy = COLUMN_KINDS[draw(st.sampled_from(sorted(COLUMN_KINDS)))]
        values = draw(st.lists(strategy, min_size=len(rids), max_size=len(rids)))
        data[c] = pl.Series(c, values, dtype=dtype)
    records = pl.DataFrame(list(data.values()))
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
    elif draw(st.integers(0, 5)) == 0:  # a removal date as text: the facts' cast decides
        entries = entries.with_columns(pl.col("removed_on").cast(pl.String))
    if draw(st.integers(0, 5)) == 0:  # a list type or status column of nulls only
        column = draw(st.sampled_from(["list_type", "status"]))
        entries = entries.with_columns(pl.lit(None).alias(column))
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
    try:
        want = _columnar_rule(hits, records, entries, rule)
    except pl.exceptions.PolarsError as e:  # a value polars cannot show (inf, 1e300): same error
        with pytest.raises(type(e)):
            apply_rule(hits, records, entries, settings_of)
        return
    given_hits = hits.clone()
    assert_frame_equal(apply_rule(hits, records, entries, settings_of), want)
    assert_frame_equal(hits, given_hits)  # the caller's frame is left as it was


def test_plain_clause_values_are_judged_without_expressions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pipelines.sanctions.rule_rows as rows

    def refused(*_: object) -> None:
        raise AssertionError("plain values went to the expressions")

    monkeypatch.setattr(rows, "_clauses_by_expressions", refused)
    rule = agency_settings(SETTINGS, "school_enrollment").rule
    records = pl.DataFrame(
        {
            "record_id": ["r1", "r2", "r3"],
            "school_type": ["private", "private", "public"],
            "annual_fee": [20000.0, 19999.5, 25000.0],
        }
    )
    hits = pl.DataFrame(
        {
            "record_id": ["r1", "r2", "r3"],
            "role": ["guardian"] * 3,
            "entry_id": ["e1"] * 3,
            "list_role": ["debtor"] * 3,
            "match_decision": ["match"] * 3,
            "match_score": [0.99] * 3,
        }
    )
    entries = pl.DataFrame({"entry_id": ["e1"], "list_type": ["dishonest"], "status": ["active"]})
    got = apply_rule(hits, records, entries, agency_settings(SETTINGS, "school_enrollment"))
    assert got["intercept"].to_list() == [True, False, False]
    assert "19999.5" in got["reason"][1] and "公办" in got["reason"][2]
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


CONDITIONS = [
    *(c for a in AGENCIES for c in agency_settings(SETTINGS, a).rule.conditions),
    *EXTRA_RULE.conditions,
    Condition(column="fee", op="in", value=["5", "5.0", "private"], reason_zh="文本集合"),
    Condition(column="fee", op="eq", value=20000.5, reason_zh="等于"),
    Condition(column="fee", op="between", value=[-0.5, 0.001], reason_zh="区间"),
]
EDGES = st.sampled_from([1, 5, 20000, 0.999999, 1.000001, 5.000001, 19999.99, -0.5, 0.001])


@st.composite
def clause_cases(draw: st.DrawFn) -> tuple[pl.DataFrame, list[Condition]]:
    conditions = draw(st.lists(st.sampled_from(CONDITIONS), min_size=1, max_size=3))
    n = draw(st.integers(1, 4))
    data = [pl.Series("record_id", [f"r{i}" for i in range(n)], dtype=pl.String)]
    for column in sorted({c.column for c in conditions} - {"absent"}):
        dtype, strategy = COLUMN_KINDS[draw(st.sampled_from(sorted(COLUMN_KINDS)))]
        if dtype in (pl.Float64, pl.Int64) and draw(st.booleans()):
            strategy = st.one_of(st.none(), EDGES).map(
                lambda v, d=dtype: v if v is None or d == pl.Float64 else int(v)
            )
        values = draw(st.lists(strategy, min_size=n, max_size=n))
        data.append(pl.Series(column, values, dtype=dtype))
    return pl.DataFrame(data), conditions


def _as_frame(clauses: dict[str, list[tuple]], k: int) -> pl.DataFrame:
    ids = sorted(clauses)
    columns: dict[str, list] = {"record_id": ids}
    for i in range(k):
        columns[f"ok{i}"] = [clauses[r][i][0] for r in ids]
        columns[f"why{i}"] = [clauses[r][i][1] if clauses[r][i][0] is False else None for r in ids]
    return pl.DataFrame(columns, schema_overrides={"record_id": pl.String})


@PROPERTY
@given(clause_cases())
def test_record_clauses_judged_in_python_as_the_expressions_judge(
    case: tuple[pl.DataFrame, list[Condition]],
) -> None:
    from pipelines.sanctions.rule_rows import _clauses, _clauses_by_expressions

    records, conditions = case
    wanted = set(records["record_id"].to_list())
    try:
        want = _as_frame(_clauses_by_expressions(records, conditions), len(conditions))
    except pl.exceptions.PolarsError as e:
        with pytest.raises(type(e)):
            _clauses(records, conditions, wanted)
        return
    got = _as_frame(_clauses(records, conditions, wanted), len(conditions))
    assert_frame_equal(got, want)
