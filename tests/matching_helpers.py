"""Helpers shared by the matching tests: literal parties in, hits out."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from matching import link
from matching.config import MatchThresholds
from matching.ids import check_char
from matching.parties import LIST_SCHEMA, QUERY_SCHEMA

AS_OF = date(2025, 6, 1)
THRESHOLDS = MatchThresholds()


def rid(body17: str) -> str:
    """A resident ID with a correct check char."""
    return body17 + check_char(body17)


def query(*rows: dict[str, Any]) -> pl.DataFrame:
    """Query parties from partial dicts (defaults: guest, person)."""
    base = {
        "record_id": "R",
        "role": "guest",
        "party_type": "person",
        "name": None,
        "id_number": None,
        "id_type": None,
        "gender": None,
        "birth_date": None,
    }
    full = [{**base, "record_id": f"R{i}", **r} for i, r in enumerate(rows)]
    return pl.DataFrame(full, schema=QUERY_SCHEMA)


def listed(*rows: dict[str, Any]) -> pl.DataFrame:
    """List parties from partial dicts (defaults: active dishonest person debtor)."""
    base = {
        "entry_id": "E",
        "list_role": "debtor",
        "party_type": "person",
        "name": None,
        "id_number": None,
        "gender": None,
        "age": None,
        "age_on": None,
        "list_type": "dishonest",
        "status": "active",
    }
    full = [{**base, "entry_id": f"E{i}", **r} for i, r in enumerate(rows)]
    return pl.DataFrame(full, schema=LIST_SCHEMA)


def decision(
    left: dict[str, Any], right: dict[str, Any], *, extra: list[dict[str, Any]] | None = None
) -> str | None:
    """Decision ('match' / 'review' / None) of one query party against one list party (+ decoys)."""
    hits = link(query(left), listed(right, *(extra or [])), thresholds=THRESHOLDS, as_of=AS_OF).hits
    row = hits.filter(pl.col("entry_id") == "E0")
    return row["match_decision"][0] if row.height else None
