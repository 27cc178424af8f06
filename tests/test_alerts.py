"""Alerts ledger: stable ids, idempotent reruns, withdrawals on removal and on analyst rejection."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from pipelines.ingest.listing import apply_list
from pipelines.sanctions.alerts import (
    AlertChanges,
    alert_id,
    alert_id_expr,
    alerts_of,
    mark_sent,
    sync_alerts,
    withdrawals,
)
from pipelines.storage.warehouse import Warehouse

FRI, MON, TUE = date(2024, 3, 1), date(2024, 3, 4), date(2024, 3, 5)
HOTEL = "hotel_booking"


def intercepts(*rows: tuple[str, str, str]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "record_id": r,
                "role": role,
                "entry_id": e,
                "pair_key": f"{r}:{role}|{e}",
                "rule_id": "HOTEL-STAR-3-2",
                "intercept": True,
                "deadline_working_days": 1,
            }
            for r, role, e in rows
        ]
    )


@pytest.fixture
def wh() -> Warehouse:
    w = Warehouse(":memory:")
    w.migrate()
    listed = pl.DataFrame(
        {"entry_id": ["E1", "E2"], "party_type": ["person"] * 2, "name": ["张伟", "王芳"]}
    )
    apply_list(w, listed, run_date=FRI, mode="snapshot", source="s.csv")
    return w


def test_alert_id_is_stable_short_and_keyed_on_all_four_fields() -> None:
    a = alert_id(HOTEL, "R1", "guest", "E1")
    assert a == alert_id(HOTEL, "R1", "guest", "E1")
    assert a.startswith("AL-") and len(a) == 19
    assert (
        len(
            {
                a,
                alert_id("school_enrollment", "R1", "guest", "E1"),
                alert_id(HOTEL, "R1", "legal_rep", "E1"),
                alert_id(HOTEL, "R1", "guest", "E2"),
            }
        )
        == 4
    )
    frame = pl.DataFrame(
        {"agency": [HOTEL], "record_id": ["R1"], "role": ["guest"], "entry_id": ["E1"]}
    )
    assert frame.select(alert_id_expr()).item() == a


def test_same_run_twice_gives_same_ids_counts_and_no_duplicates(wh: Warehouse) -> None:
    tonight = intercepts(("R1", "guest", "E1"), ("R2", "guest", "E2"))
    first = sync_alerts(wh, HOTEL, FRI, tonight, set())
    ledger = alerts_of(wh, HOTEL)
    again = sync_alerts(wh, HOTEL, FRI, tonight, set())
    assert first == again
    assert (first.new, first.unchanged, first.withdrawn) == (2, 0, 0)
    assert alerts_of(wh, HOTEL).equals(ledger)
    assert ledger.height == 2 and set(ledger["status"]) == {"new"}
    # Friday + 1 working day is Monday.
    assert set(ledger["deadline"]) == {MON}


def test_next_night_same_hit_is_unchanged_and_keeps_first_run(wh: Warehouse) -> None:
    sync_alerts(wh, HOTEL, FRI, intercepts(("R1", "guest", "E1")), set())
    assert mark_sent(wh, HOTEL, FRI) == 1
    changes = sync_alerts(wh, HOTEL, MON, intercepts(("R1", "guest", "E1")), set())
    assert (changes.new, changes.unchanged, changes.withdrawn) == (0, 1, 0)
    row = alerts_of(wh, HOTEL).row(0, named=True)
    assert (row["status"], row["first_run"], row["last_run"], row["sent_run"]) == (
        "sent",
        FRI,
        MON,
        FRI,
    )


def test_record_absent_from_tonights_batch_is_not_withdrawn(wh: Warehouse) -> None:
    sync_alerts(wh, HOTEL, FRI, intercepts(("R1", "guest", "E1")), set())
    changes = sync_alerts(wh, HOTEL, MON, intercepts(), set())
    assert changes == AlertChanges(new=0, unchanged=0, withdrawn=0)
    assert alerts_of(wh, HOTEL)["status"].to_list() == ["new"]


def test_removed_entry_withdraws_its_sent_alert_once(wh: Warehouse) -> None:
    sync_alerts(wh, HOTEL, FRI, intercepts(("R1", "guest", "E1"), ("R2", "guest", "E2")), set())
    mark_sent(wh, HOTEL, FRI)
    removal = pl.DataFrame(
        {"entry_id": ["E1"], "status": ["removed"], "removed_on": [date(2024, 3, 3)]}
    )
    apply_list(wh, removal, run_date=MON, mode="delta", source="d.csv")
    changes = sync_alerts(wh, HOTEL, MON, intercepts(), set())
    assert changes.withdrawn == 1 and changes.withdrawn_ids == (
        alert_id(HOTEL, "R1", "guest", "E1"),
    )
    assert sync_alerts(wh, HOTEL, MON, intercepts(), set()) == changes
    (gone,) = withdrawals(wh, HOTEL, MON).to_dicts()
    assert gone["reason"] == "名单已撤销（2024-03-03），撤回预警"
    assert (gone["status"], gone["sent_run"], gone["withdrawn_run"]) == ("withdrawn", FRI, MON)
    # The next night reports no new withdrawal.
    assert sync_alerts(wh, HOTEL, TUE, intercepts(), set()).withdrawn == 0


def test_analyst_rejection_suppresses_and_never_comes_back(wh: Warehouse) -> None:
    hit = intercepts(("R1", "guest", "E1"))
    sync_alerts(wh, HOTEL, FRI, hit, set())
    rejected = {"R1:guest|E1"}
    changes = sync_alerts(wh, HOTEL, MON, hit, rejected)
    assert (changes.new, changes.unchanged, changes.withdrawn) == (0, 0, 1)
    assert alerts_of(wh, HOTEL)["status"].to_list() == ["suppressed"]
    later = sync_alerts(wh, HOTEL, TUE, hit, set())
    assert (later.new, later.unchanged, later.withdrawn) == (0, 0, 0)
    assert alerts_of(wh, HOTEL).height == 1


def test_rejected_pair_never_raises_a_first_alert(wh: Warehouse) -> None:
    changes = sync_alerts(wh, HOTEL, FRI, intercepts(("R1", "guest", "E1")), {"R1:guest|E1"})
    assert changes.new == 0 and alerts_of(wh, HOTEL).is_empty()


def test_relisted_entry_reopens_the_same_alert(wh: Warehouse) -> None:
    hit = intercepts(("R1", "guest", "E1"))
    sync_alerts(wh, HOTEL, FRI, hit, set())
    apply_list(
        wh,
        pl.DataFrame({"entry_id": ["E1"], "status": ["removed"]}),
        run_date=MON,
        mode="delta",
        source="d1.csv",
    )
    sync_alerts(wh, HOTEL, MON, intercepts(), set())
    apply_list(
        wh,
        pl.DataFrame({"entry_id": ["E1"], "party_type": ["person"], "name": ["张伟"]}),
        run_date=TUE,
        mode="delta",
        source="d2.csv",
    )
    changes = sync_alerts(wh, HOTEL, TUE, hit, set())
    assert changes.new_ids == (alert_id(HOTEL, "R1", "guest", "E1"),)
    row = alerts_of(wh, HOTEL).row(0, named=True)
    assert (row["status"], row["first_run"], row["opened_run"], row["withdrawn_run"]) == (
        "new",
        FRI,
        TUE,
        None,
    )


def test_agencies_do_not_share_alerts(wh: Warehouse) -> None:
    sync_alerts(wh, HOTEL, FRI, intercepts(("R1", "guest", "E1")), set())
    sync_alerts(wh, "school_enrollment", FRI, intercepts(("R1", "guardian", "E1")), set())
    assert mark_sent(wh, HOTEL, FRI) == 1
    assert alerts_of(wh, "school_enrollment")["status"].to_list() == ["new"]
