"""One agency's sweep, end to end: the `credsweep sweep` contract of docs/cli.md.

lists -> contracts -> warehouse (versioned) ; input -> contract -> parties -> link -> rules
-> alerts ledger -> agency reports ; plus hits.csv, quarantine.csv and summary.json in the
output folder. Every write is keyed by the run date, so the same night twice gives the same
outputs and no duplicate alerts.

The steps live in their own modules and run here in order, top to bottom:
`pipelines.ingest.sources` (read, contracts), `pipelines.sweep.night_list` (the list files
applied, the night's entries), `pipelines.sweep.analyst` (the review store, read once),
`pipelines.sweep.screening` (matching, analyst decisions, rules), the alerts ledger and reports,
and `pipelines.sweep.outputs` (the files; summary.json written once, last). `run_sweep` returns a
`SweepResult`: the summary and the frames it made, so a caller (evaluation) need not redo them.
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

from pipelines.ingest.sources import Tally, check_list_files, checked_source, load_list_files
from pipelines.runtime.faults import kill_point
from pipelines.runtime.stage_clock import Progress, StageClock
from pipelines.settings import Settings, agency_settings
from pipelines.storage.publish import clean_leftovers, open_stage
from pipelines.sweep.analyst import AnalystInput, read_analyst_input
from pipelines.sweep.list_side_cache import ListSideStore
from pipelines.sweep.night_list import ingest_lists
from pipelines.sweep.outputs import sweep_summary, with_run_figures, write_outputs, write_summary
from pipelines.sweep.screening import CONTEXT_COLUMNS, review_payload, screen

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


@dataclass(frozen=True)
class SweepResult:
    """What one sweep wrote and the frames it made, for callers that go on with them."""

    summary: dict
    """summary.json as written."""
    hits: pl.DataFrame
    """Every hit with its rule verdict, alert id and facts (hits.csv is a projection of it)."""
    quarantine: pl.DataFrame
    """Every rejected row of the night's files, with its reason (quarantine.csv)."""
    records: pl.DataFrame
    """The agency's rows its data contract let through, as matching read them."""
    entries: pl.DataFrame
    """The list entries in force on the run date."""


def _alerts(
    req: SweepRequest,
    wh: Warehouse,
    hits: pl.DataFrame,
    analyst: AnalystInput,
    records: pl.DataFrame,
) -> tuple[pl.DataFrame, dict]:
    from pipelines.courts.relief import mark_exited
    from pipelines.sanctions.alerts import alert_id_expr, sync_alerts

    # debtors a court moved out of enforcement (exit and relief) are no longer intercepted
    exited = set(analyst.exited)
    hits = mark_exited(hits.with_columns(alert_id_expr().alias("alert_id")), exited)
    intercepts = hits.filter(pl.col("intercept"))
    # every record screened tonight: an open alert of one that no longer intercepts (labels
    # moved the thresholds, a rule changed) leaves tonight's report and must be withdrawn
    screened = records["record_id"].cast(pl.String).drop_nulls().to_list()
    changes = sync_alerts(
        wh, req.agency, req.run_date, intercepts, set(analyst.suppressed), exited, screened
    )
    return hits, {
        "alerts_new": changes.new,
        "alerts_unchanged": changes.unchanged,
        "alerts_withdrawn": changes.withdrawn,
    }


def run_sweep(req: SweepRequest, progress: Progress | None = None) -> SweepResult:
    """Run one agency's sweep; its summary is written to `summary.json` and returned with the
    frames the sweep made."""
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
    agency_rules = agency_settings(req.settings, req.agency)  # resolved once for every step
    tally = Tally()
    clock.progress("名单校验 / checking lists")
    # Every file is contract-checked before anything is written: a refused file leaves the
    # warehouse exactly as it was.
    # A list file this warehouse already checked and applied tonight is not checked again.
    list_files = check_list_files(
        req.lists,
        req.run_date,
        req.settings,
        req.docs_dir,
        tally,
        clock,
        reuse_from=req.warehouse,
    )
    clock.progress(f"数据契约 / checking {req.agency}")
    records = checked_source(
        req.agency, req.input, "agency", req.settings, req.run_date, req.docs_dir, tally, clock
    )
    wh = Warehouse(req.warehouse or ":memory:")
    wh.migrate()
    clock.progress("名单入库 / loading lists")
    night_list = ingest_lists(wh, list_files, req.run_date, clock)
    del list_files
    kill_point("after_lists")
    entries = night_list.entries
    with clock.stage("decisions"):
        # read once: the same decisions, labels and exits serve matching, rules and alerts
        analyst = read_analyst_input(req.review_db, req.agency, req.run_date)
    clock.progress("身份比对 / matching")
    hits, match_stats = screen(
        records,
        entries,
        analyst,
        agency=req.agency,
        agency_rules=agency_rules,
        settings=req.settings,
        run_date=req.run_date,
        clock=clock,
        list_store=ListSideStore.beside(req.warehouse),
    )
    kill_point("before_alerts")
    with clock.stage("alerts", "预警 / alerts"):
        # the agency's replies since the last run first: an outcome closes an alert for good
        reply_stats = exchange_replies(wh, req.review_db, outbox, req.agency)
        hits, alert_stats = _alerts(req, wh, hits, analyst, records)
        # the courts' whereabouts leads: every confident sighting, intercepted or not
        record_sightings(wh, req.agency, req.run_date, hits, records)
    kill_point("after_alerts")
    night = req.run_date.isoformat()
    # every file goes to staging first; published together once the run row is committed
    out_stage = open_stage(req.out, req.out, req.agency, night)
    box_stage = open_stage(outbox, outbox / req.agency / night, req.agency, night)
    with clock.stage("reports", "报告 / reports"):
        # an alert is `sent` with the report that carries it (published whole below; a run
        # killed before that is rerun whole), so the report states the status the agency
        # receives, rerun or not
        alert_stats["alerts_sent"] = mark_sent(wh, req.agency, req.run_date)
        alert_stats["replies"] = reply_stats
        staged = write_agency_reports(
            wh, req.agency, req.run_date, hits, agency_rules, outbox, folder=box_stage.staged
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
        counts = sweep_summary(
            req.agency,
            req.run_date,
            tally,
            hits,
            night_list.changes,
            match_stats,
            alert_stats,
            started,
            reports=[str(p) for p in report_paths],
            list_backfill=night_list.backfill,
        )
        write_outputs(out_stage.staged, hits, quarantine)
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
            summary=counts,
        )
    # written once, with the last stages' time included
    summary = with_run_figures(counts, clock, started)
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
    return SweepResult(summary, hits, quarantine, records, entries)


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
__all__ = ["CONTEXT_COLUMNS", "SweepRequest", "SweepResult", "load_list_files", "run_sweep"]
