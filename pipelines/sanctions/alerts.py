"""The alerts ledger: one stable alert per (agency, record, role, list entry), and its life.

An alert is `new` when first raised, `sent` once its report is in the agency's outbox,
`acknowledged` when the agency confirms receipt, then closed by the agency's outcome
(`intercepted`, `false_match`, `released`), or `withdrawn` when its list entry is removed or the
court exits the debtor, or when tonight's screening of the same record no longer intercepts it
(analyst labels moved the thresholds, a rule changed), `suppressed` when an analyst rejected the
pair. Every change is also a row of `alert_transitions` (`pipelines.sanctions.alert_lifecycle`).
Withdrawal is driven by the list, the analysts and the records screened tonight, never by a
record's absence from tonight's batch: agency files carry one night's records, so yesterday's
bookings are simply not in them. So every open alert of a record screened tonight is in
tonight's report, and one that leaves it is withdrawn with its reason.

Every change is stamped with the run date and the counts are read back from those stamps, so
rerunning a night rewrites nothing and reports the same numbers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

import polars as pl

from matching.config import FEW_ROWS
from pipelines.ingest.listing import stood_on
from pipelines.runtime.workdays import add_working_days
from pipelines.sanctions.alert_lifecycle import stamp_transitions
from pipelines.storage.warehouse import Warehouse, registered

# Open alerts: still awaiting the agency's outcome, and withdrawn when their entry goes.
ACTIVE = ("new", "sent", "acknowledged")
_ACTIVE_SQL = "('new', 'sent', 'acknowledged')"
STATUS_ZH = {
    "new": "新增",
    "sent": "已发送",
    "acknowledged": "已签收",
    "intercepted": "已拦截",
    "false_match": "误匹配",
    "released": "已放行",
    "withdrawn": "已撤回",
    "suppressed": "已撤回（人工排除）",
}
SUPPRESSED_REASON = "经人工复核确认非同一主体，撤回预警"
REOPENED_REASON = "名单条目重新生效，重新预警"
EXITED_REASON = "执行法院决定退出失信名单（失能救助），撤回预警"
RESCREENED_REASON = "该记录今晚重新比对后不再满足拦截条件（匹配阈值或规则已调整），撤回预警"
RESCREEN_REOPENED_REASON = "该记录重新比对后再次满足拦截条件，重新预警"
_ID_FIELDS = ("agency", "record_id", "role", "entry_id")


@dataclass(frozen=True)
class AlertChanges:
    """What one run did to an agency's alerts (counts; ids for the report and the logs)."""

    new: int
    unchanged: int
    withdrawn: int
    new_ids: tuple[str, ...] = ()
    withdrawn_ids: tuple[str, ...] = ()


def alert_id(agency: str, record_id: str, role: str, entry_id: str) -> str:
    """Stable short id of an alert: `AL-` and 16 hex chars of a SHA-256 of its key."""
    key = "\x1f".join((agency, record_id, role, entry_id))
    return "AL-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16].upper()


def alert_ids(frame: pl.DataFrame) -> pl.Series:
    """`alert_id` of every row of `frame` (the desk's few hits: no expression to run)."""
    if frame.height > FEW_ROWS:
        return frame.select(alert_id_expr().alias("alert_id")).to_series()
    columns = [frame[f].to_list() for f in _ID_FIELDS]
    ids = [alert_id(*(str(v) for v in row)) for row in zip(*columns, strict=True)]
    return pl.Series("alert_id", ids, dtype=pl.String)


def alert_id_expr() -> pl.Expr:
    """`alert_id` as a polars expression over the agency, record_id, role and entry_id columns."""
    return pl.struct(*_ID_FIELDS).map_elements(
        lambda r: alert_id(*(str(r[f]) for f in _ID_FIELDS)), return_dtype=pl.String
    )


_INCOMING_SCHEMA = {
    "alert_id": pl.String,
    "agency": pl.String,
    "record_id": pl.String,
    "role": pl.String,
    "entry_id": pl.String,
    "pair_key": pl.String,
    "rule_id": pl.String,
    "deadline": pl.Date,
}


