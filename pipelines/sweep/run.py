"""One agency's sweep, end to end: the `credsweep sweep` contract of docs/cli.md.

lists -> contracts -> warehouse (versioned) ; input -> contract -> parties -> link -> rules
-> alerts ledger -> agency reports ; plus hits.csv, quarantine.csv and summary.json in the
output folder. Every write is keyed by the run date, so the same night twice gives the same
outputs and no duplicate alerts.

The steps live in their own modules: `pipelines.ingest.sources` (read, contracts, list
versioning), `pipelines.sweep.screening` (matching, analyst decisions, rules) and
`pipelines.sweep.outputs` (the files); this module runs them in order.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from pipelines.ingest.sources import (
    Tally,
    apply_list_frames,
    check_list_files,
    checked_source,
    load_list_files,
    loaded_after,
)
from pipelines.runtime.faults import kill_point
from pipelines.runtime.stage_clock import Progress, StageClock, peak_rss_mb
from pipelines.settings import Settings, agency_settings
from pipelines.storage.publish import clean_leftovers, open_stage
from pipelines.sweep.outputs import sweep_summary, write_outputs, write_summary
from pipelines.sweep.screening import CONTEXT_COLUMNS, analyst_decisions, review_payload, screen

if TYPE_CHECKING:
    from pipelines.storage.warehouse import Warehouse

log = logging.getLogger("credsweep.sweep")


@dataclass(frozen=True)
class SweepRequest:
    """Everything one sweep needs; paths are resolved by the caller."""

    agency: str
    lists: Sequence[Path]
    input: Path
    out: Path
    run_date: date
    settings: Settings
    warehouse: Path | None = None
    outbox: Path | None = None
    review_db: Path | None = None
    docs_dir: Path | None = None


def _alerts(
    req: SweepRequest, wh: Warehouse, hits: pl.DataFrame, suppressed: set[str]
) -> tuple[pl.DataFrame, dict]:
    from pipelines.courts.relief import exited_entries_of, mark_exited
    from pipelines.sanctions.alerts import alert_id_expr, sync_alerts

    # debtors a court moved out of enforcement (exit and relief) are no longer intercepted
    exited = exited_entries_of(req.review_db, req.run_date)
    hits = mark_exited(hits.with_columns(alert_id_expr().alias("alert_id")), exited)
    intercepts = hits.filter(pl.col("intercept"))
    changes = sync_alerts(wh, req.agency, req.run_date, intercepts, suppressed, exited)
    return hits, {
        "alerts_new": changes.new,
        "alerts_unchanged": changes.unchanged,
        "alerts_withdrawn": changes.withdrawn,
    }


def run_sweep(req: SweepRequest, progress: Progress | None = None) -> dict:
    """Run one agency's sweep and return its summary (also written to `summary.json`)."""
    from data_contracts import warmup
    from pipelines.courts.leads import record_sightings
    from pipelines.review.alert_replies import exchange_replies, publish_ledger
    from pipelines.sanctions.alerts import mark_sent
    from pipelines.sanctions.reports import write_agency_reports
    from pipelines.storage.warehouse import Warehouse, record_run

    outbox = req.outbox or (req.out / "outbox")
    _preflight(req, outbox)  # before any work: an unusable --out or --warehouse stops it here
    clock = StageClock(progress or (lambda _msg: None))
    started = time.perf_counter()
    warmup.start()  # Great Expectations imports while the list is read and parsed
    agency = agency_settings(req.settings, req.agency)
    tally = Tally()
    clock.progress("名单校验 / checking lists")
    # Every file is contract-checked before anything is written: a refused file leaves the
    # warehouse exactly as it was.
    list_frames = check_list_files(
        req.lists, req.run_date, req.settings, req.docs_dir, tally, clock
    )
    clock.progress(f"数据契约 / checking {req.agency}")
    records = checked_source(
        req.agency, req.input, "agency", req.settings, req.run_date, req.docs_dir, tally, clock
    )
    wh = Warehouse(req.warehouse or ":memory:")
    wh.migrate()
    clock.progress("名单入库 / loading lists")
    # with no list files the night's list is the stored history as of the run date
    backfill = bool(req.lists) and loaded_after(wh, req.run_date)
    list_wh = Warehouse(":memory:") if backfill else wh
    if backfill:
        list_wh.migrate()
    list_changes = apply_list_frames(list_wh, list_frames, req.lists, req.run_date, clock)
    del list_frames
    kill_point("after_lists")
    from pipelines.ingest.listing import current_entries

    with clock.stage("entries"):
        entries = current_entries(list_wh, as_of=req.run_date)
    clock.progress("身份比对 / matching")
    with clock.stage("decisions"):
        # read once: the same decisions filter hits and alerts
        decided = analyst_decisions(req.review_db)
    hits, match_stats = screen(
        records,
        entries,
        decided,
        agency=req.agency,
        settings=req.settings,
        run_date=req.run_date,
        review_db=req.review_db,
        clock=clock,
    )
    kill_point("before_alerts")
    with clock.stage("alerts", "预警 / alerts"):
        # the agency's replies since the last run first: an outcome closes an alert for good
        reply_stats = exchange_replies(wh, req.review_db, outbox, req.agency)
        hits, alert_stats = _alerts(req, wh, hits, decided[0])
        # the courts' whereabouts leads: every confident sighting, intercepted or not
        record_sightings(wh, req.agency, req.run_date, hits, records)
    kill_point("after_alerts")
    night = req.run_date.isoformat()
    # every file goes to staging first; published together once the run row is committed
    out_stage = open_stage(req.out, req.out, req.agency, night)
    box_stage = open_stage(outbox, outbox / req.agency / night, req.agency, night)
    with clock.stage("reports", "报告 / reports"):
        # sent with this night's report (published whole below; a run killed before that is
        # rerun whole), so the report states the status the agency receives, rerun or not
        alert_stats["alerts_sent"] = mark_sent(wh, req.agency, req.run_date)
        alert_stats["replies"] = reply_stats
        staged = write_agency_reports(
            wh, req.agency, req.run_date, hits, agency, outbox, folder=box_stage.staged
        )
        report_paths = [box_stage.final / p.relative_to(box_stage.staged) for p in staged]
    kill_point("after_reports")
    if req.review_db is not None:
        from pipelines.review.sweep_side import SweepReview, SweepThresholds

        # the cut-offs used go with the items: the precision page shows them, not the written ones
        used = SweepThresholds.from_feedback(req.agency, req.run_date, match_stats["feedback"])
        with clock.stage("review_items"):
            SweepReview(req.review_db).push_review_items(
                req.agency, req.run_date, review_payload(hits, records, entries), used
            )
            publish_ledger(wh, req.review_db, req.agency)
    with clock.stage("outputs", "输出 / writing outputs"):
        quarantine = tally.quarantine()
        summary = sweep_summary(
            req.agency,
            req.run_date,
            tally,
            hits,
            list_changes,
            match_stats,
            alert_stats,
            started,
        )
        summary["reports"] = [str(p) for p in report_paths]
        summary["list_backfill"] = backfill
        summary["feedback"] = match_stats["feedback"]
        write_outputs(out_stage.staged, hits, quarantine, summary)
    kill_point("before_record")
    with clock.stage("persist"):  # hits, quarantine and the run row, as the files say
        sources = [("dishonest_list", p.name) for p in req.lists] + [(req.agency, req.input.name)]
        record_run(
            wh,
            agency=req.agency,
            run_date=req.run_date,
            hits=hits,
            quarantine=quarantine,
            sources=sources,
            summary=summary,
        )
    # summary.json is rewritten with the last stages' time included
    duration = time.perf_counter() - started
    # imports, warehouse migration and the like: the time no named stage accounts for
    clock.seconds["other"] = max(duration - sum(clock.seconds.values()), 0.0)
    summary["stage_s"] = clock.rounded()
    summary["peak_rss_mb"] = peak_rss_mb()
    summary["peak_rss_after_stage_mb"] = clock.rss_mb
    summary["duration_s"] = round(duration, 3)
    write_summary(out_stage.staged, summary)
    kill_point("after_record")
    box_stage.publish()
    kill_point("mid_publish")
    out_stage.publish()
    log.info(
        "sweep %s %s: %d records, %d hits, %d intercepts",
        req.agency,
        req.run_date,
        summary["records_in"],
        summary["matches"] + summary["reviews"],
        summary["intercepts"],
    )
    return summary


def _preflight(req: SweepRequest, outbox: Path) -> None:
    """Refuse unusable destinations in one line, then clear what an interrupted run left."""
    from pipelines.storage.preflight import usable_warehouse, writable_folder

    writable_folder(req.out, "--out")
    writable_folder(outbox, "--outbox")
    if req.warehouse is not None:
        usable_warehouse(Path(req.warehouse))
    for root in {req.out, outbox}:
        clean_leftovers(root, req.agency)


# `load_list_files` and `CONTEXT_COLUMNS` are named under this module in docs/splink_benchmark.md
# and docs/capacity.md; they are defined in pipelines.ingest.sources and pipelines.sweep.screening.
__all__ = ["CONTEXT_COLUMNS", "SweepRequest", "load_list_files", "run_sweep"]
