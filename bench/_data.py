"""Benchmark inputs loaded the way `credsweep sweep` loads them (shared by bench scripts).

The list goes through its data contract and the versioned warehouse (snapshot, then each delta
in order) and only the entries current and active on the run date are kept; agency records go
through their contract too. Benchmarks built on the snapshot alone would screen entries that the
delta removed and miss the entries it added.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import polars as pl

from pipelines.settings import Settings, default_settings
from pipelines.synth import generate

AS_OF = date(2025, 6, 30)
"""The synthetic world's own night (`pipelines.synth.lists.REF_DATE`): no date shifting."""


@dataclass(frozen=True)
class Inputs:
    """Contract-checked agency records and the current active list entries."""

    records: pl.DataFrame
    entries: pl.DataFrame
    truth: pl.DataFrame


def data_dir(root: Path, size: int, seed: int = 7) -> Path:
    """Where the parquet world of `size` list entries and records lives (gitignored)."""
    return root / "bench" / ".data" / f"parquet_s{size}_seed{seed}"


def ensure_generated(out: Path, size: int, seed: int = 7, as_of: date = AS_OF) -> Path:
    """Generate the world into `out` unless its manifest is already there."""
    if not (out / "manifest.json").exists():
        generate(out, size, seed, formats="parquet", as_of=as_of)
    return out


def list_files(out: Path) -> list[Path]:
    """Snapshot first, then deltas in name order (the order the sweep applies them)."""
    snapshot = sorted(out.glob("lists/snapshot.*"))
    deltas = sorted(out.glob("lists/delta_*.*"))
    if not snapshot:
        raise FileNotFoundError(f"no list snapshot under {out / 'lists'}")
    return [*snapshot, *deltas]


def _checked(
    dataset: str, path: Path, side: Literal["agency", "list"], settings: Settings, as_of: date
) -> pl.DataFrame:
    from data_contracts import validate
    from pipelines.ingest import read_dataset

    raw = read_dataset(path, dataset)
    result = validate(
        dataset,
        raw,
        run_id=f"bench-{dataset}-{as_of.isoformat()}",
        settings=settings.contracts,
        side=side,
        run_date=as_of,
    )
    return result.clean


def current_active_entries(out: Path, as_of: date, settings: Settings) -> pl.DataFrame:
    """Replay snapshot + deltas through the versioned list; entries active on `as_of`."""
    return active_entries(list_files(out), as_of, settings)


def active_entries(paths: list[Path], as_of: date, settings: Settings) -> pl.DataFrame:
    """List files (snapshot first, deltas in order) through contracts and the versioned list."""
    from pipelines.ingest.listing import current_entries
    from pipelines.ingest.sources import load_list_files
    from pipelines.storage.warehouse import Warehouse

    wh = Warehouse(":memory:")
    wh.migrate()
    load_list_files(wh, paths, as_of, settings)
    entries = current_entries(wh, as_of=as_of)
    return entries.filter(pl.col("status").fill_null("active") == "active")


def agency_records(out: Path, agency: str, as_of: date, settings: Settings) -> pl.DataFrame:
    """The agency file through its data contract (quarantined rows dropped, as in the sweep)."""
    path = next(iter(sorted(out.glob(f"agencies/{agency}.*"))), None)
    if path is None:
        raise FileNotFoundError(f"no {agency} file under {out / 'agencies'}")
    return _checked(agency, path, "agency", settings, as_of)


def load_inputs(
    out: Path, agency: str, as_of: date = AS_OF, settings: Settings | None = None
) -> Inputs:
    """Records, current active entries and the generator's truth for one agency."""
    settings = settings or default_settings()
    truth = pl.read_parquet(out / "truth" / "matches.parquet").filter(pl.col("agency") == agency)
    return Inputs(
        records=agency_records(out, agency, as_of, settings),
        entries=current_active_entries(out, as_of, settings),
        truth=truth,
    )
