"""One pure step from inputs to the capacity table: features, score, class, evidence, action."""

from __future__ import annotations

from datetime import date

import polars as pl

from pipelines.settings import MatchThresholds

from .evidence import ACTIONS, CLASS_ZH, evidence_text, evidence_types
from .features import build_features
from .identity import link_all
from .model import CapacityModel, score

OUTPUT_COLUMNS = (
    "entry_id",
    "capacity_score",
    "capacity_class",
    "class_zh",
    "evidence",
    "action",
    "court",
    "party_type",
    "asset_inquiry_status",
    "evidence_sources",
    "evidence_terms",
)


def assess(
    entries: pl.DataFrame,
    *,
    welfare: pl.DataFrame,
    assets: pl.DataFrame,
    consumption: pl.DataFrame | None,
    as_of: date,
    model: CapacityModel,
    match_thresholds: MatchThresholds,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Score every active entry; returns (capacity table, full feature frame).

    `welfare` and `assets` are clean contract frames (id_number, name, ...); the matching engine
    links them to entries here at `match_thresholds` (settings). `consumption` is already keyed
    by entry_id (it comes from sweep hits, linked by the same engine during the sweep).
    """
    links = link_all(
        entries, welfare=welfare, assets=assets, thresholds=match_thresholds, as_of=as_of
    )
    features = build_features(
        entries,
        welfare=links.welfare,
        assets=links.assets,
        consumption=consumption,
        legal_reps=links.legal_reps,
        unconfirmed=links.unconfirmed,
        as_of=as_of,
        params=model.params,
    )
    scored = score(model, features)
    classes = scored["capacity_class"]
    table = features.join(scored, on="entry_id", how="left").with_columns(
        evidence_text(model, features, classes),
        evidence_types(model, features, classes),
        pl.col("capacity_class").replace_strict(CLASS_ZH, return_dtype=pl.String).alias("class_zh"),
        pl.col("capacity_class").replace_strict(ACTIONS, return_dtype=pl.String).alias("action"),
    )
    return table.select(OUTPUT_COLUMNS).sort("entry_id"), features
