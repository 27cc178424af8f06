"""`credsweep capacity` end to end: read, assess, write capacity.csv, court reports and summary."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from pipelines.errors import InputError
from pipelines.settings import Settings, default_settings

from .assess import OUTPUT_COLUMNS, assess
from .entries import active_entries
from .inputs import read_clean, read_consumption, sweep_run_dates
from .model import load_model

log = logging.getLogger("credsweep.capacity")
# capacity.csv carries every output column but the internal term list the HTML report counts
CSV_COLUMNS = tuple(c for c in OUTPUT_COLUMNS if c != "evidence_terms")


@dataclass(frozen=True)
class CapacityRequest:
    """Everything one capacity run needs; paths resolved by the caller."""

    lists: Sequence[Path]
    welfare: Path
    assets: Path
    out: Path
    hits: Sequence[Path] = ()
    as_of: date | None = None
    model: Path | None = None
    reports: bool = True


def parse_as_of(text: str | None) -> date | None:
    """`--as-of` as a date, with a one-line error when malformed."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--as-of must be a date YYYY-MM-DD, got {text!r}") from None


def default_as_of(*frames: tuple[pl.DataFrame, Sequence[str]]) -> date:
    """The latest date found in the inputs: reruns on the same files give the same answer.

    Never "today": a rerun next month must reproduce this run's classes.
    """
    seen: list[date] = []
    for frame, cols in frames:
        for c in cols:
            if c in frame.columns and frame[c].dtype == pl.Date:
                value = frame[c].max()
                if isinstance(value, date):
                    seen.append(value)
    if not seen:
        raise InputError("cannot tell the as-of date from the inputs; pass --as-of YYYY-MM-DD")
    return max(seen)


def night_of(run_dates: Sequence[date], latest_data: date, window_days: int) -> date:
    """The date to score at: the sweeps' run date, so the night's hits fall inside the window.

    Without sweeps, the latest date in the inputs. A sweep run ad hoc over files that stop more
    than a consumption window earlier (a past night replayed today: its run date is the day it
    was typed) is scored as of the files' last date, else none of its hits would count.
    """
    if not run_dates:
        return latest_data
    night = max(run_dates)
    if (night - latest_data).days > window_days:
        log.warning(
            "sweep run date %s is more than %d days after the latest input date %s; "
            "scoring as of %s",
            night,
            window_days,
            latest_data,
            latest_data,
        )
        return latest_data
    return night


def run_capacity(req: CapacityRequest, settings: Settings | None = None) -> dict:
    """Score every active listed debtor and write the outputs; return the run summary.

    `settings` supplies the data-contract limits and the match thresholds (default: packaged).
    """
    started = time.perf_counter()
    run_settings = settings or default_settings()
    contracts = run_settings.contracts
    if not req.lists:
        raise InputError("at least one --list file is needed")
    model = load_model(req.model)
    versions = [
        read_clean(
            p, "dishonest_list", run_id=f"capacity-list-{i}", settings=contracts, side="list"
        )
        for i, p in enumerate(req.lists)
    ]
    entries = active_entries(versions)
    welfare = read_clean(
        req.welfare, "welfare_status", run_id="capacity-welfare", settings=contracts
    )
    assets = read_clean(req.assets, "asset_inquiry", run_id="capacity-assets", settings=contracts)
    consumption = read_consumption(req.hits, contracts)
    as_of = req.as_of or night_of(
        sweep_run_dates(req.hits),
        default_as_of(
            *[(v, ("published_on", "removed_on", "filed_on")) for v in versions],
            (assets, ("queried_on",)),
            (welfare, ("since",)),
            (consumption, ("event_date",)),
        ),
        model.params.consumption_window_days,
    )
    table, features = assess(
        entries,
        welfare=welfare,
        assets=assets,
        consumption=consumption,
        as_of=as_of,
        model=model,
        match_thresholds=run_settings.thresholds,
    )
    req.out.mkdir(parents=True, exist_ok=True)
    # With a BOM so that Excel, which courts open it with, reads the Chinese text as UTF-8.
    table.select(CSV_COLUMNS).with_columns(pl.col("amount_due_total").round(2)).write_csv(
        req.out / "capacity.csv", include_bom=True
    )
    features.write_parquet(req.out / "capacity_features.parquet")
    reports: list[Path] = []
    if req.reports:
        from .report import write_reports

        reports = write_reports(table, entries, req.out, as_of=as_of, model=model)
    used = _hits_in_window(consumption, as_of, model.params.consumption_window_days)
    summary = _summary(table, as_of, model.version, used, reports, started)
    # Source rows tied to a debtor only by a `review` pair: shown in evidence, never scored.
    summary["records_identity_unconfirmed"] = int(features["unconfirmed_records"].sum())
    (req.out / "capacity_summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    log.info("capacity: %d debtors scored as of %s", table.height, as_of)
    return summary


def _hits_in_window(consumption: pl.DataFrame, as_of: date, window_days: int) -> int:
    """Confirmed hits whose event falls in the consumption window (the ones that count)."""
    start = as_of - timedelta(days=window_days)
    return consumption.filter(pl.col("event_date").is_between(start, as_of)).height


def _summary(
    table: pl.DataFrame,
    as_of: date,
    version: str,
    hits: int,
    reports: Sequence[Path],
    started: float,
) -> dict:
    # the court thinks in debtors: classes are counted once per person, not per case
    per_debtor = table.unique("debtor_id")
    counts = dict(per_debtor.group_by("capacity_class").len().iter_rows())
    html = [p for p in reports if p.name == "capacity_report.html"]
    return {
        "as_of": as_of.isoformat(),
        "model_version": version,
        "entries": table.height,
        "debtors": per_debtor.height,
        "dishonest": int(counts.get("dishonest", 0)),
        "incapable": int(counts.get("incapable", 0)),
        "uncertain": int(counts.get("uncertain", 0)),
        "consumption_hits_used": hits,
        "report": str(html[0]) if html else None,
        "court_reports": sum(1 for p in reports if p.suffix == ".xlsx"),
        "duration_s": round(time.perf_counter() - started, 3),
    }


def console_line(summary: dict) -> str:
    """The one line an operator reads: what was scored, the classes, and where the report is."""
    where = summary.get("report") or "未生成报告（--no-reports）"
    return (
        f"capacity {summary['as_of']}: {summary['debtors']} debtors "
        f"({summary['entries']} entries): 失信 {summary['dishonest']}, "
        f"失能 {summary['incapable']}, 待核实 {summary['uncertain']}; "
        f"{summary['consumption_hits_used']} hits used; report {where}"
    )
