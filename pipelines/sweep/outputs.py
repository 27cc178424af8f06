"""The sweep's files in its output folder: hits.csv, quarantine.csv and summary.json.

Rows are written in a stable order, so the same night twice gives byte-identical files.
"""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import polars as pl

from pipelines.ingest.sources import Tally
from pipelines.runtime.stage_clock import StageClock, peak_rss_mb
from pipelines.storage.cellsafe import neutral_frame
from pipelines.storage.hit_schema import CSV, names_of
from pipelines.sweep.screening import CONTEXT_COLUMNS

HIT_COLUMNS = names_of(CSV)
"""The columns of hits.csv, in order (pipelines.storage.hit_schema)."""


def write_quarantine(out: Path, quarantine: pl.DataFrame) -> Path:
    """Write the rejected rows with their reasons, in a stable order."""
    out.mkdir(parents=True, exist_ok=True)
    target = out / "quarantine.csv"
    ordered = quarantine.sort(["dataset", "source", pl.col("row").cast(pl.Int64, strict=False)])
    neutral_frame(ordered).write_csv(target)
    return target


def write_outputs(out: Path, hits: pl.DataFrame, quarantine: pl.DataFrame) -> None:
    """Write hits.csv and quarantine.csv into `out` (summary.json comes last, `write_summary`)."""
    out.mkdir(parents=True, exist_ok=True)
    ordered = hits.select([c for c in (*HIT_COLUMNS, *CONTEXT_COLUMNS) if c in hits.columns]).sort(
        [c for c in ("record_id", "role", "entry_id", "query_role") if c in hits.columns]
    )
    # Text cells that would start a formula carry one leading quote (reversible, see
    # pipelines.storage.cellsafe.restore); ids and reasons of ordinary rows are written unchanged.
    neutral_frame(
        ordered.with_columns(pl.col("intercept").cast(pl.String).str.to_lowercase())
    ).write_csv(out / "hits.csv")
    write_quarantine(out, quarantine)


def write_summary(out: Path, summary: dict) -> None:
    """Write summary.json (UTF-8, Chinese kept readable): once, when the run's figures are all
    known (`with_run_figures`)."""
    (out / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def sweep_summary(
    agency: str,
    run_date: date,
    tally: Tally,
    hits: pl.DataFrame,
    list_changes: dict,
    match_stats: dict,
    alert_stats: dict,
    started: float,
    *,
    reports: list[str],
    list_backfill: bool,
) -> dict:
    """The counts of summary.json; `records_in` = processed + quarantined, per dataset too.

    `duration_s` is the time so far (the run row stored with the hits); `with_run_figures`
    completes it once the last stage is done.
    """
    records_in = sum(tally.rows_in.values())
    quarantined = sum(tally.quarantined.values())
    decisions = (
        hits.get_column("match_decision") if not hits.is_empty() else pl.Series([], dtype=pl.String)
    )
    return {
        "agency": agency,
        "run_date": run_date.isoformat(),
        "records_in": records_in,
        "records_processed": records_in - quarantined,
        "records_quarantined": quarantined,
        "by_dataset": {
            name: {
                "in": n,
                "quarantined": tally.quarantined.get(name, 0),
                "processed": n - tally.quarantined.get(name, 0),
            }
            for name, n in tally.rows_in.items()
        },
        "list_changes": list_changes,
        "matches": int((decisions == "match").sum()),
        "reviews": int((decisions == "review").sum()),
        "intercepts": int(hits.get_column("intercept").sum()) if not hits.is_empty() else 0,
        **alert_stats,
        "match_stats": {k: v for k, v in match_stats.items() if isinstance(v, int | float | str)},
        # what the analysts' review budget kept and left out, and the legal reps with a number
        "review_budget": match_stats.get("review_budget"),
        "legal_reps": match_stats.get("legal_reps"),
        "duration_s": round(time.perf_counter() - started, 3),
        "reports": reports,
        "list_backfill": list_backfill,
        # the thresholds used and the night's own expected precision/recall
        "feedback": match_stats["feedback"],
    }


def with_run_figures(summary: dict, clock: StageClock, started: float) -> dict:
    """The summary with the whole run's time, seconds per stage and peak memory."""
    duration = time.perf_counter() - started
    # imports, warehouse migration and the like: the time no named stage accounts for
    clock.seconds["other"] = max(duration - sum(clock.seconds.values()), 0.0)
    return summary | {
        "duration_s": round(duration, 3),
        "stage_s": clock.rounded(),
        "peak_rss_mb": peak_rss_mb(),
        "peak_rss_after_stage_mb": clock.rss_mb,
    }
