"""Small typed frames shaped like the clean contract output, for the capacity tests."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

ENTRY_SCHEMA = {
    "entry_id": pl.String,
    "list_type": pl.String,
    "party_type": pl.String,
    "name": pl.String,
    "gender": pl.String,
    "age": pl.Int64,
    "id_number": pl.String,
    "legal_rep": pl.String,
    "legal_rep_id_number": pl.String,
    "court": pl.String,
    "province": pl.String,
    "behavior": pl.String,
    "filed_on": pl.Date,
    "published_on": pl.Date,
    "amount_due": pl.Float64,
    "amount_performed": pl.Float64,
    "status": pl.String,
    "removed_on": pl.Date,
}
WELFARE_SCHEMA = {
    "id_number": pl.String,
    "name": pl.String,
    "status_type": pl.String,
    "since": pl.Date,
    "until": pl.Date,
}
ASSET_SCHEMA = {
    "id_number": pl.String,
    "name": pl.String,
    "asset_type": pl.String,
    "value": pl.Float64,
    "queried_on": pl.Date,
}
CONSUMPTION_SCHEMA = {
    "entry_id": pl.String,
    "agency": pl.String,
    "event_date": pl.Date,
    "hotel_star": pl.Int64,
    "room_rate": pl.Float64,
    "school_type": pl.String,
    "annual_fee": pl.Float64,
    "amount": pl.Float64,
}
AS_OF = date(2025, 6, 30)


def entry(entry_id: str, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "entry_id": entry_id,
        "list_type": "dishonest",
        "party_type": "person",
        "name": "张伟",
        "gender": "M",
        "age": 40,
        "id_number": None,
        "court": "北京市朝阳区人民法院",
        "behavior": "有履行能力而拒不履行生效法律文书确定义务",
        "published_on": date(2023, 6, 30),
        "amount_due": 100_000.0,
        "amount_performed": 0.0,
        "status": "active",
    }
    base.update(kw)
    return base


def frame(rows: list[dict[str, Any]], schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame([{k: r.get(k) for k in schema} for r in rows], schema=schema)


def entries(*rows: dict[str, Any]) -> pl.DataFrame:
    return frame(list(rows), ENTRY_SCHEMA)


def welfare(*rows: dict[str, Any]) -> pl.DataFrame:
    return frame(list(rows), WELFARE_SCHEMA)


def assets(*rows: dict[str, Any]) -> pl.DataFrame:
    return frame(list(rows), ASSET_SCHEMA)


def consumption(*rows: dict[str, Any]) -> pl.DataFrame:
    return frame(list(rows), CONSUMPTION_SCHEMA)
