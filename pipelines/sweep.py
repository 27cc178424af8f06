"""One agency's sweep, end to end: the `credsweep sweep` contract of INTERFACES.md.

lists -> contracts -> warehouse (versioned) ; input -> contract -> parties -> link -> rules
-> alerts ledger -> agency reports ; plus hits.csv, quarantine.csv and summary.json in the
output folder. Every write is keyed by the run date, so the same night twice gives the same
outputs and no duplicate alerts.
"""

from __future__ import annotations

import json
import logging
import resource
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from pipelines.errors import ContractError, CredsweepError
from pipelines.settings import AgencySettings, Settings

log = logging.getLogger("credsweep.sweep")

HIT_COLUMNS = (
    "agency",
    "record_id",
    "role",
    "query_role",
    "entry_id",
    "match_decision",
    "score_basis",
    "match_score",
    "intercept",
    "rule_id",
    "reason",
    "alert_id",
    "list_role",
    "list_type",
    "entry_status",
    "pair_key",
    "explanation_zh",
    "evidence",
)
# Consumption facts of the record, carried into hits.csv for the capacity score (issue 4).
CONTEXT_COLUMNS = (
    "hotel_star",
    "room_rate",
    "check_in",
    "school_type",
    "annual_fee",
    "enrolled_on",
    "amount",
    "applied_on",
    "registered_on",
)
QUARANTINE_COLUMNS = ("dataset", "source", "row", "record_key", "reason")
Progress = Callable[[str], None]


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


@dataclass
class _Tally:
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


@dataclass
class _Clock:
    """Wall seconds per sweep stage (summary.json `stage_s`), announced through `progress`."""

    progress: Progress = field(default=lambda _msg: None)
    seconds: dict[str, float] = field(default_factory=dict)
    rss_mb: dict[str, float] = field(default_factory=dict)
    """Peak RSS of the process when each stage ended: the stage where it jumps is the culprit."""

    @contextmanager
    def stage(self, name: str, message: str | None = None) -> Iterator[None]:
        if message:
            self.progress(message)
        started = time.perf_counter()
        try:
            yield
        finally:
            spent = time.perf_counter() - started
            self.seconds[name] = self.seconds.get(name, 0.0) + spent
            self.rss_mb[name] = _peak_rss_mb()

    def rounded(self) -> dict[str, float]:
        return {k: round(v, 3) for k, v in self.seconds.items()}


def _peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def agency_settings(settings: Settings, agency: str) -> AgencySettings:
    """The settings of `agency`, with a one-line error for an unknown name."""
    try:
        return settings.agencies[agency]  # type: ignore[index]
    except KeyError:
        known = ", ".join(settings.agencies)
        raise CredsweepError(f"unknown agency {agency!r}; expected one of {known}") from None


def _checked(
    dataset: str,
    path: Path,
    side: str,
    settings: Settings,
    run_date: date,
    docs_dir: Path | None,
    tally: _Tally,
    clock: _Clock | None = None,
) -> pl.DataFrame:
    """Read one source file and run its data contract; return the clean rows."""
    from data_contracts import validate
    from pipelines.ingest import read_dataset

    clock = clock or _Clock()
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
    wh: object,
    paths: Sequence[Path],
    run_date: date,
    settings: Settings,
    docs_dir: Path | None = None,
    tally: _Tally | None = None,
    clock: _Clock | None = None,
) -> tuple[dict[str, int], _Tally]:
    """Apply the snapshot, then each delta in order, to the versioned list."""
    from pipelines.listing import apply_list

    tally = tally or _Tally()
    clock = clock or _Clock()
    changes: dict[str, int] = {"added": 0, "changed": 0, "removed": 0, "unchanged": 0}
    for i, path in enumerate(paths):
        clean = _checked("dishonest_list", path, "list", settings, run_date, docs_dir, tally, clock)
        with clock.stage("listing"):
            change = apply_list(
                wh,
                clean,
                run_date=run_date,  # type: ignore[arg-type]
                mode="snapshot" if i == 0 else "delta",
                source=path.name,
            )
        for key in changes:
            changes[key] += int(getattr(change, key))
    return changes, tally


def _decided(review_db: Path | None) -> tuple[set[str], set[str]]:
    """Analyst decisions: pairs suppressed forever, and pairs confirmed as matches."""
    if review_db is None:
        return set(), set()
    from pipelines.workbench.store import ReviewStore

    store = ReviewStore(review_db)
    store.migrate()
    return store.suppressed_pair_keys(), store.confirmed_pair_keys()


