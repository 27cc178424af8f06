"""The sweep's sources: each file read and checked by its data contract; lists versioned.

Rows a contract rejects are tallied per dataset, so that a summary can show
in = processed + quarantined and quarantine.csv can list every rejected row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from pipelines.runtime.stage_clock import StageClock
from pipelines.settings import Settings

if TYPE_CHECKING:  # both import heavy modules (GE side, DuckDB) that the sweep loads lazily
    from data_contracts.checks import Side
    from pipelines.storage.warehouse import Warehouse

QUARANTINE_COLUMNS = ("dataset", "source", "row", "record_key", "reason")


@dataclass
class Tally:
    """Row counts per dataset, so that in = processed + quarantined can be shown."""

    rows_in: dict[str, int] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)
    frames: list[pl.DataFrame] = field(default_factory=list)

    def add(self, dataset: str, rows: int, quarantine: pl.DataFrame) -> None:
        self.rows_in[dataset] = self.rows_in.get(dataset, 0) + rows
        self.quarantined[dataset] = self.quarantined.get(dataset, 0) + quarantine.height
        self.frames.append(quarantine.select(QUARANTINE_COLUMNS).cast(pl.String))

    def quarantine(self) -> pl.DataFrame:
        if not self.frames:
            return pl.DataFrame(schema={c: pl.String for c in QUARANTINE_COLUMNS})
        return pl.concat(self.frames)


def checked_source(
    dataset: str,
    path: Path,
    side: Side,
    settings: Settings,
    run_date: date,
    docs_dir: Path | None,
    tally: Tally,
    clock: StageClock | None = None,
) -> pl.DataFrame:
    """Read one source file and run its data contract; return the clean rows."""
    from data_contracts import validate
    from pipelines.ingest import read_dataset

    clock = clock or StageClock()
    with clock.stage(f"read_{side}"):
        raw = read_dataset(path, dataset)
    with clock.stage(f"contract_{side}"):
        result = validate(
            dataset,
            raw,
            run_id=f"{dataset}-{run_date.isoformat()}",
            settings=settings.contracts,
            docs_dir=docs_dir,
            side=side,
            run_date=run_date,
        )
    rows = raw.height
    del raw  # the clean frame is a filtered copy; the raw text need not outlive the contract
    tally.add(dataset, rows, result.quarantine)
    return result.clean


def check_list_files(
    paths: Sequence[Path],
    run_date: date,
    settings: Settings,
    docs_dir: Path | None = None,
    tally: Tally | None = None,
    clock: StageClock | None = None,
) -> list[pl.DataFrame]:
    """Read and contract-check every list file, touching no store (a refusal changes nothing)."""
    tally = tally if tally is not None else Tally()
    return [
        checked_source("dishonest_list", p, "list", settings, run_date, docs_dir, tally, clock)
        for p in paths
    ]


def apply_list_frames(
    wh: Warehouse,
    frames: Sequence[pl.DataFrame],
    paths: Sequence[Path],
    run_date: date,
    clock: StageClock | None = None,
) -> dict[str, int]:
    """Apply checked list files to the versioned list: the first as snapshot, then deltas."""
    from pipelines.ingest.listing import apply_list

    clock = clock or StageClock()
    changes: dict[str, int] = dict.fromkeys(
        ("added", "changed", "removed", "unchanged", "unknown_removals"), 0
    )
    for i, (clean, path) in enumerate(zip(frames, paths, strict=True)):
        with clock.stage("listing"):
            change = apply_list(
                wh,
                clean,
                run_date=run_date,
                mode="snapshot" if i == 0 else "delta",
                source=path.name,
            )
        for key in changes:
            changes[key] += int(getattr(change, key))
    return changes


def loaded_after(wh: Warehouse, run_date: date) -> bool:
    """Whether the store already holds list loads of a later night (this run is a backfill).

    The stored list history only moves forward; an earlier night's files are versioned in a
    scratch store of their own, which gives that night's answer without rewriting later history.
    """
    later = wh.query("SELECT count(*) AS n FROM list_loads WHERE run_date > ?", [run_date])
    return bool(later["n"][0])


def load_list_files(
    wh: Warehouse,
    paths: Sequence[Path],
    run_date: date,
    settings: Settings,
    docs_dir: Path | None = None,
    tally: Tally | None = None,
    clock: StageClock | None = None,
) -> tuple[dict[str, int], Tally]:
    """Check every list file, then apply the snapshot and each delta in order."""
    tally = tally or Tally()
    frames = check_list_files(paths, run_date, settings, docs_dir, tally, clock)
    return apply_list_frames(wh, frames, paths, run_date, clock), tally
