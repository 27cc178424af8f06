"""Sanction rules per agency, on literal records: who is intercepted, and the reason in words."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from pipelines.sanctions.config import AgencySettings
from pipelines.sanctions.rules import apply_rule
from pipelines.settings import default_settings


def agency(name: str) -> AgencySettings:
    return default_settings().agencies[name]  # type: ignore[index]


def hit(
    record_id: str = "R1",
    role: str = "guest",
    entry_id: str = "E1",
    *,
    list_role: str = "debtor",
    decision: str = "match",
    score: float = 0.99,
) -> dict[str, object]:
    return {
        "record_id": record_id,
        "role": role,
        "entry_id": entry_id,
        "list_role": list_role,
        "match_score": score,
        "match_decision": decision,
        "pair_key": f"{record_id}|{entry_id}",
        "evidence": "[]",
        "explanation_zh": "身份证号一致",
    }


def entry(
    entry_id: str = "E1",
    *,
    list_type: str = "dishonest",
    status: str = "active",
    removed_on: date | None = None,
) -> dict[str, object]:
    return {
        "entry_id": entry_id,
        "list_type": list_type,
        "status": status,
        "removed_on": removed_on,
    }


def run(
    agency_name: str,
    hits: list[dict[str, object]],
    records: list[dict[str, object]],
    entries: list[dict[str, object]] | None = None,
) -> list[dict[str, object]]:
    out = apply_rule(
        pl.DataFrame(hits),
        pl.DataFrame(records),
        pl.DataFrame(entries or [entry()], schema_overrides={"removed_on": pl.Date}),
        agency(agency_name),
    )
    return out.sort("record_id", "role").to_dicts()


def test_hotel_unrated_is_not_intercepted_and_three_stars_is() -> None:
    rows = run(
        "hotel_booking",
        [hit("R0"), hit("R3")],
        [{"record_id": "R0", "hotel_star": 0}, {"record_id": "R3", "hotel_star": 3}],
    )
    unrated, starred = rows
    assert unrated["intercept"] is False
    assert unrated["reason"] == "不符合「星级酒店（1-5星）」（星级：0），不予拦截"
    assert unrated["legal_basis"] is None and unrated["rule_id"] == "HOTEL-STAR-3-2"
    assert starred["intercept"] is True
    assert starred["reason"] == "确认匹配失信被执行人名单；星级酒店（1-5星）；应予拦截"
    assert "第三条" in starred["legal_basis"] and starred["deadline_working_days"] == 1
    assert starred["action"].startswith("拒绝办理星级酒店入住")


def test_hotel_missing_star_rating_is_not_guessed() -> None:
    (row,) = run("hotel_booking", [hit()], [{"record_id": "R1", "hotel_star": None}])
    assert row["intercept"] is False and row["reason"].startswith("缺少星级")


def test_private_school_fee_threshold_is_inclusive_at_20000() -> None:
    rows = run(
        "school_enrollment",
        [hit("A", "guardian"), hit("B", "guardian2")],
        [
            {"record_id": "A", "school_type": "private", "annual_fee": 19999.0},
            {"record_id": "B", "school_type": "private", "annual_fee": 20000.0},
        ],
    )
    below, at = rows
    assert below["intercept"] is False
    assert below["reason"] == "不符合「年收费不低于20000元」（年收费：19999），不予拦截"
    assert at["intercept"] is True and at["role"] == "guardian2"
    assert at["deadline_working_days"] == 5


def test_public_school_is_not_intercepted_whatever_the_fee() -> None:
    (row,) = run(
        "school_enrollment",
        [hit("A", "guardian")],
        [{"record_id": "A", "school_type": "public", "annual_fee": 90000.0}],
    )
    assert row["intercept"] is False
    assert row["reason"] == "不符合「民办学校」（办学性质：公办），不予拦截"


def test_removed_entry_is_never_intercepted_and_says_when() -> None:
    (row,) = run(
        "hotel_booking",
        [hit()],
        [{"record_id": "R1", "hotel_star": 5}],
        [entry(status="removed", removed_on=date(2024, 3, 1))],
    )
    assert row["intercept"] is False
    assert row["reason"] == "名单已撤销（2024-03-01），不予拦截"


def test_consumption_restriction_applies_to_hotels_but_not_subsidies() -> None:
    restricted = [entry(list_type="consumption_restriction")]
    (hotel,) = run("hotel_booking", [hit()], [{"record_id": "R1", "hotel_star": 4}], restricted)
    assert hotel["intercept"] is True and "限制消费名单" in hotel["reason"]
    (subsidy,) = run(
        "subsidy_application",
        [hit(role="applicant")],
        [{"record_id": "R1", "applicant_type": "person"}],
        restricted,
    )
    assert subsidy["intercept"] is False
    assert subsidy["reason"].startswith("限制消费名单不适用本规则")


def test_subsidy_and_civil_service_intercept_the_listed_applicant() -> None:
    (subsidy,) = run("subsidy_application", [hit(role="applicant")], [{"record_id": "R1"}])
    (civil,) = run("civil_service_candidate", [hit(role="candidate")], [{"record_id": "R1"}])
    assert subsidy["intercept"] is True and civil["intercept"] is True
    assert civil["deadline_working_days"] == 10 and "公务员" in civil["legal_basis"]


def test_legal_rep_of_listed_org_at_a_star_hotel_is_intercepted_as_legal_rep() -> None:
    (row,) = run(
        "hotel_booking", [hit(list_role="legal_rep")], [{"record_id": "R1", "hotel_star": 2}]
    )
    assert row["role"] == "legal_rep" and row["query_role"] == "guest"
    assert row["intercept"] is True
    assert (
        row["reason"]
        == "确认匹配失信被执行人名单（被执行单位的法定代表人）；星级酒店（1-5星）；应予拦截"
    )


def test_legal_rep_of_listed_org_does_not_lose_a_civil_service_post() -> None:
    (row,) = run(
        "civil_service_candidate",
        [hit(role="candidate", list_role="legal_rep")],
        [{"record_id": "R1"}],
    )
    assert row["intercept"] is False and "不及于法定代表人" in row["reason"]


def test_subsidy_org_applicants_own_legal_rep_is_reported_but_not_intercepted() -> None:
    (row,) = run(
        "subsidy_application",
        [hit(role="legal_rep")],
        [{"record_id": "R1", "applicant_type": "org"}],
    )
    assert row["role"] == "legal_rep" and row["intercept"] is False
    assert row["reason"] == "该身份（法定代表人）不在本规则限制范围内（限制对象：申请人），不予拦截"


def test_review_hit_is_never_intercepted_but_says_what_would_happen() -> None:
    (row,) = run(
        "hotel_booking", [hit(decision="review", score=0.7)], [{"record_id": "R1", "hotel_star": 5}]
    )
    assert row["intercept"] is False and row["reason"].startswith("待人工复核")


def test_hit_on_unknown_entry_is_not_intercepted() -> None:
    (row,) = run("hotel_booking", [hit(entry_id="GONE")], [{"record_id": "R1", "hotel_star": 5}])
    assert row["intercept"] is False and row["reason"].startswith("名单条目不存在")


def test_two_guardians_matching_one_legal_rep_give_one_hit() -> None:
    rows = run(
        "school_enrollment",
        [
            hit("A", "guardian", list_role="legal_rep", score=0.98),
            hit("A", "guardian2", list_role="legal_rep", score=0.99),
        ],
        [{"record_id": "A", "school_type": "private", "annual_fee": 30000.0}],
    )
    assert [(r["role"], r["query_role"], r["match_score"]) for r in rows] == [
        ("legal_rep", "guardian2", 0.99)
    ]


@pytest.mark.parametrize(
    "agency_name",
    ["hotel_booking", "school_enrollment", "subsidy_application", "civil_service_candidate"],
)
def test_empty_hits_keep_the_rule_columns(agency_name: str) -> None:
    empty = pl.DataFrame(
        schema={
            "record_id": pl.String,
            "role": pl.String,
            "entry_id": pl.String,
            "list_role": pl.String,
            "match_score": pl.Float64,
            "match_decision": pl.String,
        }
    )
    out = apply_rule(
        empty,
        pl.DataFrame({"record_id": ["R1"]}),
        pl.DataFrame([entry()], schema_overrides={"removed_on": pl.Date}),
        agency(agency_name),
    )
    assert out.is_empty()
    assert {
        "intercept",
        "rule_id",
        "reason",
        "legal_basis",
        "action",
        "deadline_working_days",
    } <= set(out.columns)
