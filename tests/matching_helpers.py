"""Helpers shared by the matching tests: literal parties in, hits out."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Literal

import polars as pl

from data_contracts import validate
from matching import link
from matching.config import MatchThresholds
from matching.ids import check_char
from matching.parties import LIST_SCHEMA, QUERY_SCHEMA, list_parties, query_parties
from pipelines.ingest import read_dataset
from pipelines.settings import agency_settings, default_settings
from pipelines.synth import generate

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


def hotel_world_parties(
    out: Path, size: int, seed: int, as_of: date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Query and list parties of a generated world's hotel file and snapshot, contract-checked."""
    generate(out, size, seed, formats="parquet", as_of=as_of)
    settings = default_settings()

    def checked(dataset: str, path: Path, side: Literal["agency", "list"]) -> pl.DataFrame:
        raw = read_dataset(path, dataset)
        return validate(
            dataset, raw, run_id=out.name, settings=settings.contracts, side=side, run_date=as_of
        ).clean

    records = checked("hotel_booking", out / "agencies/hotel_booking.parquet", "agency")
    entries = checked("dishonest_list", out / "lists/snapshot.parquet", "list")
    roles = agency_settings(settings, "hotel_booking").roles
    return query_parties(records, roles), list_parties(entries)
