"""A listed org's named legal representative borrows the number of the person's own entry."""

from __future__ import annotations

import polars as pl

from matching.parties import list_parties
from tests.matching_helpers import rid

NUMBER = rid("11010519850307231")


def _entries(*rows: dict[str, str]) -> pl.DataFrame:
    base = {
        "entry_id": "",
        "party_type": "person",
        "name": "",
        "id_number": None,
        "legal_rep": None,
        "court": "北京市朝阳区人民法院",
        "province": "北京",
    }
    return pl.DataFrame([{**base, **r} for r in rows])


def _rep_number(entries: pl.DataFrame) -> str | None:
    reps = list_parties(entries).filter(pl.col("list_role") == "legal_rep")
    return reps["id_number"][0]


def test_rep_listed_personally_in_the_region_gets_the_number() -> None:
    entries = _entries(
        {"entry_id": "O1", "party_type": "org", "name": "某某科技有限公司", "legal_rep": "欧阳明"},
        {"entry_id": "P1", "name": "欧阳明", "id_number": NUMBER[:10] + "****" + NUMBER[-4:]},
        {"entry_id": "P2", "name": "欧阳明", "id_number": NUMBER},  # the same person, another case
    )
    assert _rep_number(entries) == NUMBER


def test_two_namesakes_in_the_region_leave_the_rep_unresolved() -> None:
    entries = _entries(
        {"entry_id": "O1", "party_type": "org", "name": "某某科技有限公司", "legal_rep": "王伟"},
        {"entry_id": "P1", "name": "王伟", "id_number": NUMBER},
        {"entry_id": "P2", "name": "王伟", "id_number": rid("11010819700101001")},
    )
    assert _rep_number(entries) is None


def test_namesake_listed_by_another_court_is_not_the_rep() -> None:
    entries = _entries(
        {"entry_id": "O1", "party_type": "org", "name": "某某科技有限公司", "legal_rep": "欧阳明"},
        {
            "entry_id": "P1",
            "name": "欧阳明",
            "id_number": NUMBER,
            "province": "北京",
            "court": "成都市锦江区人民法院",
        },
    )
    assert _rep_number(entries) is None
