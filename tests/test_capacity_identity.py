"""Capacity identity: welfare/asset rows reach a debtor only through a `match` of the engine."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

import matching
from matching import LinkResult
from matching.config import MatchThresholds
from pipelines.capacity import assess, load_model
from pipelines.capacity.identity import legal_rep_roles, link_all
from tests.test_capacity_helpers import AS_OF, assets, entries, entry, welfare

ID_A = "11010519850312231X"
ID_OTHER = "110105199001011234"
USCC = "91110105MA01ABCDEB"
T = MatchThresholds()


def _low(id_number: str, name: str = "张伟") -> dict[str, object]:
    return {
        "id_number": id_number,
        "name": name,
        "status_type": "minimum_living",
        "since": date(2024, 1, 1),
    }


def _engine_says(decisions: dict[str, tuple[str, str]]):
    """A stand-in for `matching.link` (its signature and hit columns only): id -> (entry, decision).

    The engine's internals may change; these tests pin what capacity does with each
    decision, not which decision the engine reaches.
    """

    def fake(query: pl.DataFrame, listed: pl.DataFrame, **_: object) -> LinkResult:
        rows = [
            {
                "record_id": r["record_id"],
                "role": r["role"],
                "entry_id": decisions[r["id_number"]][0],
                "list_role": "debtor",
                "match_score": 0.99 if decisions[r["id_number"]][1] == "match" else 0.7,
                "match_decision": decisions[r["id_number"]][1],
                "pair_key": "k",
                "evidence": "[]",
                "explanation_zh": "",
            }
            for r in query.iter_rows(named=True)
            if r["id_number"] in decisions
        ]
        return LinkResult(pl.DataFrame(rows, schema=HIT_SCHEMA), {})

    return fake


HIT_SCHEMA = {
    "record_id": pl.String,
    "role": pl.String,
    "entry_id": pl.String,
    "list_role": pl.String,
    "match_score": pl.Float64,
    "match_decision": pl.String,
    "pair_key": pl.String,
    "evidence": pl.String,
    "explanation_zh": pl.String,
}


def _assess(ents: pl.DataFrame, wel: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    return assess(
        ents,
        welfare=wel,
        assets=assets(),
        consumption=None,
        as_of=AS_OF,
        model=load_model(),
        match_thresholds=T,
    )


def test_review_pair_is_not_scored_but_named_in_evidence(monkeypatch: pytest.MonkeyPatch) -> None:
    ents = entries(entry("E1", id_number=ID_A), entry("E2", id_number=ID_OTHER))
    monkeypatch.setattr(
        matching, "link", _engine_says({ID_A: ("E1", "review"), ID_OTHER: ("E2", "match")})
    )
    sure = _assess(ents, welfare())[0].row(0, named=True)
    table, feats = _assess(ents, welfare(_low(ID_A), _low(ID_OTHER)))
    row, f = table.row(0, named=True), feats.row(0, named=True)
    assert f["welfare_minimum_living"] is False and f["welfare_records"] == 0
    assert f["unconfirmed_records"] == 1
    assert row["capacity_score"] == sure["capacity_score"]
    assert "1条民政/查控记录身份待确认（未计入评分）" in row["evidence"]
    matched = feats.row(1, named=True)
    assert matched["welfare_minimum_living"] is True and matched["unconfirmed_records"] == 0


def test_source_rows_meet_debtor_parties_only_gender_blanked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ents = entries(entry("O1", party_type="org", name="甲公司", id_number=USCC, legal_rep="张伟"))
    monkeypatch.setattr(matching, "link", _engine_says({ID_A: ("O1", "match")}))
    listed: list[pl.DataFrame] = []
    real = matching.link

    def spy(query: pl.DataFrame, lst: pl.DataFrame, **kw: object) -> LinkResult:
        listed.append(lst)
        return real(query, lst, **kw)

    monkeypatch.setattr(matching, "link", spy)
    link_all(ents, welfare=welfare(_low(ID_A)), assets=assets(), thresholds=T, as_of=AS_OF)
    assert set(listed[0]["list_role"]) == {"debtor"}  # a rep's welfare is not the org's
    assert listed[0]["gender"].null_count() == listed[0].height  # gender blanked


def test_confirmed_match_is_scored() -> None:
    ents = entries(entry("E1", id_number=ID_A))
    links = link_all(
        ents,
        welfare=welfare(_low(ID_A.lower(), "张 伟")),
        assets=assets(),
        thresholds=T,
        as_of=AS_OF,
    )
    assert links.welfare["entry_id"].to_list() == ["E1"]
    assert links.unconfirmed.is_empty()


def test_org_asset_row_links_by_uscc_not_to_the_legal_rep() -> None:
    ents = entries(
        entry(
            "O1", party_type="org", name="北京某某科技有限公司", id_number=USCC, legal_rep="张伟"
        ),
        entry("E1", id_number=ID_A),
    )
    rows = assets(
        {
            "id_number": USCC,
            "name": "某某科技（北京）有限公司",
            "asset_type": "deposit",
            "value": 5e5,
            "queried_on": AS_OF,
        }
    )
    links = link_all(ents, welfare=welfare(), assets=rows, thresholds=T, as_of=AS_OF)
    assert links.assets["entry_id"].to_list() == ["O1"]


def test_legal_rep_roles_need_an_identifier_match() -> None:
    ents = entries(
        entry("E1", id_number=ID_A),
        entry("O1", party_type="org", name="甲公司", legal_rep="张伟", legal_rep_id_number=ID_A),
        entry(
            "O2",
            party_type="org",
            name="乙公司",
            legal_rep="张 伟",
            legal_rep_id_number="1101051985****231X",
        ),
        # named only, but its court lists exactly one 张伟 (E1): the rep borrows E1's number
        entry("O3", party_type="org", name="丙公司", legal_rep="张伟"),
        entry("O4", party_type="org", name="丁公司", legal_rep="李娜"),  # a name alone: not counted
    )
    reps = legal_rep_roles(ents, thresholds=T, as_of=AS_OF)
    assert reps.rows() == [("E1", 3)]
