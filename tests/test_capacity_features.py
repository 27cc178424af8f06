"""Capacity features: engine linking, asset status, welfare at as_of, consumption, behaviour."""

from __future__ import annotations

from datetime import date

import polars as pl

from matching.config import MatchThresholds
from pipelines.capacity.entries import active_entries
from pipelines.capacity.features import build_features
from pipelines.capacity.identity import link_all, link_source
from pipelines.capacity.params import FeatureParams
from tests.test_capacity_helpers import AS_OF, assets, consumption, entries, entry, welfare

ID_A = "11010519850312231X"
ID_B = "110105199001011234"
P = FeatureParams()
T = MatchThresholds()


def _features(
    ents: pl.DataFrame, wel: pl.DataFrame, ast: pl.DataFrame, cons: pl.DataFrame | None = None
) -> dict[str, dict[str, object]]:
    links = link_all(ents, welfare=wel, assets=ast, thresholds=T, as_of=AS_OF)
    out = build_features(
        ents,
        welfare=links.welfare,
        assets=links.assets,
        consumption=cons,
        legal_reps=links.legal_reps,
        unconfirmed=links.unconfirmed,
        as_of=AS_OF,
        params=P,
    )
    return {r["entry_id"]: r for r in out.iter_rows(named=True)}


def test_active_entries_applies_deltas_in_order() -> None:
    snap = entries(entry("E1"), entry("E2"), entry("E3"))
    delta = pl.DataFrame(
        {"entry_id": ["E2", "E4"], "status": ["removed", "active"], "party_type": [None, "person"]}
    )
    delta2 = pl.DataFrame({"entry_id": ["E4"], "status": ["removed"]})
    assert active_entries([snap, delta])["entry_id"].to_list() == ["E1", "E3", "E4"]
    assert active_entries([snap, delta, delta2])["entry_id"].to_list() == ["E1", "E3"]


def test_engine_links_the_same_person_and_not_a_stranger() -> None:
    ents = entries(entry("E1", id_number=ID_A), entry("E2", name="李娜", id_number=ID_B))
    rows = assets(
        {
            "id_number": ID_A.lower(),
            "name": "张 伟",
            "asset_type": "deposit",
            "value": 1.0,
            "queried_on": AS_OF,
        },
        {
            "id_number": "320586197703150427",
            "name": "陈静",
            "asset_type": "deposit",
            "value": 1.0,
            "queried_on": AS_OF,
        },
    )
    linked, unconfirmed = link_source(ents, rows, "assets", thresholds=T, as_of=AS_OF)
    assert list(zip(linked["entry_id"], linked["name"], strict=True)) == [("E1", "张 伟")]
    assert unconfirmed.is_empty()


def test_asset_status_distinguishes_no_inquiry_from_nothing_found() -> None:
    ents = entries(entry("E1", id_number=ID_A), entry("E2", id_number=ID_B), entry("E3"))
    ast = assets(
        {
            "id_number": ID_A,
            "asset_type": "real_estate",
            "value": 1_200_000.0,
            "queried_on": date(2025, 5, 1),
        },
        {
            "id_number": ID_A,
            "asset_type": "real_estate",
            "value": 600_000.0,
            "queried_on": date(2025, 5, 1),
        },
        {
            "id_number": ID_A,
            "asset_type": "vehicle",
            "value": 90_000.0,
            "queried_on": date(2024, 1, 1),
        },
        {"id_number": ID_B, "asset_type": "none", "value": None, "queried_on": date(2025, 5, 1)},
    )
    f = _features(ents, welfare(), ast)
    assert f["E1"]["asset_inquiry_status"] == "found"
    assert f["E1"]["real_estate_count"] == 2 and f["E1"]["real_estate_value"] == 1_800_000.0
    assert f["E1"]["vehicle_count"] == 0  # superseded by the newer inquiry
    assert f["E2"]["asset_inquiry_status"] == "queried_found_nothing"
    assert f["E3"]["asset_inquiry_status"] == "none_queried"
    assert f["E3"]["means_ratio"] is None and f["E2"]["means_ratio"] == 0.0
    assert f["E3"]["evidence_sources"] == 0


def test_welfare_active_only_within_its_dates() -> None:
    ents = entries(entry("E1", id_number=ID_A), entry("E2", id_number=ID_B))
    wel = welfare(
        {
            "id_number": ID_A,
            "status_type": "minimum_living",
            "since": date(2024, 1, 1),
            "until": None,
        },
        {
            "id_number": ID_B,
            "status_type": "minimum_living",
            "since": date(2020, 1, 1),
            "until": date(2025, 6, 29),
        },
        {"id_number": ID_B, "status_type": "disability", "since": date(2025, 7, 1), "until": None},
    )
    f = _features(ents, wel, assets())
    assert f["E1"]["welfare_minimum_living"] is True
    assert f["E2"]["welfare_minimum_living"] is False and f["E2"]["welfare_disability"] is False
    assert f["E2"]["welfare_records"] == 2


def test_consumption_window_and_recency() -> None:
    ents = entries(entry("E1"))
    cons = consumption(
        {
            "entry_id": "E1",
            "agency": "hotel_booking",
            "event_date": date(2025, 6, 1),
            "hotel_star": 5,
            "room_rate": 2000.0,
        },
        {
            "entry_id": "E1",
            "agency": "hotel_booking",
            "event_date": date(2025, 5, 1),
            "hotel_star": 0,
            "room_rate": 200.0,
        },
        {
            "entry_id": "E1",
            "agency": "hotel_booking",
            "event_date": date(2023, 1, 1),
            "hotel_star": 5,
            "room_rate": 9000.0,
        },
        {
            "entry_id": "E1",
            "agency": "school_enrollment",
            "event_date": date(2025, 2, 1),
            "school_type": "private",
            "annual_fee": 80_000.0,
        },
    )
    f = _features(ents, welfare(), assets(), cons)["E1"]
    assert (f["hotel_stays"], f["max_hotel_star"], f["max_room_rate"]) == (1, 5, 2000.0)
    assert f["recent_hotel_stays"] == 1 and f["days_since_consumption"] == 29
    assert f["private_school_enrolments"] == 1 and f["max_school_fee"] == 80_000.0


def test_behaviour_performance_age_and_legal_rep() -> None:
    ents = entries(
        entry(
            "E1",
            id_number=ID_A,
            behavior="隐匿、转移财产规避执行；违反限制消费令",
            amount_performed=25_000.0,
            amount_due=75_000.0,
        ),
        entry(
            "O1",
            party_type="org",
            name="北京某某科技有限公司",
            legal_rep="张 伟",
            legal_rep_id_number=ID_A,
        ),
        entry(
            "O2", party_type="org", name="北京某某贸易有限公司", legal_rep="张伟", court="别的法院"
        ),
    )
    f = _features(ents, welfare(), assets())["E1"]
    assert f["behavior_type"] == "evasion" and f["beh_consumption_violation"] is True
    assert f["partial_performance"] is True and f["performed_share"] == 0.25
    assert f["age_at_as_of"] == 40  # from the ID's birth date 1985-03-12
    assert f["legal_rep_roles"] == 1  # O2 has no rep ID and another court: a namesake, not counted
    assert f["days_on_list"] == 731