def _incoming(agency: str, run_date: date, intercepts: pl.DataFrame) -> pl.DataFrame:
    """Tonight's intercepts as ledger rows, one per alert id, with their deadlines."""
    if intercepts.is_empty():
        return pl.DataFrame(schema=_INCOMING_SCHEMA)
    rows = intercepts
    if "intercept" in rows.columns:
        rows = rows.filter(pl.col("intercept"))
    rows = rows.with_columns(pl.lit(agency).alias("agency"))
    if "alert_id" not in rows.columns:
        rows = rows.with_columns(alert_id_expr().alias("alert_id"))
    days = pl.col("deadline_working_days") if "deadline_working_days" in rows.columns else pl.lit(1)
    rows = rows.with_columns(days.fill_null(1).cast(pl.Int64).alias("_days"))
    deadlines = {int(n): add_working_days(run_date, int(n)) for n in rows["_days"].unique()}
    optional = [
        (pl.col(c) if c in rows.columns else pl.lit(None)).cast(pl.String).alias(c)
        for c in ("pair_key", "rule_id")
    ]
    return rows.select(
        "alert_id",
        *[pl.col(c).cast(pl.String) for c in _ID_FIELDS],
        *optional,
        pl.col("_days").replace_strict(deadlines, return_dtype=pl.Date).alias("deadline"),
    ).unique("alert_id", keep="first", maintain_order=True)


def sync_alerts(
    wh: Warehouse,
    agency: str,
    run_date: date,
    intercepts: pl.DataFrame,
    suppressed_pair_keys: set[str],
    exited_entries: Collection[str] = (),
    screened_records: Collection[str] = (),
) -> AlertChanges:
    """Upsert tonight's intercepts into the ledger and withdraw what no longer stands.

    `exited_entries` are list entries a court moved out of enforcement (exit and relief): their
    alerts are withdrawn and no new one is raised, even before the list publisher removes them.
    `screened_records` are the record ids screened tonight: their open alerts that are not among
    tonight's intercepts are withdrawn (a night earlier than an alert's last sighting leaves it).
    """
    exited = pl.DataFrame({"entry_id": sorted(exited_entries)}, schema={"entry_id": pl.String})
    screened = pl.DataFrame(
        {"record_id": sorted(set(screened_records))}, schema={"record_id": pl.String}
    )
    incoming = _incoming(agency, run_date, intercepts).join(exited, on="entry_id", how="anti")
    suppressed = pl.DataFrame(
        {"pair_key": sorted(suppressed_pair_keys)}, schema={"pair_key": pl.String}
    )
    params = {"agency": agency, "run": run_date}
    with wh.transaction() as con:
        with (
            registered(con, incoming, "alerts") as inc,
            registered(con, suppressed, "sup") as sup,
            registered(con, exited, "exit") as ext,
            registered(con, screened, "screened") as scr,
        ):
            # An analyst's rejection is final: withdraw, and never raise the pair again.
            con.execute(
                f"""UPDATE alerts SET status = 'suppressed', withdrawn_run = $run,
                       reason = '{SUPPRESSED_REASON}'
                    WHERE agency = $agency AND status IN {_ACTIVE_SQL}
                      AND pair_key IN (SELECT pair_key FROM {sup})""",
                params,
            )
            con.execute(
                f"""UPDATE alerts SET status = 'withdrawn', withdrawn_run = $run,
                       reason = '名单已撤销（'
                                || coalesce(CAST(e.removed_on AS VARCHAR), '日期不详')
                                || '），撤回预警'
                    FROM (SELECT entry_id, removed_on FROM list_entries
                          WHERE status = 'removed' AND {stood_on("$run")}) e
                    WHERE alerts.entry_id = e.entry_id AND alerts.agency = $agency
                      AND alerts.status IN {_ACTIVE_SQL}""",
                params,
            )
            con.execute(
                f"""UPDATE alerts SET status = 'withdrawn', withdrawn_run = $run,
                       reason = '{EXITED_REASON}'
                    WHERE agency = $agency AND status IN {_ACTIVE_SQL}
                      AND entry_id IN (SELECT entry_id FROM {ext})""",
                params,
            )
            # Re-screened tonight and no longer intercepted: it leaves the report, so withdraw.
            con.execute(
                f"""UPDATE alerts SET status = 'withdrawn', withdrawn_run = $run,
                       reason = '{RESCREENED_REASON}'
                    WHERE agency = $agency AND status IN {_ACTIVE_SQL} AND last_run <= $run
                      AND record_id IN (SELECT record_id FROM {scr})
                      AND alert_id NOT IN (SELECT alert_id FROM {inc})""",
                params,
            )
            con.execute(
                f"""UPDATE alerts SET last_run = greatest(last_run, $run),
                       first_run = least(first_run, $run)
                    WHERE agency = $agency AND status IN {_ACTIVE_SQL}
                      AND alert_id IN (SELECT alert_id FROM {inc})""",
                params,
            )
            # A withdrawn alert intercepted again (entry listed again, record re-screened) is
            # raised afresh, same id.
            con.execute(
                f"""UPDATE alerts SET status = 'new', opened_run = $run, last_run = $run,
                       deadline = i.deadline, withdrawn_run = NULL, sent_run = NULL,
                       reason = CASE WHEN alerts.reason = '{RESCREENED_REASON}'
                                     THEN '{RESCREEN_REOPENED_REASON}'
                                     ELSE '{REOPENED_REASON}' END
                    FROM {inc} i
                    WHERE alerts.alert_id = i.alert_id AND alerts.agency = $agency
                      AND alerts.status = 'withdrawn'
                      AND alerts.withdrawn_run < $run""",
                params,
            )
            con.execute(
                f"""INSERT INTO alerts BY NAME
                    SELECT i.alert_id, i.agency, i.record_id, i.role, i.entry_id, i.pair_key,
                           i.rule_id, 'new' AS status, $run AS first_run, $run AS opened_run,
                           $run AS last_run, i.deadline
                    FROM {inc} i
                    WHERE i.agency = $agency AND i.alert_id NOT IN (SELECT alert_id FROM alerts)
                      AND (i.pair_key IS NULL OR i.pair_key NOT IN (SELECT pair_key FROM {sup}))""",
                params,
            )
            stamp_transitions(con, agency, run_date)
    return _changes(wh, agency, run_date, incoming["alert_id"].to_list())


