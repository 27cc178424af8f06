"""Exit and relief for the unable: the cases courts review, and the files their decisions make.

The cases are the active listed debtors the latest capacity assessment classed 失能
(`capacity.csv`), joined to the list for the case facts. A court's review in force becomes, per
court and night, the recommendation file for the list publisher (exit from the list, 终结本次执行)
and the referral file for civil affairs and judicial aid; an exit also withdraws the debtor's
alerts on the next sweep (`pipelines.sanctions.alerts.sync_alerts`, `exited_entries`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import polars as pl

from pipelines.courts.leads import court_folder
from pipelines.ingest.listing import entries_as_of
from pipelines.sanctions.rules import LIST_TYPE_ZH
from pipelines.storage.warehouse import Warehouse

RECOMMEND = ("terminate", "exit_list")
REFER = ("refer_civil_affairs", "judicial_aid")
MEASURE_ZH = {
    "terminate": "终结本次执行",
    "exit_list": "退出失信名单建议",
    "judicial_aid": "司法救助",
    "refer_civil_affairs": "转介民政",
    "keep": "维持",
}
FILE_FIELDS: tuple[tuple[str, str], ...] = (
    ("court", "执行法院"),
    ("entry_id", "名单编号"),
    ("case_no", "案号"),
    ("name", "被执行人"),
    ("list_type", "名单类型"),
    ("amount_due", "未履行金额"),
    ("capacity_score", "履行能力评分"),
    ("evidence", "失能依据"),
    ("measures_zh", "处理措施"),
    ("decided_by", "决定人"),
    ("decided_on", "决定日期"),
    ("note", "说明"),
)


def latest_capacity(runs: Path, run_date: date) -> Path | None:
    """The newest `runs/<night>/capacity/capacity.csv` of a night up to `run_date`."""
    found = []
    for path in runs.glob("*/capacity/capacity.csv"):
        try:
            night = date.fromisoformat(path.parent.parent.name)
        except ValueError:
            continue
        if night <= run_date:
            found.append((night, path))
    return max(found)[1] if found else None


def relief_cases(capacity_csv: Path, wh: Warehouse, as_of: date) -> pl.DataFrame:
    """Active debtors classed 失能, with the list's case facts (the desk's columns)."""
    scored = pl.read_csv(capacity_csv, infer_schema=False).filter(
        pl.col("capacity_class") == "incapable"
    )
    columns = ("entry_id", "name", "case_no", "list_type", "amount_due", "court")
    entries = entries_as_of(wh, as_of, columns, status="active").rename({"court": "list_court"})
    night = capacity_csv.parent.parent.name
    return scored.join(entries, on="entry_id", how="inner").select(
        "entry_id",
        pl.coalesce("court", "list_court").alias("court"),
        "name",
        "case_no",
        "list_type",
        pl.col("amount_due").cast(pl.Float64),
        pl.col("capacity_score").cast(pl.Float64),
        "evidence",
        "action",
        pl.lit(date.fromisoformat(night)).alias("assessed_on"),
    )


def _file_rows(reviews: pl.DataFrame, kinds: tuple[str, ...]) -> pl.DataFrame:
    measures = pl.col("measures").str.split(",")
    return reviews.filter(measures.list.eval(pl.element().is_in(list(kinds))).list.any()).select(
        "court",
        "entry_id",
        "case_no",
        "name",
        pl.col("list_type").replace(LIST_TYPE_ZH),
        "amount_due",
        "capacity_score",
        "evidence",
        measures.list.eval(pl.element().replace(MEASURE_ZH)).list.join("、").alias("measures_zh"),
        pl.col("username").alias("decided_by"),
        (pl.col("decided_at") + pl.duration(hours=8)).dt.date().alias("decided_on"),
        "note",
    )


def write_relief_files(reviews: pl.DataFrame, run_date: date, out: Path) -> dict[str, int]:
    """Per court: `exit_recommendations.*` (publisher) and `relief_referrals.*` (civil affairs)."""
    from pipelines.sanctions.reports import _atomic, _xlsx

    counts = {"exit_recommendations": 0, "relief_referrals": 0}
    for name, kinds in (("exit_recommendations", RECOMMEND), ("relief_referrals", REFER)):
        rows = _file_rows(reviews, kinds)
        for (court,), part in rows.group_by(["court"], maintain_order=True):
            folder = out / court_folder(str(court))
            title = "退出及终本建议" if name == "exit_recommendations" else "救助转介"
            _xlsx(folder / f"{name}.xlsx", [(title, part, FILE_FIELDS)], run_date)
            document = {
                "court": court,
                "run_date": run_date.isoformat(),
                "count": part.height,
                "rows": part.with_columns(pl.col("decided_on").cast(pl.String)).to_dicts(),
            }
            text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
            _atomic(folder / f"{name}.json", _writer(text))
        counts[name] = rows.height
    return counts


def _writer(text: str) -> Callable[[Path], object]:
    return lambda tmp: tmp.write_text(text, encoding="utf-8")


EXITED_REASON = "执行法院已决定退出失信名单（失能救助），不予拦截"


def exited_entries_of(review_db: Path | None, run_date: date) -> set[str]:
    """Entries a court decided to exit from the list by `run_date` (none without a review DB)."""
    if review_db is None:
        return set()
    from pipelines.review import relief_desk
    from pipelines.review.sweep_side import SweepReview

    return relief_desk.exited_entries(SweepReview(review_db), run_date)


def mark_exited(hits: pl.DataFrame, exited: set[str]) -> pl.DataFrame:
    """Hits on exited entries no longer intercept; the reason says why."""
    if not exited or hits.is_empty():
        return hits
    gone = pl.col("entry_id").is_in(sorted(exited))
    return hits.with_columns(
        (pl.col("intercept") & ~gone).alias("intercept"),
        pl.when(gone & pl.col("intercept"))
        .then(pl.lit(EXITED_REASON))
        .otherwise(pl.col("reason"))
        .alias("reason"),
    )
