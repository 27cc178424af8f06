"""A night is published whole or not at all, and a crash anywhere is repaired by a rerun.

The sweep runs as a real subprocess (`python -m pipelines.cli.app sweep`). Unusable destinations
stop it before any work with one line; a sweep killed (`os._exit`, via CREDSWEEP_KILL_AT) at
each named stage and then rerun leaves exactly the files and warehouse rows of a clean run, with
no staging folder or temp file behind and nothing published for a run the warehouse lacks.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.runtime.faults import KILL_ENV, KILLED_EXIT
from tests.sweep_helpers import generated_world

NIGHT = "2026-11-20"
KILL_POINTS = ("after_lists", "after_alerts", "before_record", "mid_publish")
TABLES = {
    "list_entries": "entry_id, version, status, valid_from_run, valid_to_run",
    "list_loads": "run_date, source, added, changed, removed, unchanged",
    "hits": "agency, run_date, record_id, role, entry_id, match_score, intercept",
    "alerts": "alert_id, status, first_run, last_run, deadline, withdrawn_run",
    "quarantine": "*",
    "runs": "run_id, agency, run_date",
}
VOLATILE = {"duration_s", "stage_s", "peak_rss_mb", "peak_rss_after_stage_mb", "reports"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_world(tmp_path_factory, size=150, seed=3)


def _sweep(
    world: Path, out: Path, wh: Path, kill: str | None = None
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != KILL_ENV}
    if kill:
        env[KILL_ENV] = kill
    args = [
        sys.executable, "-m", "pipelines.cli.app", "sweep", "--agency", "hotel_booking",
        "--list", str(next((world / "lists").glob("snapshot.*"))),
        "--list", str(next((world / "lists").glob("delta_001.*"))),
        "--input", str(next((world / "agencies").glob("hotel_booking.*"))),
        "--out", str(out), "--warehouse", str(wh), "--run-date", NIGHT,
    ]  # fmt: skip
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)


def _files(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != "summary.json"
    }


def _summary(out: Path) -> dict:
    data = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if k not in VOLATILE}


def _rows(wh: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(wh), read_only=True) as con:
        return {
            t: con.execute(f"SELECT {cols} FROM {t} ORDER BY ALL").fetchall()
            for t, cols in TABLES.items()
        }


def _orphans(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.name.startswith(".staging") or p.suffix == ".tmp"]


@pytest.fixture(scope="module")
def clean(world: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("clean")
    done = _sweep(world, root / "out", root / "wh.duckdb")
    assert done.returncode == 0, done.stderr
    return root / "out", root / "wh.duckdb"


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_killed_sweep_rerun_equals_a_clean_run(
    world: Path, clean: tuple[Path, Path], tmp_path: Path, point: str
) -> None:
    out, wh = tmp_path / "out", tmp_path / "wh.duckdb"
    killed = _sweep(world, out, wh, kill=point)
    assert killed.returncode == KILLED_EXIT, killed.stderr
    runs = _rows(wh)["runs"] if wh.exists() else []
    if not runs:  # the warehouse does not know the run: nothing of it may be published
        assert not (out / "summary.json").exists() and not (out / "hits.csv").exists()
        assert not (out / "outbox" / "hotel_booking").exists()
    rerun = _sweep(world, out, wh)
    assert rerun.returncode == 0, rerun.stderr
    assert _files(out) == _files(clean[0])
    assert _summary(out) == _summary(clean[0])
    assert _rows(wh) == _rows(clean[1])
    assert _orphans(out) == []


def test_published_files_are_0644_and_leftovers_are_cleaned(
    world: Path, clean: tuple[Path, Path], tmp_path: Path
) -> None:
    out, wh = tmp_path / "out", tmp_path / "wh.duckdb"
    folder = out / "outbox" / "hotel_booking" / NIGHT
    folder.mkdir(parents=True)
    stray = folder / ".hits.xlsx.abc123.tmp"
    stray.write_bytes(b"half a file")
    (out / f".staging-hotel_booking-{NIGHT}").mkdir()
    assert _sweep(world, out, wh).returncode == 0
    assert _orphans(out) == []
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) >= 8
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o644}


@pytest.mark.parametrize(
    ("target", "option", "needle"),
    [
        ("file", "--out", "is a file, not a folder"),
        ("proc", "--out", "cannot write there"),
        ("notduck", "--warehouse", "not a DuckDB database file"),
        ("folder", "--warehouse", "is a folder"),
    ],
)
def test_unusable_destinations_stop_before_any_work(
    world: Path, tmp_path: Path, target: str, option: str, needle: str
) -> None:
    out, wh = tmp_path / "out", tmp_path / "wh.duckdb"
    bad = {
        "file": tmp_path / "a_file",
        "proc": Path("/proc/credsweep-out"),
        "notduck": tmp_path / "notes.duckdb",
        "folder": tmp_path,
    }[target]
    if target in ("file", "notduck"):
        bad.write_text("not a folder, not a database\n")
    result = _sweep(
        world, bad if option == "--out" else out, bad if option == "--warehouse" else wh
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and option in lines[0], result.stderr
    assert "Traceback" not in result.stderr and "INFO" not in result.stderr
    assert not wh.exists() or option == "--warehouse"
    assert not (out / "hits.csv").exists()
    if target == "notduck":
        assert bad.read_text() == "not a folder, not a database\n"
