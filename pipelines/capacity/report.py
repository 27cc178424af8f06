"""Court-facing outputs: one XLSX per enforcing court and a Chinese HTML summary with charts."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

import polars as pl
import xlsxwriter
from jinja2 import Environment, select_autoescape

from matching.mask import mask_id

from .evidence import TERM_LABELS_ZH
from .model import CapacityModel
from .svg import hbars, histogram, stacked

CLASS_ORDER = {"dishonest": 0, "uncertain": 1, "incapable": 2}
CLASS_COLORS = {"失信": "#c0392b", "待核实": "#f0ad4e", "失能": "#2e86c1"}
XLSX_COLUMNS = (  # (header, source column, width)
    ("名单编号", "entry_id", 16),
    ("被执行人", "name", 18),
    ("证件号码（脱敏）", "id_masked", 22),
    ("案号", "case_no", 24),
    ("能力评分", "capacity_score", 10),
    ("分类", "class_zh", 8),
    ("建议措施", "action", 20),
    ("证据", "evidence", 80),
    ("网络查控状态", "inquiry_zh", 16),
)
INQUIRY_ZH = {
    "found": "查得财产",
    "queried_found_nothing": "已查询未发现",
    "none_queried": "未查询",
}
UNKNOWN_COURT = "未注明法院"


def court_rows(table: pl.DataFrame, entries: pl.DataFrame) -> pl.DataFrame:
    """The table with what a court needs to act: name, masked ID, case number, ordered for work."""
    extra = [c for c in ("name", "id_number", "case_no") if c in entries.columns]
    rows = table.join(entries.select("entry_id", *extra), on="entry_id", how="left")
    for c in ("name", "id_number", "case_no"):
        if c not in rows.columns:
            rows = rows.with_columns(pl.lit(None, pl.String).alias(c))
    return rows.with_columns(
        pl.col("court").fill_null(UNKNOWN_COURT),
        pl.col("id_number").map_elements(mask_id, return_dtype=pl.String).alias("id_masked"),
        pl.col("asset_inquiry_status").replace_strict(INQUIRY_ZH, default="").alias("inquiry_zh"),
        pl.col("capacity_class").replace_strict(CLASS_ORDER, return_dtype=pl.Int32).alias("_order"),
    ).sort(["court", "_order", "capacity_score"], descending=[False, False, True])


def _safe_name(court: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", court).strip("_") or "court"


def write_court_xlsx(rows: pl.DataFrame, path: Path, court: str, as_of: date) -> Path:
    """One court's workbook: Chinese headers, frozen header row, filters, wrapped evidence."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("失信失能评估")
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    text = wb.add_format({"valign": "top", "num_format": "@"})
    ws.write(0, 0, f"{court} 被执行人履行能力评估（截至{as_of.isoformat()}）", head)
    for j, (header, _, width) in enumerate(XLSX_COLUMNS):
        ws.write(1, j, header, head)
        ws.set_column(j, j, width, wrap if header == "证据" else text)
    for i, rec in enumerate(rows.iter_rows(named=True), start=2):
        for j, (_, col, _) in enumerate(XLSX_COLUMNS):
            value = rec.get(col)
            if isinstance(value, float | int):
                ws.write_number(i, j, value)
            else:
                ws.write_string(i, j, "" if value is None else str(value))
    ws.freeze_panes(2, 0)
    ws.autofilter(1, 0, max(rows.height + 1, 1), len(XLSX_COLUMNS) - 1)
    wb.close()
    return path


def write_reports(
    table: pl.DataFrame, entries: pl.DataFrame, out: Path, *, as_of: date, model: CapacityModel
) -> list[Path]:
    """Write reports/<court>.xlsx for every court and capacity_report.html; return the paths."""
    rows = court_rows(table, entries)
    folder = out / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for (court,), part in rows.group_by("court", maintain_order=True):
        name = f"{_safe_name(str(court))}.xlsx"
        written.append(write_court_xlsx(part, folder / name, str(court), as_of))
    html = out / "capacity_report.html"
    html.write_text(render_html(rows, as_of=as_of, model=model), encoding="utf-8")
    return [*written, html]


