"""Per-court drill-down: every court in one table, and one page per court with its debtors.

A debtor is counted once per court that enforces one of their cases; on a court's page the
debtor's cases are shown together with the total amount due (the court enforces them together).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import polars as pl
from jinja2 import Environment, select_autoescape

from .model import CapacityModel

TOP_COURTS = 30  # courts drawn in the summary chart; the table below it lists every court
CLASSES_ZH = ("失信", "待核实", "失能")


def safe_name(court: str) -> str:
    """A file name for a court (no path separators or spaces)."""
    return re.sub(r'[\\/:*?"<>|\s]+', "_", court).strip("_") or "court"


def court_table(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per court: debtors per class and amount due, most debtors first."""
    per = rows.unique(["court", "debtor_id"])
    counts = [(pl.col("class_zh") == c).sum().cast(pl.Int64).alias(c) for c in CLASSES_ZH]
    return (
        per.group_by("court")
        .agg(
            pl.len().cast(pl.Int64).alias("debtors"),
            *counts,
            pl.col("amount_due_total").fill_null(0.0).sum().alias("amount_due"),
        )
        .with_columns(
            pl.col("court")
            .map_elements(lambda c: f"{safe_name(c)}.html", return_dtype=pl.String)
            .alias("page"),
            pl.col("court")
            .map_elements(lambda c: f"{safe_name(c)}.xlsx", return_dtype=pl.String)
            .alias("xlsx"),
        )
        .sort(["debtors", "court"], descending=[True, False])
    )


def _debtors(part: pl.DataFrame) -> list[dict]:
    """A court's debtors, each with their cases listed together."""
    grouped = part.group_by("debtor_id", maintain_order=True).agg(
        pl.col("name").first(),
        pl.col("id_masked").first(),
        pl.col("class_zh").first(),
        pl.col("capacity_score").first(),
        pl.col("action").first(),
        pl.col("evidence").first(),
        pl.col("amount_due_total").first(),
        pl.col("cases").first(),
        pl.col("case_entries").first(),
        pl.col("case_no").drop_nulls().str.join("、").alias("case_nos"),
    )
    return grouped.to_dicts()


def write_court_pages(
    rows: pl.DataFrame, folder: Path, *, as_of: date, model: CapacityModel
) -> list[Path]:
    """reports/<court>.html for every court; return the paths."""
    env = Environment(autoescape=select_autoescape(default=True))
    template = env.from_string(_PAGE)
    written = []
    for (court,), part in rows.group_by("court", maintain_order=True):
        path = folder / f"{safe_name(str(court))}.html"
        path.write_text(
            template.render(
                court=court, as_of=as_of.isoformat(), model=model, debtors=_debtors(part)
            ),
            encoding="utf-8",
        )
        written.append(path)
    return written


_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ court }} 履行能力评估明细</title>
<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse;width:100%;font-size:13px}td,th{border:1px solid #ccc;padding:4px}
th{background:#eef3f8}</style></head>
<body><p><a href="../capacity_report.html">返回汇总</a></p>
<h1>{{ court }} 被执行人履行能力评估明细</h1>
<p>评估基准日：{{ as_of }}；失信：评分 ≥ {{ model.thresholds.dishonest }}；失能：评分 ≤
{{ model.thresholds.incapable }}；其余为待核实。同一被执行人的多个案件合并列示。</p>
<table><tr><th>被执行人</th><th>证件号码（脱敏）</th><th>分类</th><th>评分</th><th>建议措施</th>
<th>案件数</th><th>案号</th><th>名单编号</th><th>未履行金额合计（元）</th><th>证据</th></tr>
{% for d in debtors %}<tr><td>{{ d.name or "" }}</td><td>{{ d.id_masked or "" }}</td>
<td>{{ d.class_zh }}</td><td>{{ d.capacity_score }}</td><td>{{ d.action }}</td>
<td>{{ d.cases }}</td><td>{{ d.case_nos }}</td><td>{{ d.case_entries }}</td>
<td>{{ "%.2f"|format(d.amount_due_total or 0) }}</td><td>{{ d.evidence }}</td></tr>
{% endfor %}</table></body></html>
"""
