"""Where the desk's list comes from: the warehouse under the home folder, or given list files.

The list version names the warehouse's list loads (how many, the latest run date, a digest of
their content hashes), so a new snapshot or delta applied by the list ingest is a new version
and the desk indexes it at its next poll.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from matching.calibrate import ThresholdRule
from matching.model import MatchModel
from pipelines.screen.index import ListIndex, build_index
from pipelines.settings import Settings
from pipelines.storage.warehouse import Warehouse


def list_version(wh: Warehouse) -> str:
    """`<latest run date>#<loads>-<digest>` of the list loads; `empty` before any load."""
    loads = wh.query("SELECT run_date, source, content_hash FROM list_loads")
    if loads.is_empty():
        return "empty"
    rows = sorted(loads.iter_rows())
    digest = hashlib.sha256("|".join(map(str, rows)).encode()).hexdigest()[:10]
    return f"{rows[-1][0]}#{len(rows)}-{digest}"


@dataclass
class ListSource:
    """The warehouse the desk reads its list from and writes its alerts to."""

    warehouse: Warehouse
    settings: Settings
    review_db: Path | None
    run_date: date | None = None
    """Fixed screening date (tests, benchmarks, replays); None: today's date."""

    def today(self) -> date:
        return self.run_date or date.today()

    def version(self) -> str:
        return list_version(self.warehouse)

    def threshold_rule(self) -> ThresholdRule:
        """The rule a sweep would resolve its cut-offs with (settings plus analyst labels)."""
        from pipelines.review.feedback import sweep_matching

        return sweep_matching(self.settings, self.review_db)[1]

    def entries(self, as_of: date) -> pl.DataFrame:
        """Every list entry as it stood on `as_of` (read from the warehouse)."""
        from pipelines.ingest.listing import current_entries

        return current_entries(self.warehouse, as_of=as_of)

    def matching(self) -> tuple[MatchModel, ThresholdRule]:
        """The sweep's model (refined by analyst labels) and threshold rule."""
        from pipelines.review.feedback import sweep_matching

        model, rule, _ = sweep_matching(self.settings, self.review_db)
        return model, rule

    def build(self, version: str, as_of: date) -> ListIndex:
        """The index of the list as it stands on `as_of`, with the sweep's model and rule."""
        return self.index_of(version, as_of, self.entries(as_of), *self.matching())

    @staticmethod
    def index_of(
        version: str, as_of: date, entries: pl.DataFrame, model: MatchModel, rule: ThresholdRule
    ) -> ListIndex:
        """Index `entries` (no store is read: the caller read them)."""
        return build_index(entries, version=version, as_of=as_of, model=model, rule=rule)


def embedded_source(
    lists: Sequence[Path], settings: Settings, review_db: Path | None, run_date: date | None
) -> ListSource:
    """A fresh in-memory warehouse holding `lists` (snapshot first, then deltas)."""
    from pipelines.ingest.sources import load_list_files

    wh = Warehouse(":memory:")
    wh.migrate()
    load_list_files(wh, lists, run_date or date.today(), settings)
    return ListSource(wh, settings, review_db, run_date)
