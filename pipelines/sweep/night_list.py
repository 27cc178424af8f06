"""The sweep's list step: the night's checked list files applied, then the list as of the night.

`credsweep sweep --list ...` carries the night's list files itself; the nightly job applies them
in a task of its own (`pipelines.orchestration.nightly.ingest_lists`) and sweeps with none.
Both end here with the entries in force on the run date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

from pipelines.ingest.sources import ListFile, apply_list_frames, loaded_after
from pipelines.runtime.stage_clock import StageClock

if TYPE_CHECKING:
    from pipelines.storage.warehouse import Warehouse


@dataclass(frozen=True)
class NightList:
    """The list the night is screened against, and what its files changed."""

    entries: pl.DataFrame
    """Current entries as of the run date."""
    changes: dict[str, int]
    """added / changed / removed / unchanged / unknown_removals over the night's files."""
    backfill: bool
    """The store held a later night's list: this night's files went to a scratch store."""


def ingest_lists(
    wh: Warehouse,
    files: Sequence[ListFile],
    run_date: date,
    clock: StageClock | None = None,
) -> NightList:
    """Apply contract-checked list files (snapshot, then deltas) and read the night's entries.

    With no files the night's list is the stored history as of the run date. The stored history
    only moves forward: an earlier night's files are versioned in a scratch store of their own,
    which gives that night's answer without rewriting later history.
    """
    from pipelines.ingest.listing import current_entries
    from pipelines.storage.warehouse import Warehouse

    clock = clock or StageClock()
    backfill = bool(files) and loaded_after(wh, run_date)
    target = Warehouse(":memory:") if backfill else wh
    if backfill:
        target.migrate()
    # a scratch store's loads are not the warehouse's: nothing of them is remembered
    changes = apply_list_frames(target, files, run_date, clock, remember=not backfill)
    with clock.stage("entries"):
        entries = current_entries(target, as_of=run_date)
    return NightList(entries=entries, changes=changes, backfill=backfill)
