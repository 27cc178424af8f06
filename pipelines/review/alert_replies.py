"""Agency replies reach the ledger: reply files in the outbox, workbench acks and outcomes.

An agency that answers by file drops it into `outbox/<agency>/replies/` (CSV with BOM or not,
XLSX, or JSON Lines) with the alert id of its own report (预警编号 / alert_id) and the result
(处理结果 / outcome: 已签收, 已拦截, 误匹配, 已放行, or the English codes). Each sweep imports
the files into the review database (rows already recorded are skipped, so a file left in place
is harmless), folds every reply into the warehouse ledger, and publishes the ledger back for the
workbench's alert desk.
"""

from __future__ import annotations

import logging
from pathlib import Path

import polars as pl

from pipelines.errors import InputError
from pipelines.review import alert_desk
from pipelines.review.sweep_side import SweepReview
from pipelines.sanctions.alert_lifecycle import OUTCOMES, AlertStatus, fold_replies
from pipelines.storage.warehouse import Warehouse

log = logging.getLogger("credsweep.replies")

REPLY_HEADERS = {"预警编号": "alert_id", "处理结果": "outcome", "说明": "note", "备注": "note"}
RESULT_LABELS = {
    "已签收": AlertStatus.ACKNOWLEDGED.value,
    "已拦截": AlertStatus.INTERCEPTED.value,
    "误匹配": AlertStatus.FALSE_MATCH.value,
    "已放行": AlertStatus.RELEASED.value,
}
_SUFFIXES = (".csv", ".xlsx", ".jsonl", ".ndjson")


def read_reply_file(path: Path) -> pl.DataFrame:
    """alert_id, outcome (a code), note: one row per reply row of the file."""
    try:
        if path.suffix.lower() == ".xlsx":
            frame = pl.read_excel(path, infer_schema_length=0)
        elif path.suffix.lower() in (".jsonl", ".ndjson"):
            frame = pl.read_ndjson(path)
        else:
            frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise InputError(f"cannot read reply file {path.name}: {exc}") from None
    frame = frame.rename({c: c.lstrip("\ufeff").strip() for c in frame.columns})
    frame = frame.rename({c: REPLY_HEADERS[c] for c in frame.columns if c in REPLY_HEADERS})
    missing = [c for c in ("alert_id", "outcome") if c not in frame.columns]
    if missing:
        raise InputError(f"reply file {path.name} lacks column(s) {', '.join(missing)}")
    if "note" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.String).alias("note"))
    result = pl.col("outcome").cast(pl.String).str.strip_chars()
    return frame.select(
        pl.col("alert_id").cast(pl.String).str.strip_chars(),
        result.replace(RESULT_LABELS).alias("outcome"),
        pl.col("note").cast(pl.String),
    )


def reply_files(outbox: Path, agency: str) -> list[Path]:
    """The agency's reply files, in name order."""
    folder = outbox / agency / "replies"
    return sorted(p for p in folder.glob("*") if p.suffix.lower() in _SUFFIXES and p.is_file())


def import_reply_files(review_db: Path, outbox: Path, agency: str) -> dict[str, int]:
    """Record the replies of the agency's files not recorded yet; bad rows are counted, named."""

    store = SweepReview(review_db)
    counts = {"acknowledged": 0, "outcomes": 0, "rejected": 0}
    valid = {s.value for s in OUTCOMES}
    for path in reply_files(outbox, agency):
        rows = read_reply_file(path)
        bad = rows.filter(
            pl.col("alert_id").is_null()
            | ~pl.col("outcome").is_in([*valid, AlertStatus.ACKNOWLEDGED.value])
        )
        if bad.height:
            log.warning("%s: %d reply rows without alert id or known result", path.name, bad.height)
        counts["rejected"] += bad.height
        rows = rows.join(bad, on=["alert_id", "outcome"], how="anti", nulls_equal=True)
        acks = rows.filter(pl.col("outcome") == AlertStatus.ACKNOWLEDGED.value)
        counts["acknowledged"] += alert_desk.acknowledge(
            store, agency, acks["alert_id"].to_list(), f"file:{path.name}", "outbox"
        )
        done = alert_desk.recorded_outcomes(store, agency)
        fresh = [
            r
            for r in rows.filter(pl.col("outcome").is_in(list(valid))).to_dicts()
            if (r["alert_id"], r["outcome"]) not in done
        ]
        if fresh:
            counts["outcomes"] += store.record_outcomes(
                agency, fresh, username=f"file:{path.name}"
            ).recorded
    return counts


def exchange_replies(
    wh: Warehouse, review_db: Path | None, outbox: Path | None, agency: str
) -> dict[str, int]:
    """Import reply files, then fold every reply of the agency into the warehouse ledger."""
    if review_db is None:
        return {}

    counts = import_reply_files(review_db, outbox, agency) if outbox else {}
    folded = fold_replies(wh, agency, alert_desk.replies(SweepReview(review_db), agency))
    return {**counts, "replies_recorded": folded.recorded, "replies_unknown": folded.unknown}


def publish_ledger(wh: Warehouse, review_db: Path | None, agency: str) -> int:
    """Publish the agency's ledger to the review database for the workbench's alert desk."""
    if review_db is None:
        return 0
    from pipelines.sanctions.alerts import alerts_of

    return alert_desk.publish_ledger(SweepReview(review_db), agency, alerts_of(wh, agency))
