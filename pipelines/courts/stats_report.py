"""The statistics as files: stats.json, stats.xlsx (the courts' own reporting) and stats.html.

Charts are drawn by pygal as SVG and embedded as data URIs, so the page renders offline and
under the workbench's content policy (no script, no stylesheet, no CDN).
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pygal
from pygal.style import Style

from pipelines.courts.leads import AGENCY_ZH

FIELD_ZH: dict[str, str] = {
    "agency": "协作单位",
    "court": "执行法院",
    "hits": "命中",
    "intercepts": "应拦截",
    "hits_dishonest": "失信名单命中",
    "hits_restricted": "限高名单命中",
    "alerts": "预警",
    "status_new": "新增",
    "status_sent": "已发送",
    "status_acknowledged": "已签收",
    "status_intercepted": "已拦截",
    "status_false_match": "误匹配",
    "status_released": "已放行",
    "status_withdrawn": "已撤回",
    "status_suppressed": "人工排除",
    "overdue": "逾期未反馈",
    "replied": "已反馈",
    "replied_on_time": "按期反馈",
    "median_reply_working_days": "反馈用时中位数（工作日）",
    "disputes": "异议（误匹配）",
    "outcomes": "已办结",
    "debtors_dishonest": "评估为失信",
    "debtors_incapable": "评估为失能",
    "exits": "退出名单建议",
    "terminations": "终结本次执行",
    "referrals": "救助转介",
    "rank": "名次",
    "on_time_rate": "按期反馈率",
    "period": "期间",
    "false_matches": "误匹配",
    "replies": "反馈",
}
_STYLE = Style(font_family='"Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif')
_PAGE_CSS = (
    'body{font-family:"Noto Sans CJK SC",sans-serif;margin:1.5rem}table{border-collapse:collapse}'
    "td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:right}figure{display:inline-block}"
)
STATUS_KEYS = ("status_sent", "status_acknowledged", "status_intercepted", "status_false_match",
               "status_released", "status_withdrawn")  # fmt: skip


def _named(rows: list[dict[str, Any]], key: str) -> list[str]:
    return [AGENCY_ZH.get(r[key], r[key]) if key == "agency" else str(r[key]) for r in rows]


def _svg(chart: Any) -> str:
    data = chart.render(is_unicode=True).encode("utf-8")
    return "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")


def charts(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(title, SVG data URI) of each chart of the statistics page."""
    agencies, courts = document["by_agency"], document["by_court"][:15]
    out: list[tuple[str, str]] = []
    bar = pygal.Bar(js=[], style=_STYLE, width=820, height=360, x_label_rotation=0)
    bar.x_labels = _named(agencies, "agency")
    for key in ("hits", "intercepts", "overdue", "disputes"):
        bar.add(FIELD_ZH[key], [r.get(key) or 0 for r in agencies])
    out.append(("各协作单位命中、拦截、逾期与异议", _svg(bar)))
    stacked = pygal.StackedBar(js=[], style=_STYLE, width=820, height=360)
    stacked.x_labels = _named(agencies, "agency")
    for key in STATUS_KEYS:
        stacked.add(FIELD_ZH[key], [r.get(key) or 0 for r in agencies])
    out.append(("预警状态分布", _svg(stacked)))
    weeks = document["series"]["week"]
    line = pygal.Line(js=[], style=_STYLE, width=820, height=360)
    periods = sorted({r["period"] for r in weeks})
    line.x_labels = periods
    for agency in sorted({r["agency"] for r in weeks}):
        counts = {r["period"]: r["intercepts"] for r in weeks if r["agency"] == agency}
        line.add(AGENCY_ZH.get(agency, agency), [counts.get(p, 0) for p in periods])
    out.append(("按周应拦截数", _svg(line)))
    lists = pygal.HorizontalStackedBar(js=[], style=_STYLE, width=820, height=420)
    lists.x_labels = _named(courts, "court")
    for key in ("hits_dishonest", "hits_restricted", "debtors_incapable", "exits"):
        lists.add(FIELD_ZH[key], [r.get(key) or 0 for r in courts])
    out.append(("各执行法院：失信/限高命中、失能与退出", _svg(lists)))
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3g}" if value < 1 else f"{value:.1f}"
    return html.escape(str(value))


