"""A list file is checked once per version: later sweeps of the night reuse the check."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.settings import default_settings
from pipelines.stage_clock import StageClock
from pipelines.sweep_sources import load_list_files
from pipelines.warehouse import Warehouse

RUN_DATE = "2026-11-20"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipelines.synth import generate

    out = tmp_path_factory.mktemp("world")
    generate(out, size=800, seed=5)
    # one delta row without an entry id, so the list has a rejected row to remember
    delta = sorted((out / "lists").glob("delta_*.jsonl"))[0]
    first = json.loads(delta.read_text(encoding="utf-8").splitlines()[0])
    with delta.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({**first, "entry_id": None}, ensure_ascii=False) + "\n")
    return out


def _lists(root: Path) -> list[Path]:
    files = sorted((root / "lists").iterdir())
    snap = [p for p in files if p.stem.startswith("snapshot")]
    return snap + [p for p in files if p not in snap]


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


def test_second_sweep_reuses_the_checked_list(world: Path, tmp_path: Path) -> None:
    wh = tmp_path / "wh.duckdb"
    lists = _lists(world)
    first = _sweep(lists, world, "hotel_booking", tmp_path / "a", wh)
    again = _sweep(lists, world, "hotel_booking", tmp_path / "b", wh)
    assert "contract_list" in first["stage_s"]
    assert "contract_list" not in again["stage_s"] and "read_list" not in again["stage_s"]
    # the reused check reports what the real one did: same counts, same rejected list rows
    assert _counts(again) == _counts(first)
    assert first["by_dataset"]["dishonest_list"]["quarantined"] > 0
    for name in ("hits.csv", "quarantine.csv"):
        assert (tmp_path / "b" / name).read_bytes() == (tmp_path / "a" / name).read_bytes()
    # another agency's sweep of the night reuses it too, with the same list counts
    other = _sweep(lists, world, "school_enrollment", tmp_path / "c", wh)
    assert "contract_list" not in other["stage_s"]
    assert other["by_dataset"]["dishonest_list"] == first["by_dataset"]["dishonest_list"]


def test_changed_bytes_are_checked_again(world: Path, tmp_path: Path) -> None:
    wh = tmp_path / "wh.duckdb"
    lists = _lists(world)
    _sweep(lists, world, "hotel_booking", tmp_path / "a", wh)
    # same names, other bytes: a new version of the file, so a new check
    edited = tmp_path / "lists"
    edited.mkdir()
    copies = [Path(shutil.copy(p, edited / p.name)) for p in lists]
    last = copies[-1]
    last.write_bytes(last.read_bytes() + b"\n")  # a blank line: new bytes, same rows
    again = _sweep(copies, world, "hotel_booking", tmp_path / "b", wh)
    assert "contract_list" in again["stage_s"]


def test_list_ingest_always_validates(world: Path, tmp_path: Path) -> None:
    settings = default_settings()
    night = date.fromisoformat(RUN_DATE)
    wh = Warehouse(tmp_path / "wh.duckdb")
    wh.migrate()
    load_list_files(wh, _lists(world), night, settings)
    clock = StageClock()
    changes, tally = load_list_files(
        wh, _lists(world), night, settings, clock=clock, reuse_checked=False
    )
    assert "contract_list" in clock.seconds  # checked again, not taken from the store
    assert tally.quarantine().height == tally.quarantined["dishonest_list"] > 0
    reused_clock = StageClock()
    reused, reused_tally = load_list_files(wh, _lists(world), night, settings, clock=reused_clock)
    assert "contract_list" not in reused_clock.seconds
    assert reused == changes
    assert reused_tally.rows_in == tally.rows_in
    assert reused_tally.quarantine().sort("row").equals(tally.quarantine().sort("row"))
