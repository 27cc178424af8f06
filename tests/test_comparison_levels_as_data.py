"""A comparison level declared in one place is compared, scored, explained and estimated.

The level below is declared here, in the test module, not in `matching/`: nothing else is edited,
which is the point. A name written with the same characters in another order (张明伟 for 张伟明,
a given name's two characters swapped by a clerk) is its own level, ahead of the fuzzy one.
"""

from __future__ import annotations

import json
import math
from datetime import date

import numpy as np
import polars as pl
import pytest

from matching import link
from matching.comparison_level import ComparisonLevel, ComparisonSpec, Evidence
from matching.comparison_library import DECLARED, NAME
from matching.comparisons import level_of
from matching.estimate import formula_u, id_chance, level_freq
from matching.explain import explain_row
from matching.id_comparison import ID, IdChance
from matching.link import prepare
from matching.model import MatchModel
from matching.training import estimate_model, gammas_for
from tests.matching_helpers import AS_OF, THRESHOLDS, hotel_world_parties, listed, query, rid

REORDERED = ComparisonLevel(
    "reordered",
    ~(pl.col("party_type_q") == "org").fill_null(False)
    & (pl.col("norm_q").str.split("").list.sort() == pl.col("norm_l").str.split("").list.sort()),
    "姓名用字相同、顺序不同",
    m=0.01,
    u=1e-5,
    evidence=Evidence.SIMILAR,
)
SPECS: tuple[ComparisonSpec, ...] = tuple(
    s.with_level(REORDERED, before="fuzzy") if s.name == "name" else s for s in DECLARED
)
ZW = rid("11010519850307231")
WORLD_DATE = date(2025, 6, 30)


def test_the_declared_level_is_compared_in_its_place() -> None:
    assert level_of("name", as_of=AS_OF, specs=SPECS, name=("张伟明", "张明伟")) == "reordered"
    # without the declaration the same pair is only a fuzzy name
    assert level_of("name", as_of=AS_OF, name=("张伟明", "张明伟")) == "fuzzy"
    # levels declared ahead of it still win: the same characters in the same order are exact
    assert level_of("name", as_of=AS_OF, specs=SPECS, name=("张伟明", "张伟明")) == "exact"
    names = next(s for s in SPECS if s.name == "name")
    assert names.labels == ("different", "fuzzy", "reordered", *NAME.labels[2:])


def test_the_declared_level_is_scored_and_explained() -> None:
    model = MatchModel.declared(SPECS)
    hits = link(
        query({"name": "张伟明", "id_number": ZW}),
        listed({"name": "张明伟", "id_number": ZW}),
        model=model,
        thresholds=THRESHOLDS,
        as_of=AS_OF,
    ).hits
    assert hits.height == 1
    assert "姓名用字相同、顺序不同" in hits["explanation_zh"][0]
    name = next(e for e in json.loads(hits["evidence"][0]) if e["field"] == "name")
    assert name["level"] == "reordered"
    assert name["weight"] == round(math.log2(REORDERED.m / REORDERED.u), 2)
    # the packaged declarations know nothing of it: the same pair is explained as a similar name
    row = {"g_name": NAME.code("fuzzy"), "id_evidence": True}
    assert explain_row(row)[1] == "姓名（名称）相近"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[pl.DataFrame, pl.DataFrame]:
    return hotel_world_parties(tmp_path_factory.mktemp("levels"), 2000, 29, WORLD_DATE)


def test_the_declared_level_is_estimated(world: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    q, lst = world
    fitted = estimate_model(MatchModel.declared(SPECS), q, lst, as_of=WORLD_DATE, u_sample=200_000)
    level = fitted.comparison("name").level("reordered")
    # u is its share among random pairs, m what EM learnt: neither is the declared value
    _, random_pairs, *_ = gammas_for(q, lst, as_of=WORLD_DATE, u_sample=200_000, specs=SPECS)
    names = next(s for s in SPECS if s.name == "name")
    shares = level_freq(random_pairs, "name", len(names.labels))
    assert level.u == pytest.approx(shares[names.code("reordered")], rel=1e-12)
    assert level.m != REORDERED.m and 0 < level.m < 1
    assert [lv.name for lv in fitted.comparison("name").levels] == list(names.labels)
    # the fitted model saves and loads against the same declarations
    again = MatchModel.from_dict(json.loads(json.dumps(fitted.to_dict())), SPECS)
    assert again.comparison("name").level("reordered") == level


def _year_and_sequence(chance: IdChance) -> float:
    return chance.p["r4"] * chance.p["year"] * chance.p["seq"] * chance.p["chk"]


def test_a_declared_id_level_is_priced_by_its_u_formula() -> None:
    """ID levels are too rare to sample: a new one brings its own u formula, which estimation
    uses, and the catch-all level takes what the others leave."""
    masked_year = ComparisonLevel(
        "masked_year",
        (pl.col("party_type_q") == "person").fill_null(False)
        & (pl.col("_id_conf") == 0)
        & pl.col("_id_year_vis"),
        "身份证号可见的地区码前段、出生年份与末四位一致（脱敏）",
        m=0.05,
        u=1e-7,
        evidence=Evidence.PARTIAL,
        u_formula=_year_and_sequence,
    )
    spec = ID.with_level(masked_year, before="masked_mid")
    masked = ZW[:4] + "**" + ZW[6:10] + "****" + ZW[-4:]
    assert level_of(spec, as_of=AS_OF, id_number=(ZW, masked)) == "masked_year"
    assert level_of(ID, as_of=AS_OF, id_number=(ZW, masked)) == "masked_mid"
    # a mask hiding the year is still what it was
    hidden_year = ZW[:6] + "*" * 8 + ZW[-4:]
    assert level_of(spec, as_of=AS_OF, id_number=(ZW, hidden_year)) == "masked_mid"
    qf, lf = prepare(
        query({"id_number": ZW}, {"id_number": rid("11010519900101002")}),
        listed({"id_number": rid("11010619850307001")}, {"id_number": masked}),
        AS_OF,
    )
    chance = id_chance(qf, lf)
    u = formula_u(spec, chance)
    assert u[spec.code("masked_year")] == pytest.approx(_year_and_sequence(chance))
    assert u.sum() == pytest.approx(1.0)
    assert np.all(u > 0)
