"""Court list deltas, backfills and refused runs, end to end on generated data.

Removals are published as the entry id alone; removing an entry never listed is reported, not
counted; an earlier night run on a used warehouse gives that night's answer; a refused run leaves
the warehouse as it was.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from data_contracts import validate
from pipelines.errors import ContractError
from pipelines.ingest import read_dataset
from pipelines.ingest.listing import apply_list, current_entries
from pipelines.settings import default_settings
from pipelines.storage.warehouse import Warehouse
from pipelines.sweep.run import SweepRequest, run_sweep
from tests.sweep_helpers import generated_world

NIGHT1, NIGHT2 = date(2026, 11, 20), date(2026, 11, 23)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_world(tmp_path_factory, size=300, seed=5)


def _lists(root: Path) -> list[Path]:
    return [root / "lists" / "snapshot.parquet", root / "lists" / "delta_001.jsonl"]


def _sweep(
    root: Path, out: Path, night: date, warehouse: Path | None, extra: list[Path] = ()
) -> dict:
    req = SweepRequest(
        agency="hotel_booking",
        lists=[*_lists(root), *extra],
        input=root / "agencies" / "hotel_booking.csv",
        out=out,
        run_date=night,
        settings=default_settings(),
        warehouse=warehouse,
    )
    return run_sweep(req).summary


def _hits(out: Path) -> list[dict[str, str]]:
    with (out / "hits.csv").open(encoding="utf-8") as fh:
        return sorted(csv.DictReader(fh), key=lambda r: (r["record_id"], r["role"], r["entry_id"]))


def _removal_delta(path: Path, entry_ids: list[str]) -> Path:
    """A delta as courts publish removals: 名单编号 and 状态 only."""
    lines = ["名单编号,状态", *(f"{e},撤销" for e in entry_ids)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_removal_rows_with_only_the_entry_id_pass_the_contract(tmp_path: Path) -> None:
    raw = read_dataset(_removal_delta(tmp_path / "d.csv", ["E1", "E2"]), "dishonest_list")
    res = validate(
        "dishonest_list", raw, run_id="l-2026-11-20", settings=default_settings().contracts
    )
    assert res.clean.height == 2 and res.quarantine.height == 0
    assert res.clean["status"].to_list() == ["removed", "removed"]


def test_an_active_row_still_needs_its_name_and_party_type(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("名单编号,状态,被执行人姓名\nE1,有效,\nE2,撤销,\nE3,有效,张伟\n", "utf-8")
    raw = read_dataset(path, "dishonest_list")
    res = validate(
        "dishonest_list", raw, run_id="l-2026-11-20", settings=default_settings().contracts
    )
    assert res.quarantine["row"].to_list() == [1, 3]  # E3 lacks party_type; E2 is a removal
    assert res.clean["entry_id"].to_list() == ["E2"]


def test_removing_a_never_listed_entry_is_reported_not_counted() -> None:
    wh = Warehouse(":memory:")
    wh.migrate()
    snap = pl.DataFrame(
        {"entry_id": ["E1"], "party_type": ["person"], "name": ["张伟"], "_row": [1]}
    )
    apply_list(wh, snap, run_date=NIGHT1, mode="snapshot", source="s.csv")
    delta = pl.DataFrame({"entry_id": ["E1", "E404"], "status": ["removed", "removed"]})
    change = apply_list(wh, delta, run_date=NIGHT2, mode="delta", source="d.csv")
    assert (change.removed, change.unknown_removals) == (1, 1)
    stored = wh.query("SELECT entry_id FROM list_entries ORDER BY entry_id")["entry_id"].to_list()
    assert stored == ["E1", "E1"]  # E404 never enters the list
    again = apply_list(wh, delta, run_date=NIGHT2, mode="delta", source="d.csv")
    assert again.replayed and again.unknown_removals == 1
    removed = current_entries(wh, NIGHT2).filter(pl.col("entry_id") == "E1")["status"]
    assert removed.to_list() == ["removed"]


def test_removal_by_entry_id_stops_interception(world: Path, tmp_path: Path) -> None:
    before = _sweep(world, tmp_path / "a", NIGHT1, tmp_path / "wh.duckdb")
    hit_entries = sorted({h["entry_id"] for h in _hits(tmp_path / "a") if h["intercept"] == "true"})
    assert before["intercepts"] > 0 and hit_entries
    delta = _removal_delta(tmp_path / "removals.csv", [*hit_entries, "DL_NEVER_LISTED"])
    after = _sweep(world, tmp_path / "b", NIGHT2, tmp_path / "wh.duckdb", [delta])
    assert after["intercepts"] == 0
    assert not [h for h in _hits(tmp_path / "b") if h["intercept"] == "true"]
    assert after["list_changes"]["unknown_removals"] == 1
    assert after["records_quarantined"] == before["records_quarantined"]  # no removal row lost


def _list_rows(path: Path) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "SELECT entry_id, version, status, valid_from_run, valid_to_run FROM list_entries"
            " ORDER BY ALL"
        ).fetchall()


def test_backfill_of_an_earlier_night_gives_that_nights_answer(world: Path, tmp_path: Path) -> None:
    fresh = _sweep(world, tmp_path / "fresh", NIGHT1, None)
    wh = tmp_path / "wh.duckdb"
    later = _removal_delta(tmp_path / "removals.csv", ["DL00000001", "DL00000002"])
    _sweep(world, tmp_path / "n2", NIGHT2, wh, [later])
    stored = _list_rows(wh)
    back = _sweep(world, tmp_path / "n1", NIGHT1, wh)
    assert back["list_backfill"] is True
    assert _hits(tmp_path / "n1") == _hits(tmp_path / "fresh")
    assert back["intercepts"] == fresh["intercepts"] > 0
    assert _list_rows(wh) == stored  # later history untouched
    assert all(to is None or to >= frm for *_, frm, to in _list_rows(wh))


def _tables(path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
            for t in ("list_entries", "list_loads", "alerts", "hits", "runs")
        }


def test_a_refused_run_leaves_the_warehouse_as_it_was(world: Path, tmp_path: Path) -> None:
    wh = tmp_path / "wh.duckdb"
    _sweep(world, tmp_path / "n1", NIGHT1, wh)
    before = _tables(wh)
    delta = _removal_delta(tmp_path / "removals.csv", ["DL00000001"])
    bad = tmp_path / "bad_hotel.csv"  # every row breaks the contract: the dataset is refused
    bad.write_text("记录编号,旅客姓名,入住时间\nH1,张伟,不是日期\nH2,王芳,也不是\n", "utf-8")
    req = SweepRequest(
        agency="hotel_booking",
        lists=[*_lists(world), delta],
        input=bad,
        out=tmp_path / "n2",
        run_date=NIGHT2,
        settings=default_settings(),
        warehouse=wh,
    )
    with pytest.raises(ContractError):
        run_sweep(req)
    assert _tables(wh) == before
    assert not (tmp_path / "n2" / "summary.json").exists()
    json.dumps(before, default=str)  # the comparison covered real rows
    assert before["list_entries"] and before["runs"]


def test_new_list_files_for_an_earlier_night_are_refused_not_rewritten() -> None:
    from pipelines.errors import InputError

    wh = Warehouse(":memory:")
    wh.migrate()
    snap = pl.DataFrame({"entry_id": ["E1"], "party_type": ["person"], "name": ["张伟"]})
    apply_list(wh, snap, run_date=NIGHT2, mode="snapshot", source="s.csv")
    with pytest.raises(InputError, match="only moves forward"):
        apply_list(wh, snap, run_date=NIGHT1, mode="snapshot", source="early.csv")
    assert apply_list(wh, snap, run_date=NIGHT2, mode="snapshot", source="s.csv").replayed
    rows = wh.query("SELECT valid_from_run, valid_to_run FROM list_entries").rows()
    assert rows == [(NIGHT2, None)]