def _changes(wh: Warehouse, agency: str, run_date: date, tonight: list[str]) -> AlertChanges:
    """Read the run's counts back from the run-date stamps (the same on every rerun)."""
    ledger = wh.query(
        "SELECT alert_id, status, opened_run, withdrawn_run FROM alerts WHERE agency = ?",
        [agency],
    )
    active = ledger.filter(pl.col("status").is_in(ACTIVE) & pl.col("alert_id").is_in(tonight))
    opened = active.filter(pl.col("opened_run") == run_date)
    withdrawn = ledger.filter(
        pl.col("status").is_in(["withdrawn", "suppressed"]) & (pl.col("withdrawn_run") == run_date)
    )
    return AlertChanges(
        new=opened.height,
        unchanged=active.height - opened.height,
        withdrawn=withdrawn.height,
        new_ids=tuple(sorted(opened["alert_id"])),
        withdrawn_ids=tuple(sorted(withdrawn["alert_id"])),
    )


def mark_sent(wh: Warehouse, agency: str, run_date: date) -> int:
    """Mark the agency's new alerts up to `run_date` as delivered (their report is in the
    outbox); returns how many were sent on `run_date`, the same on a rerun."""
    params = {"agency": agency, "run": run_date}
    with wh.transaction() as con:
        con.execute(
            """UPDATE alerts SET status = 'sent', sent_run = $run
               WHERE agency = $agency AND status = 'new' AND opened_run <= $run""",
            params,
        )
        stamp_transitions(con, agency, run_date)
        rows = con.execute(
            "SELECT count(*) FROM alerts WHERE agency = $agency AND sent_run = $run", params
        ).fetchone()
    return int(rows[0]) if rows else 0


def alerts_of(wh: Warehouse, agency: str) -> pl.DataFrame:
    """The agency's whole ledger, oldest first."""
    return wh.query("SELECT * FROM alerts WHERE agency = ? ORDER BY first_run, alert_id", [agency])


def withdrawals(wh: Warehouse, agency: str, run_date: date) -> pl.DataFrame:
    """Alerts of `agency` withdrawn or suppressed on `run_date`, for the withdrawal report."""
    return wh.query(
        """SELECT alert_id, agency, record_id, role, entry_id, status, first_run, sent_run,
                  withdrawn_run, reason
           FROM alerts
           WHERE agency = ? AND withdrawn_run = ? AND status IN ('withdrawn', 'suppressed')
           ORDER BY alert_id""",
        [agency, run_date],
    )
