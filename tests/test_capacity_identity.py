"""Capacity identity: welfare/asset rows reach a debtor only through a `match` of the engine."""

from __future__ import annotations

from datetime import date

from pipelines.capacity import assess, load_model
from pipelines.capacity.identity import legal_rep_roles, link_all
from pipelines.settings import MatchThresholds
from tests.test_capacity_helpers import AS_OF, assets, entries, entry, welfare

ID_A = "11010519850312231X"
ID_A_TRANSPOSED = "11010519850312213X"  # two digits swapped: the engine says `review`
USCC = "91110105MA01ABCDEB"
T = MatchThresholds()


def _low(id_number: str, name: str = "张伟") -> dict[str, object]:
    return {
        "id_number": id_number,
        "name": name,
        "status_type": "minimum_living",
        "since": date(2024, 1, 1),
    }


def test_review_pair_is_not_scored_but_named_in_evidence() -> None:
    ents = entries(entry("E1", id_number=ID_A))
    sure = assess(
        ents,
        welfare=welfare(),
        assets=assets(),
        consumption=None,
        as_of=AS_OF,
        model=load_model(),
        match_thresholds=T,
    )[0].row(0, named=True)
    table, feats = assess(
        ents,
        welfare=welfare(_low(ID_A_TRANSPOSED)),
        assets=assets(),
        consumption=None,
        as_of=AS_OF,
        model=load_model(),
        match_thresholds=T,
    )
    row, f = table.row(0, named=True), feats.row(0, named=True)
    assert f["welfare_minimum_living"] is False and f["welfare_records"] == 0
    assert f["unconfirmed_records"] == 1
    assert row["capacity_score"] == sure["capacity_score"]
    assert "1条民政/查控记录身份待确认（未计入评分）" in row["evidence"]


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
        entry("O3", party_type="org", name="丙公司", legal_rep="张伟"),  # a name alone: not counted
    )
    reps = legal_rep_roles(ents, thresholds=T, as_of=AS_OF)
    assert reps.rows() == [("E1", 2)]
