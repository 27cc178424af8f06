"""Joint-sanction statistics for the courts: per agency and per court, per day, week, quarter.

Everything is read back from dated facts (hits by run date, the alerts ledger and its
transitions, the latest capacity assessment, the courts' relief reviews), so the same range
gives the same figures on every run. "Overdue" and reply times count working days on the
official calendar (`pipelines.runtime.workdays`), as of the range's last day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from pipelines.runtime.workdays import working_days_between
from pipelines.sanctions.alert_lifecycle import OPEN, OUTCOMES, REPLY_KINDS
from pipelines.storage.warehouse import Warehouse

STATUSES = ("new", "sent", "acknowledged", "intercepted", "false_match", "released",
            "withdrawn", "suppressed")  # fmt: skip
PERIODS = ("day", "week", "quarter")


@dataclass(frozen=True)
class StatsInputs:
    """The dated facts the statistics are computed from."""

    hits: pl.DataFrame  # agency, run_date, entry_id, intercept, court, list_type
    alerts: pl.DataFrame  # the ledger plus court, first reply date and kind
    capacity: pl.DataFrame  # entry_id, court, capacity_class
    reviews: pl.DataFrame  # entry_id, court, measures, decided_on


def _entries(wh: Warehouse, to: date) -> pl.DataFrame:
    return wh.query(
        """SELECT entry_id, arg_max(court, version) AS court,
                  arg_max(list_type, version) AS list_type
           FROM list_entries WHERE valid_from_run <= ? GROUP BY entry_id""",
        [to],
    )


def collect(
    wh: Warehouse,
    date_from: date,
    date_to: date,
    capacity_csv: Path | None = None,
    reviews: pl.DataFrame | None = None,
) -> StatsInputs:
    """Read the facts of the range from the warehouse (and the capacity / review outputs)."""
    entries = _entries(wh, date_to)
    hits = wh.query(
        """SELECT agency, run_date, entry_id, intercept, match_decision FROM hits
           WHERE run_date BETWEEN ? AND ? AND match_decision = 'match'""",
        [date_from, date_to],
    ).join(entries, on="entry_id", how="left")
    kinds = [k.value for k in REPLY_KINDS]
    replies = wh.query(
        """SELECT alert_id, min(on_date) AS replied_on,
                  arg_min(to_status, on_date) AS first_reply
           FROM alert_transitions WHERE list_contains(?, to_status) AND on_date <= ?
           GROUP BY alert_id""",
        [kinds, date_to],
    )
    alerts = (
        wh.query("SELECT * FROM alerts WHERE first_run BETWEEN ? AND ?", [date_from, date_to])
        .join(entries.select("entry_id", "court"), on="entry_id", how="left")
        .join(replies, on="alert_id", how="left")
    )
    capacity = (
        pl.read_csv(capacity_csv, infer_schema=False).select("entry_id", "court", "capacity_class")
        if capacity_csv is not None
        else pl.DataFrame(
            schema={"entry_id": pl.String, "court": pl.String, "capacity_class": pl.String}
        )  # fmt: skip
    )
    decided = (
        reviews.select(
            "entry_id",
            "court",
            "measures",
            (pl.col("decided_at") + pl.duration(hours=8)).dt.date().alias("decided_on"),
        ).filter(pl.col("decided_on").is_between(date_from, date_to))
        if reviews is not None and not reviews.is_empty()
        else pl.DataFrame(
            schema={
                "entry_id": pl.String,
                "court": pl.String,
                "measures": pl.String,
                "decided_on": pl.Date,
            }
        )  # fmt: skip
    )
    return StatsInputs(hits=hits, alerts=alerts, capacity=capacity, reviews=decided)


def _reply_days(alerts: pl.DataFrame) -> pl.DataFrame:
    """Working days from sending to the first reply, and whether it came by the deadline."""
    rows = alerts.select("alert_id", "sent_run", "first_run", "replied_on", "deadline")
    days = [
        working_days_between(r["sent_run"] or r["first_run"], r["replied_on"])
        if r["replied_on"] is not None
        else None
        for r in rows.iter_rows(named=True)
    ]
    return alerts.with_columns(
        pl.Series("reply_working_days", days, dtype=pl.Int64),
        (pl.col("replied_on") <= pl.col("deadline")).alias("replied_on_time"),
    )


def _alert_figures(alerts: pl.DataFrame, key: str, as_of: date) -> pl.DataFrame:
    open_codes = [s.value for s in OPEN]
    status = pl.col("status")
    return (
        _reply_days(alerts)
        .group_by(key)
        .agg(
            pl.len().alias("alerts"),
            *[(status == s).sum().alias(f"status_{s}") for s in STATUSES],
            (status.is_in(open_codes) & (pl.col("deadline") < as_of)).sum().alias("overdue"),
            pl.col("replied_on").is_not_null().sum().alias("replied"),
            pl.col("replied_on_time").fill_null(False).sum().alias("replied_on_time"),
            pl.col("reply_working_days").median().alias("median_reply_working_days"),
            (status == "false_match").sum().alias("disputes"),
            status.is_in([s.value for s in OUTCOMES]).sum().alias("outcomes"),
        )
    )


def _hit_figures(hits: pl.DataFrame, key: str) -> pl.DataFrame:
    return hits.group_by(key).agg(
        pl.len().alias("hits"),
        pl.col("intercept").sum().alias("intercepts"),
        (pl.col("list_type") == "dishonest").sum().alias("hits_dishonest"),
        (pl.col("list_type") == "consumption_restriction").sum().alias("hits_restricted"),
    )


def _court_extras(inputs: StatsInputs) -> pl.DataFrame:
    cap = inputs.capacity.group_by("court").agg(
        (pl.col("capacity_class") == "dishonest").sum().alias("debtors_dishonest"),
        (pl.col("capacity_class") == "incapable").sum().alias("debtors_incapable"),
    )
    exits = inputs.reviews.group_by("court").agg(
        pl.col("measures").str.contains("exit_list").sum().alias("exits"),
        pl.col("measures").str.contains("terminate").sum().alias("terminations"),
        pl.col("measures")
        .str.contains("refer_civil_affairs|judicial_aid")
        .sum()
        .alias("referrals"),
    )
    return cap.join(exits, on="court", how="full", coalesce=True)


def _table(parts: list[pl.DataFrame], key: str) -> pl.DataFrame:
    table = parts[0]
    for part in parts[1:]:
        table = table.join(part, on=key, how="full", coalesce=True)
    table = table.filter(pl.col(key).is_not_null())
    numeric = [c for c, t in table.schema.items() if c != key and t.is_numeric()]
    fill = [pl.col(c).fill_null(0) for c in numeric if c != "median_reply_working_days"]
    return table.with_columns(fill).sort(key)


def by_agency(inputs: StatsInputs, as_of: date) -> pl.DataFrame:
    """One row per agency: hits, intercepts, list types, alerts by status, overdue, replies."""
    return _table(
        [_hit_figures(inputs.hits, "agency"), _alert_figures(inputs.alerts, "agency", as_of)],
        "agency",
    )


def by_court(inputs: StatsInputs, as_of: date) -> pl.DataFrame:
    """One row per enforcing court, plus its debtors classed 失信/失能 and its exits; the
    courts with the most hits first."""
    table = _table(
        [
            _hit_figures(inputs.hits, "court"),
            _alert_figures(inputs.alerts, "court", as_of),
            _court_extras(inputs),
        ],
        "court",
    )
    return table.sort(["hits", "court"], descending=[True, False])


def period_expr(column: str, period: str) -> pl.Expr:
    """A date column as its period label: 2025-10-09, 2025-W41, 2025Q4."""
    col = pl.col(column)
    if period == "day":
        return col.dt.strftime("%Y-%m-%d")
    if period == "week":
        return col.dt.iso_year().cast(pl.String) + "-W" + col.dt.week().cast(pl.String).str.zfill(2)
    return col.dt.year().cast(pl.String) + "Q" + col.dt.quarter().cast(pl.String)


def series(inputs: StatsInputs, period: str) -> pl.DataFrame:
    """Per agency and period: hits, intercepts, alerts raised, replies and false matches."""
    hits = inputs.hits.group_by("agency", period_expr("run_date", period).alias("period")).agg(
        pl.len().alias("hits"), pl.col("intercept").sum().alias("intercepts")
    )
    raised = inputs.alerts.group_by("agency", period_expr("first_run", period).alias("period")).agg(
        pl.len().alias("alerts")
    )
    replied = (
        inputs.alerts.filter(pl.col("replied_on").is_not_null())
        .group_by("agency", period_expr("replied_on", period).alias("period"))
        .agg(
            pl.len().alias("replies"),
            (pl.col("status") == "false_match").sum().alias("false_matches"),
        )
    )
    out = hits.join(raised, on=["agency", "period"], how="full", coalesce=True)
    out = out.join(replied, on=["agency", "period"], how="full", coalesce=True)
    return out.fill_null(0).sort("period", "agency")


def ranking(agencies: pl.DataFrame) -> pl.DataFrame:
    """Agency cooperation ranking: on-time reply rate, then fewer overdue, then replies."""
    rate = pl.when(pl.col("alerts") > 0).then(pl.col("replied_on_time") / pl.col("alerts"))
    ranked = agencies.select(
        "agency", "alerts", "replied", "replied_on_time", "overdue", "median_reply_working_days",
        rate.otherwise(None).round(3).alias("on_time_rate"),
    ).sort(["on_time_rate", "overdue", "replied"], descending=[True, False, True],
           nulls_last=True)  # fmt: skip
    return ranked.with_row_index("rank", offset=1)


def compute(inputs: StatsInputs, date_from: date, date_to: date) -> dict[str, Any]:
    """The whole statistics document (JSON-ready)."""
    agencies = by_agency(inputs, date_to)
    return {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "by_agency": agencies.to_dicts(),
        "by_court": by_court(inputs, date_to).to_dicts(),
        "series": {p: series(inputs, p).to_dicts() for p in PERIODS},
        "ranking": ranking(agencies).to_dicts(),
    }
