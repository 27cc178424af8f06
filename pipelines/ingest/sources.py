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

if TYPE_CHECKING:  # these import heavy modules (GE side, DuckDB) that the sweep loads lazily
    from data_contracts.checks import Side
    from pipelines.ingest.list_checks import FileKey
    from pipelines.ingest.listing import ListChange
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


@dataclass(frozen=True)
class ListFile:
    """One list file after its check: the clean rows to apply, or a reused earlier check."""

    path: Path
    key: FileKey
    rows_in: int
    quarantine: pl.DataFrame
    clean: pl.DataFrame | None
    """None when the check was reused: the warehouse already applied this very file."""
    reused: ListChange | None = None


def check_list_files(
    paths: Sequence[Path],
    run_date: date,
    settings: Settings,
    docs_dir: Path | None = None,
    tally: Tally | None = None,
    clock: StageClock | None = None,
    *,
    reuse_from: Path | None = None,
) -> list[ListFile]:
    """Read and contract-check every list file, touching no store (a refusal changes nothing).

    With `reuse_from` (a warehouse file), a file that warehouse already checked and applied on
    this run date is not read again: its remembered rows, rejected rows and changes are taken
    (`pipelines.ingest.list_checks`), so the night's list is checked once, not once per agency.
    """
    from pipelines.ingest.list_checks import file_key, find_checked

    tally = tally if tally is not None else Tally()
    clock = clock or StageClock()
    with clock.stage("list_digest"):
        keys = [
            file_key(p, "snapshot" if i == 0 else "delta", run_date, settings)
            for i, p in enumerate(paths)
        ]
        known = find_checked(reuse_from, keys)
    checked = []
    for path, key in zip(paths, keys, strict=True):
        if (memo := known.get(key)) is not None:
            tally.add("dishonest_list", memo.rows_in, memo.quarantine)
            checked.append(ListFile(path, key, memo.rows_in, memo.quarantine, None, memo.change))
            continue
        frames, before = len(tally.frames), tally.rows_in.get("dishonest_list", 0)
        clean = checked_source(
            "dishonest_list", path, "list", settings, run_date, docs_dir, tally, clock
        )
        rows = tally.rows_in["dishonest_list"] - before
        checked.append(ListFile(path, key, rows, tally.frames[frames], clean))
    return checked


def apply_list_frames(
    wh: Warehouse,
    files: Sequence[ListFile],
    run_date: date,
    clock: StageClock | None = None,
    *,
    remember: bool = True,
) -> dict[str, int]:
    """Apply checked list files to the versioned list: the first as snapshot, then deltas.

    A reused check was applied to this warehouse already (applying it again would replay it), so
    its remembered changes are counted. Each file applied is remembered when `remember` (not
    for a scratch store, whose loads the warehouse does not hold).
    """
    from pipelines.ingest.list_checks import RememberedCheck, remember_checked
    from pipelines.ingest.listing import apply_list

    clock = clock or StageClock()
    changes: dict[str, int] = dict.fromkeys(
        ("added", "changed", "removed", "unchanged", "unknown_removals"), 0
    )
    for file in files:
        with clock.stage("listing"):
            if file.clean is None:
                assert file.reused is not None  # a ListFile holds one or the other
                change = file.reused
            else:
                change = apply_list(
                    wh, file.clean, run_date=run_date, mode=file.key.mode, source=file.path.name
                )
                if remember:
                    check = RememberedCheck(file.rows_in, file.quarantine, change)
                    remember_checked(wh, file.key, check)
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
    """Check every list file, then apply the snapshot and each delta in order.

    Always a full check (the list ingest is where the night's list is validated); the checks are
    remembered, so the night's sweeps given the same files reuse them.
    """
    tally = tally or Tally()
    files = check_list_files(paths, run_date, settings, docs_dir, tally, clock)
    return apply_list_frames(wh, files, run_date, clock), tally
