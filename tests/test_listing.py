"""List versioning: snapshot, deltas, complete snapshots, reruns, as-of views."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from pipelines.ingest.listing import (
    ABSENT_FROM_SNAPSHOT,
    ListChange,
    apply_list,
    current_entries,
    entries_as_of,
    entry_history,
)
from pipelines.storage.warehouse import Warehouse

D1, D2, D3 = date(2024, 3, 1), date(2024, 3, 2), date(2024, 3, 3)


def entries(*rows: dict[str, object]) -> pl.DataFrame:
    base = {"party_type": "person", "list_type": "dishonest", "status": "active", "court": "某法院"}
    return pl.DataFrame([{**base, **r} for r in rows]).with_row_index("_row", offset=1)


SNAPSHOT = entries(
    {"entry_id": "E1", "name": "张伟", "id_number": "1101051985****2315", "amount_due": 1000.0},
    {"entry_id": "E2", "name": "王芳", "id_number": "3302**********0016"},
    {"entry_id": "E3", "name": "某某科技有限公司", "party_type": "org", "legal_rep": "李强"},
)


@pytest.fixture
def wh() -> Warehouse:
    w = Warehouse(":memory:")
    w.migrate()
    return w


def status_of(wh: Warehouse, as_of: date) -> dict[str, str]:
    cur = current_entries(wh, as_of)
    return dict(zip(cur["entry_id"], cur["status"], strict=True))


def test_snapshot_then_delta_versions_entries(wh: Warehouse) -> None:
    first = apply_list(wh, SNAPSHOT, run_date=D1, mode="snapshot", source="s.csv")
    assert first == ListChange(added=3, changed=0, removed=0, unchanged=0)
    delta = entries(
        {"entry_id": "E1", "status": "removed", "removed_on": date(2024, 2, 28)},
        {"entry_id": "E2", "name": "王芳", "id_number": "3302**********0016", "amount_due": 5.0},
        {"entry_id": "E4", "name": "赵敏"},
    ).with_columns(pl.col("removed_on").cast(pl.Date))
    change = apply_list(wh, delta, run_date=D2, mode="delta", source="d.csv")
    assert change == ListChange(added=1, changed=1, removed=1, unchanged=0)
    assert status_of(wh, D1) == {"E1": "active", "E2": "active", "E3": "active"}
    now = current_entries(wh, D2)
    assert dict(zip(now["entry_id"], now["status"], strict=True)) == {
        "E1": "removed",
        "E2": "active",
        "E3": "active",
        "E4": "active",
    }
    e1 = now.filter(pl.col("entry_id") == "E1").row(0, named=True)
    # A removal row carrying only the id keeps the stored facts, so it can still be explained.
    assert (e1["name"], e1["removed_on"], e1["removal_reason"]) == (
        "张伟",
        date(2024, 2, 28),
        "removed_in_delta",
    )
    assert entry_history(wh, "E2")["version"].to_list() == [1, 2]
    removed = entries_as_of(wh, D2, ("entry_id", "valid_from_run"), status="removed")
    assert removed.rows() == [("E1", D2)]


def test_reapplying_the_same_files_on_the_same_night_is_a_noop(wh: Warehouse) -> None:
    delta = entries({"entry_id": "E2", "name": "王芳", "amount_due": 5.0})
    first = [
        apply_list(wh, SNAPSHOT, run_date=D1, mode="snapshot", source="s.csv"),
        apply_list(wh, delta, run_date=D1, mode="delta", source="d.csv"),
    ]
    before = wh.query("SELECT * FROM list_entries ORDER BY entry_id, version")
    again = [
        apply_list(wh, SNAPSHOT, run_date=D1, mode="snapshot", source="s.csv"),
        apply_list(wh, delta, run_date=D1, mode="delta", source="d.csv"),
    ]
    assert [c.replayed for c in again] == [True, True]
    assert [(c.added, c.changed, c.removed, c.unchanged) for c in again] == [
        (c.added, c.changed, c.removed, c.unchanged) for c in first
    ]
    assert wh.query("SELECT * FROM list_entries ORDER BY entry_id, version").equals(before)


def test_same_snapshot_next_night_is_all_unchanged(wh: Warehouse) -> None:
    apply_list(wh, SNAPSHOT, run_date=D1, mode="snapshot", source="s.csv")
    change = apply_list(wh, SNAPSHOT, run_date=D2, mode="snapshot", source="s.csv")
    assert change == ListChange(added=0, changed=0, removed=0, unchanged=3)
    assert wh.query("SELECT count(*) AS n FROM list_entries")["n"].item() == 3


def test_partial_snapshot_keeps_absent_entries(wh: Warehouse) -> None:
    apply_list(wh, SNAPSHOT, run_date=D1, mode="snapshot", source="s.csv")
    apply_list(wh, SNAPSHOT.head(1), run_date=D2, mode="snapshot", source="province.csv")
    assert set(status_of(wh, D2).values()) == {"active"}


def test_complete_snapshot_removes_absent_entries_with_reason(wh: Warehouse) -> None:
    apply_list(wh, SNAPSHOT, run_date=D1, mode="snapshot", source="s.csv")
    change = apply_list(
        wh,
        SNAPSHOT.head(1),
        run_date=D2,
        mode="snapshot",
        source="all.csv",
        snapshot_is_complete=True,
    )
    assert change == ListChange(added=0, changed=0, removed=2, unchanged=1)
    columns = ("entry_id", "removal_reason", "removed_on")
    gone = entries_as_of(wh, D2, columns, status="removed").sort("entry_id")
    assert gone["entry_id"].to_list() == ["E2", "E3"]
    assert set(gone["removal_reason"]) == {ABSENT_FROM_SNAPSHOT}
    assert set(gone["removed_on"]) == {D2}


def test_removed_entry_can_be_listed_again(wh: Warehouse) -> None:
    apply_list(wh, SNAPSHOT, run_date=D1, mode="snapshot", source="s.csv")
    apply_list(
        wh,
        entries({"entry_id": "E1", "status": "removed"}),
        run_date=D2,
        mode="delta",
        source="d2.csv",
    )
    back = apply_list(wh, SNAPSHOT.head(1), run_date=D3, mode="delta", source="d3.csv")
    assert back.added == 1
    assert status_of(wh, D3)["E1"] == "active"
    assert entry_history(wh, "E1")["status"].to_list() == ["active", "removed", "active"]


def test_duplicate_entry_in_one_file_keeps_the_last_row(wh: Warehouse) -> None:
    twice = entries({"entry_id": "E1", "name": "张伟"}, {"entry_id": "E1", "name": "張偉"})
    assert apply_list(wh, twice, run_date=D1, mode="snapshot", source="s.csv").added == 1
    assert current_entries(wh, D1)["name"].to_list() == ["張偉"]
