"""`--engine spark` writes the same hits.csv as the local engine, byte for byte (Spark local[2])."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli.app import app
from tests.sweep_helpers import generated_world

RUN_DATE = "2026-11-20"
AGENCIES = ("hotel_booking", "school_enrollment")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_world(tmp_path_factory, size=1200, seed=13)


@pytest.fixture(scope="module")
def spark_session():
    """One Spark session for the module: the sweeps find it and reuse it."""
    from pipelines.sweep.spark_engine import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()


def _sweep(world: Path, agency: str, out: Path, *extra: str) -> dict:
    files = sorted((world / "lists").iterdir())
    snap = [p for p in files if p.stem.startswith("snapshot")]
    args = ["sweep", "--agency", agency, "--out", str(out), "--run-date", RUN_DATE]
    args += ["--input", str(next((world / "agencies").glob(f"{agency}.*"))), *extra]
    for path in snap + [p for p in files if p not in snap]:
        args += ["--list", str(path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("agency", AGENCIES)
def test_spark_engine_writes_the_local_hits(
    world: Path, tmp_path: Path, spark_session, agency: str
) -> None:
    local = _sweep(world, agency, tmp_path / "local")
    spark = _sweep(world, agency, tmp_path / "spark", "--engine", "spark")
    assert local["matches"] > 0
    hits = (tmp_path / "local" / "hits.csv").read_bytes()
    assert (tmp_path / "spark" / "hits.csv").read_bytes() == hits
    assert spark["match_stats"] == local["match_stats"]
    # the scoring really ran on the module's Spark session (jobs were submitted to it)
    assert spark_session.sparkContext.statusTracker().getJobIdsForGroup() != []


def test_engine_setting_is_checked(world: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "sweep",
            "--agency",
            "hotel_booking",
            "--input",
            str(next((world / "agencies").glob("hotel_booking.*"))),
            "--list",
            str(sorted((world / "lists").iterdir())[0]),
            "--out",
            str(tmp_path / "x"),
            "--engine",
            "dask",
        ],
    )
    assert result.exit_code != 0
    assert "--engine must be local or spark" in result.output
    assert "Traceback" not in result.output
