"""Reading the capacity inputs: list files, welfare, asset inquiry and sweep hits (I/O edge).

Every source goes through the same reader and data contract as the nightly sweep, so a file the
sweep refuses is refused here too, with the same one-line reason.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Literal

import polars as pl

from data_contracts.config import ContractSettings
from pipelines.errors import InputError
from pipelines.storage.cellsafe import restore_frame

from .features import CONSUMPTION_SCHEMA

log = logging.getLogger("credsweep.capacity")
_DETAIL_DATES = ("check_in", "enrolled_on", "applied_on", "registered_on", "event_date")


def read_clean(
    path: Path,
    dataset: str,
    *,
    run_id: str,
    settings: ContractSettings,
    side: Literal["agency", "list"] = "agency",
) -> pl.DataFrame:
    """Read one source file and run its data contract; return the clean rows.

    `side="list"` for court list files: their IDs are masked by law, which the agency side refuses.
    """
    from data_contracts import validate
    from pipelines.ingest import read_dataset

    if not path.is_file():
        raise InputError(f"{dataset}: file not found: {path}")
    raw = read_dataset(path, dataset)
    result = validate(dataset, raw, run_id=run_id, settings=settings, side=side)
    if result.quarantine.height:
        log.warning("%s: %d of %d rows quarantined", dataset, result.quarantine.height, raw.height)
    return result.clean


def _hit_files(dirs: Sequence[Path]) -> list[Path]:
    files = []
    for d in dirs:
        f = d / "hits.csv" if d.is_dir() else d
        if not f.is_file():
            raise InputError(f"--hits: no hits.csv in {d}")
        files.append(f)
    return files


def _run_date(hits_file: Path) -> date | None:
    """The sweep's run date from its summary.json: the date of hits that carry no date."""
    summary = hits_file.with_name("summary.json")
    try:
        return date.fromisoformat(json.loads(summary.read_text(encoding="utf-8"))["run_date"])
    except (OSError, KeyError, ValueError, TypeError):
        return None


def sweep_run_dates(dirs: Sequence[Path]) -> list[date]:
    """The run dates of the sweeps whose hits are read (from their summary.json)."""
    found = (_run_date(f) for f in _hit_files(dirs))
    return [d for d in found if d is not None]


def _as_date(col: str) -> pl.Expr:
    return pl.col(col).str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)


def _details(hits: pl.DataFrame, hits_file: Path, settings: ContractSettings) -> pl.DataFrame:
    """Join the agency records a sweep read (summary.json `input`) when hits.csv lacks details."""
    if any(c in hits.columns for c in ("hotel_star", "annual_fee", "amount")):
        return hits
    try:
        summary = json.loads(hits_file.with_name("summary.json").read_text(encoding="utf-8"))
        source, agency = Path(summary["input"]), str(summary["agency"])
    except (OSError, KeyError, ValueError, TypeError):
        return hits
    if not source.is_file():
        return hits
    records = read_clean(source, agency, run_id=f"capacity-{agency}", settings=settings)
    wanted = [
        c
        for c in (
            "record_id",
            "hotel_star",
            "room_rate",
            "school_type",
            "annual_fee",
            "amount",
            *_DETAIL_DATES,
        )
        if c in records.columns
    ]
    as_text = records.select(wanted).with_columns(pl.all().cast(pl.String))
    return hits.join(as_text, on="record_id", how="left")


def read_consumption(dirs: Sequence[Path], settings: ContractSettings) -> pl.DataFrame:
    """Confirmed sweep hits as consumption events keyed by entry_id (CONSUMPTION_SCHEMA).

    Only `match` decisions count: a `review` pair is not yet known to be the debtor. Details the
    hits file lacks stay null, except that an intercepted hotel hit is a star-rated stay and an
    intercepted school hit a high-fee private school, because that is what the rules require.
    """
    frames = []
    for f in _hit_files(dirs):
        try:
            hits = restore_frame(pl.read_csv(f, infer_schema=False))  # undo formula guards
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise InputError(f"--hits: cannot read {f}: {str(exc).splitlines()[0]}") from None
        missing = {"agency", "record_id", "entry_id", "match_decision"} - set(hits.columns)
        if missing:
            raise InputError(f"--hits: {f} lacks column(s) {', '.join(sorted(missing))}")
        hits = _details(hits.filter(pl.col("match_decision") == "match"), f, settings)
        frames.append(_events(hits, _run_date(f)))
    if not frames:
        return pl.DataFrame(schema=CONSUMPTION_SCHEMA)
    return pl.concat(frames, how="vertical").unique(["entry_id", "agency", "record_id"])


def _events(hits: pl.DataFrame, run_date: date | None) -> pl.DataFrame:
    def col(name: str) -> pl.Expr:
        return pl.col(name) if name in hits.columns else pl.lit(None, pl.String)

    dates = [_as_date(c) for c in _DETAIL_DATES if c in hits.columns]
    intercept = col("intercept").str.to_lowercase() == "true"
    hotel = pl.col("agency") == "hotel_booking"
    school = pl.col("agency") == "school_enrollment"
    star = col("hotel_star").cast(pl.Int64, strict=False)
    event = pl.coalesce([*dates, pl.lit(run_date, pl.Date)])
    if run_date is not None:
        # An enrolment for the coming term is dated in the future; it was known on the sweep's
        # night, so that is its date for the consumption window (never later than the sweep).
        event = pl.min_horizontal(event, pl.lit(run_date, pl.Date))
    return hits.select(
        "entry_id",
        "agency",
        "record_id",
        event.alias("event_date"),
        pl.when(star.is_null() & hotel & intercept)
        .then(1)
        .otherwise(star)
        .cast(pl.Int64)
        .alias("hotel_star"),
        col("room_rate").cast(pl.Float64, strict=False).alias("room_rate"),
        pl.coalesce(
            [col("school_type"), pl.when(school & intercept).then(pl.lit("private"))]
        ).alias("school_type"),
        col("annual_fee").cast(pl.Float64, strict=False).alias("annual_fee"),
        col("amount").cast(pl.Float64, strict=False).alias("amount"),
    ).with_columns(pl.col("school_type").replace({"民办": "private", "公办": "public"}))