def _charts(rows: pl.DataFrame) -> dict[str, str]:
    edges = list(range(0, 101, 10))
    scores = rows["capacity_score"].to_list()
    counts = [
        sum(1 for s in scores if lo <= s < hi or (hi == 100 and s == 100))
        for lo, hi in zip(edges[:-1], edges[1:], strict=True)
    ]
    per_court = rows.group_by("court", "class_zh").len()
    courts = sorted(rows["court"].unique().to_list())[:30]
    series = {
        c: [
            int(per_court.filter((pl.col("court") == k) & (pl.col("class_zh") == c))["len"].sum())
            for k in courts
        ]
        for c in CLASS_COLORS
    }
    terms = Counter(t for s in rows["evidence_terms"].to_list() for t in s.split(",") if t)
    top = terms.most_common(12)
    palette = ["#2e86c1"] * 3 + ["#f0ad4e"] * 4 + ["#c0392b"] * 3
    return {
        "scores": histogram(counts, edges, colors=palette),
        "courts": stacked(courts, series, CLASS_COLORS),
        "evidence": hbars([TERM_LABELS_ZH.get(t, t) for t, _ in top], [n for _, n in top]),
    }


def render_html(rows: pl.DataFrame, *, as_of: date, model: CapacityModel) -> str:
    """The Chinese summary page; a few example rows per class, names masked."""
    env = Environment(autoescape=select_autoescape(default=True))
    examples = {
        zh: rows.filter(pl.col("class_zh") == zh)
        .head(5)
        .select("entry_id", "court", "capacity_score", "evidence")
        .to_dicts()
        for zh in CLASS_COLORS
    }
    counts = dict(rows.group_by("class_zh").len().iter_rows())
    return env.from_string(_TEMPLATE).render(
        as_of=as_of.isoformat(),
        total=rows.height,
        counts=counts,
        classes=list(CLASS_COLORS),
        charts=_charts(rows),
        examples=examples,
        model=model,
    )


_TEMPLATE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>被执行人履行能力评估（失信/失能）</title>
<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}
table{border-collapse:collapse;width:100%;font-size:13px}td,th{border:1px solid #ccc;padding:4px}
th{background:#eef3f8}.k{display:inline-block;margin-right:2em;font-size:18px}</style></head>
<body><h1>被执行人履行能力评估（失信 / 失能）</h1>
<p>评估基准日：{{ as_of }}；模型版本：{{ model.version }}；在册被执行人 {{ total }} 名。</p>
<p>{% for c in classes %}<span class="k">{{ c }}：{{ counts.get(c, 0) }}</span>{% endfor %}</p>
<p>分类规则：能力评分 ≥ {{ model.thresholds.dishonest }} 为“失信”（建议重点执行，附证据）；
≤ {{ model.thresholds.incapable }} 为“失能”（建议终本退出并开展救助审查）；其余及无任何数据者为
“待核实”（建议人工核查）。评分不使用性别、民族等信息。</p>
<h2>能力评分分布</h2>{{ charts.scores|safe }}
<h2>各法院分类情况</h2>{{ charts.courts|safe }}
<h2>主要证据类型</h2>{{ charts.evidence|safe }}
{% for c in classes %}<h2>{{ c }}示例</h2>
<table><tr><th>名单编号</th><th>执行法院</th><th>评分</th><th>证据</th></tr>
{% for r in examples[c] %}<tr><td>{{ r.entry_id }}</td><td>{{ r.court }}</td>
<td>{{ r.capacity_score }}</td><td>{{ r.evidence }}</td></tr>{% endfor %}</table>{% endfor %}
<p>各法院明细见 reports/ 目录下的 Excel 文件。</p></body></html>
"""