def table_html(rows: list[dict[str, Any]], key: str) -> str:
    """An HTML table with Chinese headers (agency codes in words)."""
    if not rows:
        return "<p>无数据。</p>"
    columns = list(rows[0])
    head = "".join(f"<th>{FIELD_ZH.get(c, c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(
            f"<td>{_cell(AGENCY_ZH.get(r[c], r[c]) if c == 'agency' else r[c])}</td>"
            for c in columns
        ) + "</tr>"
        for r in rows
    )  # fmt: skip
    return f'<table class="stats"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def page_html(document: dict[str, Any]) -> str:
    """A standalone HTML page: charts, agency and court tables, the cooperation ranking."""
    figures = "".join(
        f'<figure><img alt="{html.escape(t)}" src="{uri}"><figcaption>{html.escape(t)}</figcaption>'
        "</figure>"
        for t, uri in charts(document)
    )
    span = f"{document['from']} 至 {document['to']}"
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>联合惩戒统计 {span}</title>
<style>{_PAGE_CSS}</style>
</head><body><h1>联合惩戒统计 <small>{span}</small></h1>
{figures}
<h2>协作单位按期反馈排名</h2>{table_html(document["ranking"], "agency")}
<h2>按协作单位</h2>{table_html(document["by_agency"], "agency")}
<h2>按执行法院</h2>{table_html(document["by_court"], "court")}
</body></html>
"""


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    frame = pl.DataFrame(rows) if rows else pl.DataFrame()
    if "agency" in frame.columns:
        frame = frame.with_columns(pl.col("agency").replace(AGENCY_ZH))
    return frame


def _fields(frame: pl.DataFrame) -> list[tuple[str, str]]:
    return [(c, FIELD_ZH.get(c, c)) for c in frame.columns]


def write_stats(document: dict[str, Any], out: Path) -> list[Path]:
    """Write stats.json, stats.xlsx and stats.html into `out` (each replaced whole)."""
    from pipelines.sanctions.reports import _atomic, _xlsx

    out.mkdir(parents=True, exist_ok=True)
    sheets = [
        ("按协作单位", _frame(document["by_agency"])),
        ("按执行法院", _frame(document["by_court"])),
        ("协作排名", _frame(document["ranking"])),
        *[(f"按{zh}", _frame(document["series"][p]))
          for p, zh in (("day", "日"), ("week", "周"), ("quarter", "季度"))],
    ]  # fmt: skip
    text = json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n"
    return [
        _atomic(out / "stats.json", _writer(text)),
        _xlsx(out / "stats.xlsx", [(t, f, _fields(f)) for t, f in sheets], _period_end(document)),
        _atomic(out / "stats.html", _writer(page_html(document))),
    ]


def write_ranking(document: dict[str, Any], out: Path) -> list[Path]:
    """The weekly cooperation ranking alone: ranking.json and ranking.xlsx."""
    from pipelines.sanctions.reports import _atomic, _xlsx

    frame = _frame(document["ranking"])
    keep = {k: document[k] for k in ("from", "to", "ranking")}
    text = json.dumps(keep, ensure_ascii=False, indent=2) + "\n"
    return [
        _atomic(out / "ranking.json", _writer(text)),
        _xlsx(out / "ranking.xlsx", [("协作排名", frame, _fields(frame))], _period_end(document)),
    ]


def _writer(text: str) -> Callable[[Path], object]:
    return lambda tmp: tmp.write_text(text, encoding="utf-8")


__all__: Sequence[str] = ("charts", "page_html", "table_html", "write_ranking", "write_stats")


def _period_end(document: dict[str, Any]) -> date:
    """The last day the statistics cover: workbooks are stamped with it, so reruns match."""
    return date.fromisoformat(str(document["to"])[:10])