def apply_decisions(hits: pl.DataFrame, suppressed: set[str], confirmed: set[str]) -> pl.DataFrame:
    """Drop analyst-rejected pairs and promote analyst-confirmed ones to `match`."""
    if hits.is_empty():
        return hits
    kept = hits.filter(~pl.col("pair_key").is_in(list(suppressed)))
    return kept.with_columns(
        pl.when(pl.col("pair_key").is_in(list(confirmed)))
        .then(pl.lit("match"))
        .otherwise(pl.col("match_decision"))
        .alias("match_decision")
    )


def _entry_facts(entries: pl.DataFrame) -> pl.DataFrame:
    return entries.select(
        "entry_id",
        "list_type",
        pl.col("status").alias("entry_status"),
        pl.col("name").alias("list_name"),
        pl.col("id_number").alias("list_id_number"),
        *[c for c in ("case_no", "court", "removed_on") if c in entries.columns],
    )


def _match(
    req: SweepRequest,
    records: pl.DataFrame,
    entries: pl.DataFrame,
    decided: tuple[set[str], set[str]],
    clock: _Clock | None = None,
) -> tuple[pl.DataFrame, dict]:
    """Screen every role of every record against the list; return hits with rule verdicts."""
    from matching import link
    from matching.parties import list_parties, query_parties
    from pipelines.feedback import sweep_matching, with_thresholds_used
    from pipelines.rules import apply_rule

    clock = clock or _Clock()
    agency = agency_settings(req.settings, req.agency)
    with clock.stage("parties"):
        query = query_parties(records, agency.roles)
        listed = list_parties(entries)
    with clock.stage("match"):
        # analyst labels refine the packaged model and may move the thresholds (issue 5); in
        # target mode link derives the thresholds from this sweep's own scores (issue 3)
        model, rule, feedback = sweep_matching(req.settings, req.review_db)
        result = link(
            query,
            listed,
            model=model,
            thresholds=rule,
            as_of=req.run_date,
            confirmed=frozenset(decided[1]),
        )
    del listed
    with clock.stage("rules"):
        hits = apply_decisions(result.hits, *decided)
        ruled = apply_rule(hits, records, entries, agency)
    # rules rewrite `role` to legal_rep for a listed org's representative;
    # the screened role stays in query_role
    names = query.select(
        "record_id",
        pl.col("role").alias("query_role"),
        pl.col("name").alias("query_name"),
        pl.col("id_number").alias("query_id_number"),
    )
    context = records.select("record_id", *[c for c in CONTEXT_COLUMNS if c in records.columns])
    with clock.stage("rules"):
        enriched = (
            ruled.join(_entry_facts(entries), on="entry_id", how="left")
            .join(context.unique("record_id", keep="first"), on="record_id", how="left")
            .join(names, on=["record_id", "query_role"], how="left")
            .with_columns(pl.lit(req.agency).alias("agency"))
        )
    stats = dict(result.stats)
    stats["suppressed_pairs_dropped"] = result.hits.height - hits.height
    stats["feedback"] = with_thresholds_used(feedback, result.stats)
    return enriched, stats


def _alerts(
    req: SweepRequest, wh: object, hits: pl.DataFrame, suppressed: set[str]
) -> tuple[pl.DataFrame, dict]:
    from pipelines.alerts import alert_id_expr, sync_alerts

    hits = hits.with_columns(alert_id_expr().alias("alert_id"))
    intercepts = hits.filter(pl.col("intercept"))
    changes = sync_alerts(wh, req.agency, req.run_date, intercepts, suppressed)  # type: ignore[arg-type]
    return hits, {
        "alerts_new": changes.new,
        "alerts_unchanged": changes.unchanged,
        "alerts_withdrawn": changes.withdrawn,
    }


def write_quarantine(out: Path, quarantine: pl.DataFrame) -> Path:
    """Write the rejected rows with their reasons, in a stable order."""
    out.mkdir(parents=True, exist_ok=True)
    target = out / "quarantine.csv"
    quarantine.sort(["dataset", "source", pl.col("row").cast(pl.Int64, strict=False)]).write_csv(
        target
    )
    return target


