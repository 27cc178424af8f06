"""Evidence in Chinese words: the terms that pushed each debtor's score, with their values.

Only the terms pointing the way of the class are named (for 待核实, the strongest on each side),
strongest first, so the court reads why, e.g.
"名下不动产2处（估值约180万元）；近90天入住五星级酒店3次".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import polars as pl

from .model import CapacityModel, contributions
from .params import FeatureParams

ACTIONS = {
    "dishonest": "重点执行（附证据）",
    "incapable": "终本退出及救助审查",
    "uncertain": "人工核查",
}
CLASS_ZH = {"dishonest": "失信", "incapable": "失能", "uncertain": "待核实"}
_STAR_ZH = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五"}
Row = Mapping[str, Any]


def money(value: float | None) -> str:
    """An amount as a court would write it: 约180万元 / 约3500元."""
    v = float(value or 0.0)
    if v >= 10_000:
        return f"约{v / 10_000:.0f}万元" if v >= 100_000 else f"约{v / 10_000:.1f}万元"
    return f"约{v:.0f}元"


def _hotel(r: Row, p: FeatureParams) -> str:
    if r.get("recent_hotel_stays"):
        star = _STAR_ZH.get(int(r.get("recent_max_star") or 0), "")
        return f"近{p.recent_days}天入住{star}星级酒店{r['recent_hotel_stays']}次"
    star = _STAR_ZH.get(int(r.get("max_hotel_star") or 0), "")
    return f"近{p.consumption_window_days}天入住星级酒店{r['hotel_stays']}次（最高{star}星）"


def _asset(label: str, unit: str, kind: str) -> Callable[[Row, FeatureParams], str]:
    def phrase(r: Row, p: FeatureParams) -> str:
        return f"名下{label}{r[f'{kind}_count']}{unit}（估值{money(r[f'{kind}_value'])}）"

    return phrase


_FOUND = (("real_estate", "不动产", "处"), ("vehicle", "车辆", "辆"))


def _found(r: Row) -> str:
    """What the inquiry found, in words: 不动产2处、车辆1辆、存款约3.5万元."""
    parts = [f"{label}{r[f'{k}_count']}{unit}" for k, label, unit in _FOUND if r.get(f"{k}_count")]
    for k, label in (("deposit", "存款"), ("equity", "股权"), ("securities", "证券")):
        if r.get(f"{k}_value"):
            parts.append(f"{label}{money(r[f'{k}_value'])}")
    return "、".join(parts)


PHRASES: dict[str, Callable[[Row, FeatureParams], str]] = {
    "hotel_stays": _hotel,
    "hotel_luxury": lambda r, p: (
        f"入住{_STAR_ZH.get(int(r.get('max_hotel_star') or 0), '')}星级酒店"
    ),
    "room_rate": lambda r, p: f"最高房价{money(r.get('max_room_rate'))}/晚",
    "private_school": lambda r, p: f"子女就读民办学校（年收费{money(r.get('max_school_fee'))}）",
    "subsidy_applied": lambda r, p: f"申请政府补贴{r['subsidy_applications']}次",
    "recent_consumption": lambda r, p: f"最近一次消费记录距今{r.get('days_since_consumption')}天",
    "deposit": lambda r, p: f"查得存款{money(r.get('deposit_value'))}",
    "real_estate": _asset("不动产", "处", "real_estate"),
    "vehicle": _asset("车辆", "辆", "vehicle"),
    "equity": lambda r, p: f"持有股权（估值{money(r.get('equity_value'))}）",
    "securities": lambda r, p: f"证券资产{money(r.get('securities_value'))}",
    "assets_none_found": lambda r, p: f"网络查控未发现财产（{r.get('asset_queried_on')}查询）",
    "si_base": lambda r, p: (
        f"社保缴费基数{money(r.get('si_base'))}/月"
        f"（为最低基数的{float(r.get('si_base_ratio') or 0):.1f}倍）"
    ),
    "legal_rep_roles": lambda r, p: f"担任{r['legal_rep_roles']}家被执行单位的法定代表人",
    "minimum_living": lambda r, p: "享受最低生活保障（低保）",
    "extreme_poverty": lambda r, p: "特困供养人员",
    "disability": lambda r, p: "持有残疾证明",
    "serious_illness": lambda r, p: "患重大疾病",
    "unemployed": lambda r, p: "登记失业",
    "beh_evasion": lambda r, p: "有隐匿、转移财产等规避执行行为",
    "beh_report_violation": lambda r, p: "违反财产报告制度",
    "beh_consumption_violation": lambda r, p: "违反限制消费令",
    "beh_obstruction": lambda r, p: "有妨碍、抗拒执行行为",
    "partial_performance": lambda r, p: (
        f"已部分履行{money(r.get('amount_performed'))}"
        f"（占{float(r.get('performed_share') or 0):.0%}）"
    ),
    "means_cover": lambda r, p: (
        f"查得财产合计{money(r.get('asset_total_value'))}（{_found(r)}），"
        f"为未履行金额的{float(r.get('means_ratio') or 0):.1f}倍"
    ),
    "beh_able_refusal": lambda r, p: "经认定有履行能力而拒不履行",
    "cash_cover": lambda r, p: f"存款及证券可覆盖未履行金额的{float(r.get('cash_ratio') or 0):.0%}",
    "performed_share": lambda r, p: (
        f"已履行{money(r.get('amount_performed'))}（占{float(r.get('performed_share') or 0):.0%}）"
    ),
    "debt_size": lambda r, p: f"未履行金额合计{money(r.get('amount_due'))}",
    "several_cases": lambda r, p: f"共{r.get('cases')}件在执行案件",
    "years_on_list": lambda r, p: f"列入名单已{float(r.get('days_on_list') or 0) / 365.25:.1f}年",
    "old_age": lambda r, p: f"年龄{r.get('age_at_as_of')}岁",
}
MAX_PHRASES = 4


def _chosen(contrib: np.ndarray, names: tuple[str, ...], cls: str) -> list[str]:
    order = np.argsort(-np.abs(contrib), kind="stable")
    pos = [names[i] for i in order if contrib[i] > 1e-9]
    neg = [names[i] for i in order if contrib[i] < -1e-9]
    if cls == "dishonest":
        return pos[:MAX_PHRASES]
    if cls == "incapable":
        return neg[:MAX_PHRASES]
    return pos[:2] + neg[:2]


def _missing(r: Row) -> list[str]:
    """What is not known, so that 待核实 says what to check."""
    notes = []
    if r.get("asset_inquiry_status") == "none_queried":
        notes.append("未进行网络查控")
    if not r.get("welfare_records"):
        notes.append("无民政/社保状态记录")
    return notes


def evidence_text(model: CapacityModel, features: pl.DataFrame, classes: pl.Series) -> pl.Series:
    """One evidence string per debtor, in the order of `features`."""
    contrib = contributions(model, features)
    names = model.names
    out: list[str] = []
    for i, (row, cls) in enumerate(zip(features.iter_rows(named=True), classes, strict=True)):
        phrases = [PHRASES[n](row, model.params) for n in _chosen(contrib[i], names, cls)]
        if cls == "uncertain":
            phrases += _missing(row)
        if row.get("unconfirmed_records"):
            phrases.append(
                f"另有{row['unconfirmed_records']}条民政/查控记录身份待确认（未计入评分）"
            )
        out.append("；".join(phrases) if phrases else "无财产、救助、消费或行为方面的任何数据")
    return pl.Series("evidence", out, dtype=pl.String)


def evidence_types(model: CapacityModel, features: pl.DataFrame, classes: pl.Series) -> pl.Series:
    """The term names behind each debtor's evidence, comma-joined (for the report's chart)."""
    contrib = contributions(model, features)
    return pl.Series(
        "evidence_terms",
        [",".join(_chosen(contrib[i], model.names, c)) for i, c in enumerate(classes)],
        dtype=pl.String,
    )


TERM_LABELS_ZH = {
    "hotel_stays": "星级酒店入住",
    "hotel_luxury": "四五星级酒店",
    "room_rate": "高房价",
    "private_school": "子女就读民办学校",
    "subsidy_applied": "申请政府补贴",
    "recent_consumption": "近期消费",
    "deposit": "存款",
    "real_estate": "不动产",
    "vehicle": "车辆",
    "equity": "股权",
    "securities": "证券",
    "assets_none_found": "查控未发现财产",
    "si_base": "社保缴费基数",
    "legal_rep_roles": "担任法定代表人",
    "minimum_living": "低保",
    "extreme_poverty": "特困供养",
    "disability": "残疾",
    "serious_illness": "重病",
    "unemployed": "登记失业",
    "beh_evasion": "隐匿转移财产",
    "beh_report_violation": "违反财产报告",
    "beh_consumption_violation": "违反限制消费令",
    "beh_obstruction": "妨碍抗拒执行",
    "partial_performance": "部分履行",
    "means_cover": "财产覆盖债务",
    "beh_able_refusal": "有能力拒不履行",
    "cash_cover": "现金可执行比例",
    "performed_share": "已履行比例",
    "debt_size": "未履行金额",
    "several_cases": "多案在身",
    "years_on_list": "列入名单时长",
    "old_age": "高龄",
}
