"""Shared builders for the workbench tests: a small hits frame as the sweep pushes it."""

from __future__ import annotations

import json
from typing import Any

import polars as pl

AGENCY = "hotel_booking"
OTHER_AGENCY = "school_enrollment"


def evidence(name_level: str = "close", weight: float = 1.5) -> str:
    """Evidence JSON in the matcher's shape."""
    return json.dumps(
        [
            {
                "field": "name",
                "level": name_level,
                "left": "张伟",
                "right": "张玮",
                "weight": weight,
            },
            {
                "field": "birth_date",
                "level": "exact",
                "left": "19850312",
                "right": "19850312",
                "weight": 4.2,
            },
            {
                "field": "id_number",
                "level": "masked_agree",
                "left": "110105198503122315",
                "right": "1101051985****2315",
                "weight": 3.1,
            },
        ],
        ensure_ascii=False,
    )


def hit(
    pair_key: str,
    record_id: str,
    *,
    decision: str = "review",
    score: float = 0.8,
    agency: str = AGENCY,
    intercept: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """One hit row with every column the orchestrator sends."""
    row: dict[str, Any] = {
        "agency": agency,
        "record_id": record_id,
        "role": "guest",
        "entry_id": f"E-{pair_key}",
        "list_role": "debtor",
        "match_score": score,
        "match_decision": decision,
        "pair_key": pair_key,
        "evidence": evidence(),
        "explanation_zh": "姓名近似，出生日期一致，身份证可见位一致",
        "intercept": intercept,
        "rule_id": "HOTEL-STAR-3-2",
        "reason": "星级酒店（1-5星）",
        "alert_id": f"A-{pair_key}-{record_id}",
        "query_name": "张伟",
        "query_id_number": "110105198503122315",
        "list_name": "张玮",
        "list_id_number": "1101051985****2315",
        "record_json": json.dumps({"hotel_name": "北京饭店", "hotel_star": 5}, ensure_ascii=False),
        "entry_json": json.dumps(
            {"court": "北京市朝阳区人民法院", "case_no": "(2024)京0105执1号"}, ensure_ascii=False
        ),
    }
    row.update(extra)
    return row


def hits_frame(*rows: dict[str, Any]) -> pl.DataFrame:
    """A frame of hit rows."""
    return pl.DataFrame(list(rows))