def _write_outputs(out: Path, hits: pl.DataFrame, quarantine: pl.DataFrame, summary: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    ordered = hits.select([c for c in (*HIT_COLUMNS, *CONTEXT_COLUMNS) if c in hits.columns]).sort(
        [c for c in ("record_id", "role", "entry_id", "query_role") if c in hits.columns]
    )
    ordered.with_columns(pl.col("intercept").cast(pl.String).str.to_lowercase()).write_csv(
        out / "hits.csv"
    )
    write_quarantine(out, quarantine)
    _write_summary(out, summary)


def _write_summary(out: Path, summary: dict) -> None:
    (out / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def run_sweep(req: SweepRequest, progress: Progress | None = None) -> dict:
    """Run one agency's sweep and return its summary (also written to `summary.json`)."""
    from data_contracts import warmup
    from pipelines.reports import write_agency_reports
    from pipelines.warehouse import Warehouse, record_run

    clock = _Clock(progress or (lambda _msg: None))
    started = time.perf_counter()
    warmup.start()  # Great Expectations imports while the list is read and parsed
    agency = agency_settings(req.settings, req.agency)
    tally = _Tally()
    wh = Warehouse(req.warehouse or ":memory:")
    wh.migrate()
    clock.progress("名单入库 / loading lists")
    list_changes, _ = load_list_files(
        wh, req.lists, req.run_date, req.settings, req.docs_dir, tally, clock
    )
    clock.progress(f"数据契约 / checking {req.agency}")
    records = _checked(
        req.agency, req.input, "agency", req.settings, req.run_date, req.docs_dir, tally, clock
    )
    from pipelines.listing import current_entries

    with clock.stage("entries"):
        entries = current_entries(wh, as_of=req.run_date)
    clock.progress("身份比对 / matching")
    with clock.stage("decisions"):
        decided = _decided(req.review_db)  # read once: the same decisions filter hits and alerts
    hits, match_stats = _match(req, records, entries, decided, clock)
    with clock.stage("alerts", "预警 / alerts"):
        hits, alert_stats = _alerts(req, wh, hits, decided[0])
    with clock.stage("reports", "报告 / reports"):
        outbox = req.outbox or (req.out / "outbox")
        report_paths = write_agency_reports(wh, req.agency, req.run_date, hits, agency, outbox)
    if req.review_db is not None:
        from pipelines.workbench.store import ReviewStore, SweepThresholds

        # the cut-offs used go with the items: the precision page shows them, not the written ones
        used = SweepThresholds.from_feedback(req.agency, req.run_date, match_stats["feedback"])
        with clock.stage("review_items"):
            ReviewStore(req.review_db).push_review_items(
                req.agency, req.run_date, _review_payload(hits, records, entries), used
            )
    with clock.stage("outputs", "输出 / writing outputs"):
        quarantine = tally.quarantine()
        summary = _summary(req, tally, hits, list_changes, match_stats, alert_stats, started)
        summary["reports"] = [str(p) for p in report_paths]
        summary["feedback"] = match_stats["feedback"]
        _write_outputs(req.out, hits, quarantine, summary)
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
    summary["peak_rss_mb"] = _peak_rss_mb()
    summary["peak_rss_after_stage_mb"] = clock.rss_mb
    summary["duration_s"] = round(duration, 3)
    _write_summary(req.out, summary)
    log.info(
        "sweep %s %s: %d records, %d hits, %d intercepts",
        req.agency,
        req.run_date,
        summary["records_in"],
        summary["matches"] + summary["reviews"],
        summary["intercepts"],
    )
    return summary


def _review_payload(
    hits: pl.DataFrame, records: pl.DataFrame, entries: pl.DataFrame
) -> pl.DataFrame:
    """Hits plus both records as JSON, for the analysts' side-by-side page."""
    reviewable = hits.filter(pl.col("match_decision") == "review")
    record_json = records.select(
        pl.col("record_id"),
        pl.struct(pl.exclude("record_id", "_source", "_row"))
        .struct.json_encode()
        .alias("record_json"),
    )
    entry_json = entries.select(
        pl.col("entry_id"),
        pl.struct(pl.exclude("entry_id")).struct.json_encode().alias("entry_json"),
    )
    return reviewable.join(record_json, on="record_id", how="left").join(
        entry_json.unique("entry_id"), on="entry_id", how="left"
    )


def _summary(
    req: SweepRequest,
    tally: _Tally,
    hits: pl.DataFrame,
    list_changes: dict,
    match_stats: dict,
    alert_stats: dict,
    started: float,
) -> dict:
    records_in = sum(tally.rows_in.values())
    quarantined = sum(tally.quarantined.values())
    decisions = (
        hits.get_column("match_decision") if not hits.is_empty() else pl.Series([], dtype=pl.String)
    )
    return {
        "agency": req.agency,
        "run_date": req.run_date.isoformat(),
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
        "duration_s": round(time.perf_counter() - started, 3),
    }


__all__ = ["SweepRequest", "run_sweep", "apply_decisions", "ContractError"]
