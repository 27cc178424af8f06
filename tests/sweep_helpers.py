"""One hotel sweep of a generated world through the real CLI, as the loop tests run it."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipelines.cli.app import app
from pipelines.synth import generate


def cli_sweep(world: Path, out: Path, night: str, warehouse: Path, review_db: Path) -> Path:
    """`credsweep sweep` of the world's hotel file against its snapshot + delta; the out folder."""
    args = ["sweep", "--agency", "hotel_booking"]
    for name in ("snapshot", "delta_001"):
        args += ["--list", str(world / "lists" / f"{name}.csv")]
    args += ["--input", str(world / "agencies/hotel_booking.csv"), "--out", str(out)]
    args += ["--run-date", night, "--warehouse", str(warehouse), "--review-db", str(review_db)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return out


def hit_rows(out: Path) -> list[dict[str, str]]:
    with (out / "hits.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def generated_world(factory: pytest.TempPathFactory, **options: Any) -> Path:
    """A world of `pipelines.synth.generate(out, **options)` in a fresh temporary folder."""
    out = factory.mktemp("world")
    generate(out, **options)
    return out
