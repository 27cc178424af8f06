"""A list file is checked once per version: the night's later sweeps reuse the check exactly."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli.app import app
from pipelines.ingest.listing import list_files
from pipelines.ingest.sources import load_list_files
from pipelines.settings import default_settings
from pipelines.storage.warehouse import Warehouse
from tests.sweep_helpers import generated_world

RUN_DATE = "2026-11-20"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = generated_world(tmp_path_factory, size=800, seed=5, formats="csv")
    # a delta row without an entry id, so the list side has a rejected row to remember
    delta = list_files(out / "lists")[1]
    lines = delta.read_text(encoding="utf-8").splitlines()
    header, first = lines[0].split(","), lines[1].split(",")
    first[header.index("entry_id")] = ""
    delta.write_text("\n".join([*lines, ",".join(first)]) + "\n", encoding="utf-8")
    return out


def _sweep(lists: list[Path], root: Path, agency: str, out: Path, warehouse: Path) -> dict:
    args = ["sweep", "--agency", agency, "--out", str(out), "--run-date", RUN_DATE]
    args += ["--input", str(next((root / "agencies").glob(f"{agency}.*")))]
    args += ["--warehouse", str(warehouse)]
    for path in lists:
        args += ["--list", str(path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def _counts(summary: dict) -> dict:
    keys = ("records_in", "records_quarantined", "by_dataset", "list_changes", "matches")
    return {k: summary[k] for k in keys}


def _same_files(a: Path, b: Path) -> None:
    for name in ("hits.csv", "quarantine.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_second_sweep_of_the_night_reuses_the_checked_list(world: Path, tmp_path: Path) -> None:
    wh = tmp_path / "wh.duckdb"
    lists = list_files(world / "lists")
    first = _sweep(lists, world, "hotel_booking", tmp_path / "a", wh)
    again = _sweep(lists, world, "hotel_booking", tmp_path / "b", wh)
    fresh = _sweep(lists, world, "hotel_booking", tmp_path / "f", tmp_path / "fresh.duckdb")
    assert "contract_list" in first["stage_s"] and "read_list" in first["stage_s"]
    assert "contract_list" not in again["stage_s"] and "read_list" not in again["stage_s"]
    # the reused check reports what a full one does: counts, rejected list rows, the files
    listed = first["by_dataset"]["dishonest_list"]
    assert listed["quarantined"] == 1
    assert listed["in"] == listed["processed"] + listed["quarantined"]
    assert _counts(again) == _counts(first) == _counts(fresh)
    _same_files(tmp_path / "b", tmp_path / "a")
    _same_files(tmp_path / "b", tmp_path / "f")
    # another agency's sweep of the night reuses it too, and writes what a fresh store would
    other = _sweep(lists, world, "school_enrollment", tmp_path / "c", wh)
    alone = _sweep(lists, world, "school_enrollment", tmp_path / "d", tmp_path / "d.duckdb")
    assert "contract_list" not in other["stage_s"]
    assert _counts(other) == _counts(alone)
    _same_files(tmp_path / "c", tmp_path / "d")


def test_changed_bytes_are_checked_again(world: Path, tmp_path: Path) -> None:
    wh = tmp_path / "wh.duckdb"
    lists = list_files(world / "lists")
    _sweep(lists, world, "hotel_booking", tmp_path / "a", wh)
    # same names, other bytes: a new version of the file, so a new check
    edited = tmp_path / "lists"
    edited.mkdir()
    copies = [Path(shutil.copy(p, edited / p.name)) for p in lists]
    # a trailing empty line: new bytes, read as one more (empty, rejected) row
    copies[-1].write_bytes(copies[-1].read_bytes() + b"\n")
    again = _sweep(copies, world, "hotel_booking", tmp_path / "b", wh)
    assert "contract_list" in again["stage_s"]
    assert again["by_dataset"]["dishonest_list"]["quarantined"] == 2
    assert (tmp_path / "b" / "hits.csv").read_bytes() == (tmp_path / "a" / "hits.csv").read_bytes()


def test_list_ingest_always_checks_and_the_sweeps_after_it_reuse(
    world: Path, tmp_path: Path
) -> None:
    settings = default_settings()
    night = date.fromisoformat(RUN_DATE)
    wh = Warehouse(tmp_path / "wh.duckdb")
    wh.migrate()
    lists = list_files(world / "lists")
    load_list_files(wh, lists, night, settings)
    changes, tally = load_list_files(wh, lists, night, settings)  # the ingest rerun: a replay
    assert tally.quarantined["dishonest_list"] == tally.quarantine().height == 1
    swept = _sweep(lists, world, "hotel_booking", tmp_path / "a", tmp_path / "wh.duckdb")
    assert "contract_list" not in swept["stage_s"]
    assert swept["by_dataset"]["dishonest_list"]["in"] == tally.rows_in["dishonest_list"]
    assert {k: swept["list_changes"][k] for k in changes} == changes


def test_a_backfilled_night_checks_its_files(world: Path, tmp_path: Path) -> None:
    wh = tmp_path / "wh.duckdb"
    lists = list_files(world / "lists")
    first = _sweep(lists, world, "hotel_booking", tmp_path / "a", wh)
    # a later night is loaded: this night's files now go to a scratch store, checked in full
    Warehouse(wh).execute(
        "INSERT INTO list_loads (run_date, source, mode, content_hash, snapshot_is_complete,"
        " added, changed, removed, unchanged, unknown_removals)"
        " VALUES ('2026-11-21', 'later.csv', 'delta', 'x', false, 0, 0, 0, 0, 0)"
    )
    again = _sweep(lists, world, "hotel_booking", tmp_path / "b", wh)
    assert "contract_list" in again["stage_s"]
    assert again["by_dataset"] == first["by_dataset"]
    _same_files(tmp_path / "b", tmp_path / "a")
