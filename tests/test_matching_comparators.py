"""Literal per-level tests of each comparator, ranking tests, parties and masking."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest

from matching import link
from matching.blocking import candidate_pairs
from matching.comparisons import level_of
from matching.config import RoleSpec
from matching.link import prepare
from matching.mask import mask_id, mask_name
from matching.parties import list_parties, query_parties
from tests.matching_helpers import AS_OF, THRESHOLDS, listed, query, rid

ZW = rid("11010519850307231")
ZW_WEAK = ZW[:4] + "*" * 10 + ZW[-4:]
OLD = rid("11010319850307231")  # 崇文区 code, retired in 2010
NEW = rid("11010119850307231")  # the same person after the merge into 东城区


def pair_level(comparison: str, left: dict[str, Any], right: dict[str, Any]) -> str | None:
    """`level_of` with the query side's and the list side's fields given as two dicts."""
    both: dict[str, Any] = {k: (left.get(k), right.get(k)) for k in left.keys() | right.keys()}
    return level_of(comparison, as_of=AS_OF, **both)


@pytest.mark.parametrize(
    ("left_id", "right_id", "level"),
    [
        (ZW, ZW, "exact"),
        (ZW, ZW[:10] + "****" + ZW[-4:], "masked_strong"),
        (ZW, ZW[:4] + "*" * 10 + ZW[-4:], "masked_weak"),
        # 崇文区 (110103, retired 2010) re-coded into 东城区 (110101): the same person
        (OLD, NEW, "region_recode"),
        (NEW, OLD, "region_recode"),
        # re-coded district against a mask that still shows the birth year / only region4+last4
        (OLD, NEW[:10] + "****" + NEW[-4:], "recode_year"),
        (OLD, NEW[:4] + "*" * 10 + NEW[-4:], "recode_masked"),
        (rid("11010319860307231"), NEW[:10] + "****" + NEW[-4:], "different"),  # another year
        # 崇文区 closed in 2010: nobody born after it can carry its code and be re-coded from it
        (rid("11010320120307231"), rid("11010120120307231"), "different"),
        # 海淀区 (110108) and 朝阳区 (110105) both exist all along: neighbours, not a re-code
        (rid("11010819850307231"), ZW, "different"),
        (rid("11010819850307231"), ZW[:10] + "****" + ZW[-4:], "different"),
        # 房山区 (110111) was created in 1986 from 房山县 under its own name: a 海淀区 (110108)
        # number was never re-coded into it, so the pair is two people
        (rid("11011119800307231"), rid("11010819800307231"), "different"),
        (rid("11011119900307231"), rid("11010819900307231"), "different"),
        # 密云县 (110228) became 密云区 (110118) in 2015, another city prefix's district row
        (rid("11011819800307231"), rid("11022819800307231"), "region_recode"),
        # 崇文区 (110103) was merged into 东城区 (110101) in 2010 without a successor of its name
        (rid("11010119800307231"), rid("11010319800307231"), "region_recode"),
        # a hidden district may be one of Beijing's retired codes; 阿拉善盟 (1529) never re-coded
        (rid("11010819850307231"), ZW[:4] + "*" * 10 + ZW[-4:], "recode_masked"),
        (rid("15292119850307231"), "1529" + "*" * 10 + rid("15292219850307231")[-4:], "different"),
        # a slip in the district digits of a mistyped number is a slip, not a re-code
        (ZW[:5] + "8" + ZW[6:], ZW, "one_edit"),
        (ZW[:-1] + ("0" if ZW[-1] != "0" else "1"), ZW, "one_edit"),
        (rid("22010519700101001"), ZW, "different"),
        (ZW, "*" * 14 + ZW[-4:], None),
        ("1.10105E+17", ZW, None),
        ("", ZW, None),
    ],
)
def test_id_levels(left_id: str, right_id: str, level: str | None) -> None:
    assert level_of("id", as_of=AS_OF, id_number=(left_id, right_id), name=("甲", "乙")) == level


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("张伟", "張偉", "exact"),
        ("张伟", "张玮", "homophone"),
        ("ZHANG WEI", "张伟", "romanised"),
        ("WEI ZHANG", "张伟", "romanised"),
        ("李己", "李已", "lookalike"),
        ("张伟", "张伟伟", "fuzzy"),
        ("张伟", "李娜", "different"),
        (None, "李娜", None),
    ],
)
def test_name_levels(left: str | None, right: str, level: str | None) -> None:
    assert level_of("name", as_of=AS_OF, name=(left, right)) == level


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        # both IDs present: their birth digits are weighed by the ID comparison, not twice
        ({"id_number": ZW}, {"id_number": ZW}, None),
        ({"id_number": ZW}, {"id_number": ZW[:10] + "****" + ZW[-4:]}, None),
        ({"birth_date": date(1985, 3, 7)}, {"id_number": ZW}, "exact"),
        ({"birth_date": date(1985, 1, 1)}, {"id_number": ZW[:10] + "****" + ZW[-4:]}, "year"),
        ({"id_number": ZW}, {"age": 40}, "age_consistent"),  # born 1985-03-07, 40 on 2025-06-01
        ({"id_number": ZW}, {"age": 39}, "different"),  # full birth date known: age must be exact
        ({"id_number": ZW}, {"age": 38, "age_on": date(2023, 6, 1)}, "age_consistent"),
        ({"id_number": ZW}, {"age": 37, "age_on": date(2023, 3, 1)}, "age_consistent"),
        ({"id_number": ZW}, {"age": 40, "age_on": date(2023, 6, 1)}, "different"),
        ({"id_number": ZW}, {"age": 45}, "different"),
        ({"name": "甲"}, {"age": 45}, None),
        # a number failing its check char (years swapped to 1958): its year is no evidence
        # against the stated age, but a year that agrees (the slip in the month-day) still counts
        ({"id_number": ZW[:6] + "1958" + ZW[10:]}, {"id_number": ZW_WEAK, "age": 40}, None),
        (
            {"id_number": ZW[:10] + "3007" + ZW[14:]},
            {"id_number": ZW_WEAK, "age": 40},
            "age_consistent",
        ),
        ({"id_number": ZW}, {"id_number": ZW_WEAK, "age": 41}, "different"),  # a valid number
    ],
)
def test_birth_levels(left: dict[str, Any], right: dict[str, Any], level: str | None) -> None:
    assert pair_level("birth", {"name": "甲", **left}, {"name": "甲", **right}) == level


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ({"id_number": ZW}, {"gender": "M"}, "equal"),
        ({"id_number": ZW}, {"gender": "F"}, "different"),
        ({"gender": "F"}, {"gender": None}, None),
    ],
)
def test_gender_levels(left: dict[str, Any], right: dict[str, Any], level: str | None) -> None:
    assert pair_level("gender", {"name": "甲", **left}, {"name": "甲", **right}) == level


def test_right_entry_outranks_homonym() -> None:
    """Same name twice on the list: the one whose visible ID digits agree ranks first."""
    entries = listed(
        {"name": "张伟", "age": 40, "gender": "M", "id_number": ZW[:10] + "****" + ZW[-4:]},
        {"name": "张伟", "age": 40, "gender": "M"},
    )
    hits = link(
        query({"name": "张伟", "id_number": ZW}), entries, thresholds=THRESHOLDS, as_of=AS_OF
    ).hits
    assert hits["entry_id"][0] == "E0"
    other = hits.filter(pl.col("entry_id") == "E1")["match_score"]
    assert other.is_empty() or float(other[0]) < float(hits["match_score"][0])


def test_rare_name_outweighs_common_name() -> None:
    """TF adjustment: the same evidence on 张伟 (common on the list) scores below a rare name."""
    common = [{"name": "张伟", "age": a} for a in range(20, 80)]
    base = {"age": 40, "gender": "M", "id_number": ZW[:4] + "*" * 10 + ZW[-4:]}
    entries = listed({**base, "name": "张伟"}, {**base, "name": "诸葛亮"}, *common)
    q = query({"name": "张伟", "id_number": ZW}, {"name": "诸葛亮", "id_number": ZW})
    hits = link(q, entries, thresholds=THRESHOLDS, as_of=AS_OF).hits
    score = {
        r["record_id"]: r["match_score"]
        for r in hits.filter(pl.col("entry_id").is_in(["E0", "E1"])).to_dicts()
        if (r["record_id"], r["entry_id"]) in {("R0", "E0"), ("R1", "E1")}
    }
    assert score["R1"] > score["R0"]


def test_blocking_meets_masked_id_without_name_agreement() -> None:
    qf, lf = prepare(
        query({"name": "王五", "id_number": ZW}),
        listed({"name": "赵六", "id_number": ZW[:4] + "*" * 10 + ZW[-4:]}),
        AS_OF,
    )
    pairs, stats = candidate_pairs(qf, lf, AS_OF)
    assert pairs.height == 1 and "r4_last4" in stats.pairs_by_key


def test_query_parties_roles_and_when() -> None:
    records = pl.DataFrame(
        {
            "record_id": ["A", "B"],
            "applicant_type": ["org", "person"],
            "applicant_name": ["某某公司", "张三"],
            "id_number": ["M000100Y4", ZW],
            "legal_rep_name": ["李四", None],
            "legal_rep_id_number": [None, None],
        }
    )
    roles = [
        RoleSpec(
            role="applicant",
            name="applicant_name",
            id_number="id_number",
            party_type="applicant_type",
        ),
        RoleSpec(
            role="legal_rep",
            name="legal_rep_name",
            id_number="legal_rep_id_number",
            when="applicant_type",
            when_value="org",
        ),
    ]
    out = query_parties(records, roles)
    assert out.select("record_id", "role", "party_type").rows() == [
        ("A", "applicant", "org"),
        ("B", "applicant", "person"),
        ("A", "legal_rep", "person"),
    ]


def test_list_parties_adds_legal_rep() -> None:
    entries = pl.DataFrame(
        {
            "entry_id": ["E1", "E2"],
            "party_type": ["org", "person"],
            "name": ["某某公司", "张三"],
            "id_number": ["M000100Y4", None],
            "legal_rep": ["李四", None],
            "status": ["active", "active"],
        }
    )
    out = list_parties(entries)
    assert out.select("entry_id", "list_role", "party_type", "name").rows() == [
        ("E1", "debtor", "org", "某某公司"),
        ("E2", "debtor", "person", "张三"),
        ("E1", "legal_rep", "person", "李四"),
    ]


def test_masking() -> None:
    assert mask_id("11010519491231002x") == "110105********002X"
    assert mask_name("张小伟") == "张*伟" and mask_name("张伟") == "张*"


def test_agreeing_masked_number_under_another_name_is_not_an_automatic_match() -> None:
    from tests.matching_helpers import decision

    masked = ZW[:10] + "****" + ZW[-4:]
    assert (
        decision({"name": "王芳", "id_number": ZW}, {"name": "李娜", "id_number": masked})
        != "match"
    )
    assert (
        decision({"name": "李娜", "id_number": ZW}, {"name": "李娜", "id_number": masked})
        == "match"
    )
