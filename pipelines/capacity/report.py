"""Court-facing outputs: one XLSX per enforcing court and a Chinese HTML summary with charts."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import polars as pl
import xlsxwriter
from jinja2 import Environment, select_autoescape

from matching.mask import mask_id

from .court_pages import TOP_COURTS, court_table, safe_name, write_court_pages
from .evidence import TERM_LABELS_ZH
from .model import CapacityModel
from .svg import class_histogram, hbars, stacked

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
    ("同一被执行人案件数", "cases", 10),
    ("未履行金额合计（元）", "amount_due_total", 14),
    ("同一被执行人全部名单编号", "case_entries", 30),
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
    # the debtor's cases side by side: a court enforces them together (捆绑执行)
    cases = rows.group_by("debtor_id").agg(
        pl.col("entry_id").sort().str.join("、").alias("case_entries")
    )
    rows = rows.join(cases, on="debtor_id", how="left")
    for c in ("name", "id_number", "case_no"):
        if c not in rows.columns:
            rows = rows.with_columns(pl.lit(None, pl.String).alias(c))
    return rows.with_columns(
        pl.col("court").fill_null(UNKNOWN_COURT),
        pl.col("id_number").map_elements(mask_id, return_dtype=pl.String).alias("id_masked"),
        pl.col("asset_inquiry_status").replace_strict(INQUIRY_ZH, default="").alias("inquiry_zh"),
        pl.col("capacity_class").replace_strict(CLASS_ORDER, return_dtype=pl.Int32).alias("_order"),
    ).sort(
        ["court", "_order", "capacity_score", "debtor_id", "entry_id"],
        descending=[False, False, True, False, False],
    )


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
        name = f"{safe_name(str(court))}.xlsx"
        written.append(write_court_xlsx(part, folder / name, str(court), as_of))
    pages = write_court_pages(rows, folder, as_of=as_of, model=model)
    html = out / "capacity_report.html"
    html.write_text(render_html(rows, as_of=as_of, model=model), encoding="utf-8")
    return [*written, *pages, html]


def legend(model: CapacityModel) -> dict[str, str]:
    """Legend text of each class, with the cut-offs in force."""
    t = model.thresholds
    return {
        "失信": f"失信（评分≥{t.dishonest:g}）",
        "待核实": f"待核实（{t.incapable:g}–{t.dishonest:g}或证据不足）",
        "失能": f"失能（评分≤{t.incapable:g}）",
    }


def _charts(rows: pl.DataFrame, model: CapacityModel) -> dict[str, str]:
    debtors = rows.unique("debtor_id")  # one person, one bar unit, whatever their case count
    edges = list(range(0, 101, 5))
    band = (pl.col("capacity_score") / 5).floor().clip(0, len(edges) - 2).cast(pl.Int64)
    binned = debtors.group_by(band.alias("b"), "class_zh").len()
    counts = {
        c: [
            int(binned.filter((pl.col("b") == i) & (pl.col("class_zh") == c))["len"].sum())
            for i in range(len(edges) - 1)
        ]
        for c in CLASS_COLORS
    }
    courts = court_table(rows).head(TOP_COURTS)["court"].to_list()
    per_court = rows.unique(["court", "debtor_id"]).group_by("court", "class_zh").len()
    series = {
        c: [
            int(per_court.filter((pl.col("court") == k) & (pl.col("class_zh") == c))["len"].sum())
            for k in courts
        ]
        for c in CLASS_COLORS
    }
    terms = Counter(t for s in debtors["evidence_terms"].to_list() for t in s.split(",") if t)
    top = terms.most_common(12)
    return {
        "scores": class_histogram(counts, edges, CLASS_COLORS, legend(model)),
        "courts": stacked(courts, series, CLASS_COLORS),
        "evidence": hbars([TERM_LABELS_ZH.get(t, t) for t, _ in top], [n for _, n in top]),
    }


def render_html(rows: pl.DataFrame, *, as_of: date, model: CapacityModel) -> str:
    """The Chinese summary page; a few example rows per class, names masked."""
    env = Environment(autoescape=select_autoescape(default=True))
    debtors = rows.unique("debtor_id", maintain_order=True)
    examples = {
        zh: debtors.filter(pl.col("class_zh") == zh)
        .head(5)
        .select("debtor_id", "court", "capacity_score", "cases", "evidence")
        .to_dicts()
        for zh in CLASS_COLORS
    }
    counts = dict(debtors.group_by("class_zh").len().iter_rows())
    courts = court_table(rows)
    return env.from_string(_TEMPLATE).render(
        as_of=as_of.isoformat(),
        total=debtors.height,
        entries=rows.height,
        counts=counts,
        classes=list(CLASS_COLORS),
        charts=_charts(rows, model),
        examples=examples,
        model=model,
        courts=courts.to_dicts(),
        top_courts=min(TOP_COURTS, courts.height),
    )


_TEMPLATE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>被执行人履行能力评估（失信/失能）</title>
<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}
table{border-collapse:collapse;width:100%;font-size:13px}td,th{border:1px solid #ccc;padding:4px}
th{background:#eef3f8}.k{display:inline-block;margin-right:2em;font-size:18px}</style></head>
<body><h1>被执行人履行能力评估（失信 / 失能）</h1>
<p>评估基准日：{{ as_of }}；模型版本：{{ model.version }}；在册被执行人 {{ total }} 名
（名单条目 {{ entries }} 条，同一人的多个案件合并评估）。</p>
<p>{% for c in classes %}<span class="k">{{ c }}：{{ counts.get(c, 0) }}</span>{% endfor %}</p>
<p>分类规则：能力评分 ≥ {{ model.thresholds.dishonest }} 为“失信”（建议重点执行，附证据）；
≤ {{ model.thresholds.incapable }} 为“失能”（建议终本退出并开展救助审查）；其余及无任何数据者为
“待核实”（建议人工核查）。分界点按目标准确率（失信
{{ "%.0f"|format(model.thresholds.target_precision_dishonest * 100) }}%、失能
{{ "%.0f"|format(model.thresholds.target_precision_incapable * 100) }}%）确定。
评分不使用性别、民族等信息。</p>
<h2>能力评分分布（按人）</h2>{{ charts.scores|safe }}
<h2>各法院分类情况（在册人数最多的 {{ top_courts }} 家，
共 {{ courts|length }} 家法院，全部见下表）</h2>
{{ charts.courts|safe }}
<h2>主要证据类型</h2>{{ charts.evidence|safe }}
{% for c in classes %}<h2>{{ c }}示例</h2>
<table><tr><th>被执行人编号</th><th>执行法院</th><th>评分</th><th>案件数</th><th>证据</th></tr>
{% for r in examples[c] %}<tr><td>{{ r.debtor_id }}</td><td>{{ r.court }}</td>
<td>{{ r.capacity_score }}</td><td>{{ r.cases }}</td><td>{{ r.evidence }}</td></tr>
{% endfor %}</table>{% endfor %}
<h2>全部法院（点击查看明细）</h2>
<table><tr><th>执行法院</th><th>被执行人</th><th>失信</th><th>待核实</th><th>失能</th>
<th>未履行金额合计（元）</th><th>Excel</th></tr>
{% for r in courts %}<tr><td><a href="reports/{{ r.page }}">{{ r.court }}</a></td>
<td>{{ r.debtors }}</td><td>{{ r["失信"] }}</td><td>{{ r["待核实"] }}</td><td>{{ r["失能"] }}</td>
<td>{{ "%.2f"|format(r.amount_due) }}</td><td><a href="reports/{{ r.xlsx }}">下载</a></td></tr>
{% endfor %}</table></body></html>
"""
