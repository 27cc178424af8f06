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

from pipelines.settings import Settings
from pipelines.stage_clock import StageClock

if TYPE_CHECKING:  # both import heavy modules (GE side, DuckDB) that the sweep loads lazily
    from data_contracts.checks import Side
    from pipelines.warehouse import Warehouse

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


def load_list_files(
    wh: Warehouse,
    paths: Sequence[Path],
    run_date: date,
    settings: Settings,
    docs_dir: Path | None = None,
    tally: Tally | None = None,
    clock: StageClock | None = None,
    *,
    reuse_checked: bool = True,
) -> tuple[dict[str, int], Tally]:
    """Apply the snapshot, then each delta in order, to the versioned list.

    A file this warehouse already checked and applied on this run date (same bytes, see
    `pipelines.list_checks`) is not read again when `reuse_checked`: its remembered row
    counts, rejected rows and changes are reported instead. The list ingest passes False, so
    the night's list is always validated (and its data docs written) there.
    """
    from pipelines.list_checks import CheckedFile, file_key, find_checked, remember_checked
    from pipelines.listing import Mode, apply_list

    tally = tally or Tally()
    clock = clock or StageClock()
    changes: dict[str, int] = {"added": 0, "changed": 0, "removed": 0, "unchanged": 0}
    for i, path in enumerate(paths):
        mode: Mode = "snapshot" if i == 0 else "delta"
        with clock.stage("list_digest"):
            key = file_key(path, mode, run_date, settings)
            known = find_checked(wh, key) if reuse_checked else None
        if known is not None:
            tally.add("dishonest_list", known.rows_in, known.quarantine)
            change = known.change
        else:
            frames, rows = len(tally.frames), tally.rows_in.get("dishonest_list", 0)
            clean = checked_source(
                "dishonest_list", path, "list", settings, run_date, docs_dir, tally, clock
            )
            with clock.stage("listing"):
                change = apply_list(wh, clean, run_date=run_date, mode=mode, source=path.name)
            read = tally.rows_in["dishonest_list"] - rows
            remember_checked(wh, key, CheckedFile(read, tally.frames[frames], change))
        for name in changes:
            changes[name] += int(getattr(change, name))
    return changes, tally
