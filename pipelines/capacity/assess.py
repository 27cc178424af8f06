"""One pure step from inputs to the capacity table: features, score, class, evidence, action."""

from __future__ import annotations

from datetime import date

import polars as pl

from matching.config import MatchThresholds

from .evidence import ACTIONS, CLASS_ZH, evidence_text, evidence_types
from .features import build_features
from .identity import link_all
from .model import CapacityModel, score
from .persons import debtor_rows, person_keys, to_debtors

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
    "debtor_id",
    "cases",
    "amount_due_total",
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
    keys = person_keys(entries, thresholds=match_thresholds, as_of=as_of)
    debtors = debtor_rows(entries, keys)
    features = build_features(
        debtors,
        welfare=to_debtors(links.welfare, keys),
        assets=to_debtors(links.assets, keys),
        consumption=None if consumption is None else to_debtors(consumption, keys),
        legal_reps=_per_debtor(links.legal_reps, keys, "legal_rep_roles"),
        unconfirmed=_per_debtor(links.unconfirmed, keys, "unconfirmed_records"),
        as_of=as_of,
        params=model.params,
    )
    scored = score(model, features)
    classes = scored["capacity_class"]
    per_debtor = features.join(scored, on="entry_id", how="left").with_columns(
        evidence_text(model, features, classes),
        evidence_types(model, features, classes),
        pl.col("capacity_class").replace_strict(CLASS_ZH, return_dtype=pl.String).alias("class_zh"),
        pl.col("capacity_class").replace_strict(ACTIONS, return_dtype=pl.String).alias("action"),
        pl.col("amount_due").alias("amount_due_total"),
    )
    # Every entry carries its debtor's assessment; court and party type stay the entry's own.
    shared = [c for c in OUTPUT_COLUMNS if c not in ("entry_id", "court", "party_type")]
    table = (
        entries.select("entry_id", *_own(entries))
        .join(keys, on="entry_id", how="left")
        .join(
            per_debtor.rename({"entry_id": "debtor_id"}).select(
                [c for c in shared if c != "debtor_id"] + ["debtor_id"]
            ),
            on="debtor_id",
            how="left",
        )
    )
    return table.select(OUTPUT_COLUMNS).sort("entry_id"), features


def _own(entries: pl.DataFrame) -> list[pl.Expr]:
    """The entry's own court and party type (null-safe when the list lacks the column)."""
    return [
        (pl.col(c).cast(pl.String) if c in entries.columns else pl.lit(None, pl.String)).alias(c)
        for c in ("court", "party_type")
    ]


def _per_debtor(per_entry: pl.DataFrame, keys: pl.DataFrame, column: str) -> pl.DataFrame:
    """A per-entry count over each debtor's entries: the largest (each case sees the same rows)."""
    return (
        per_entry.join(keys, on="entry_id", how="inner")
        .group_by("debtor_id")
        .agg(pl.col(column).sum().cast(pl.Int64))
        .rename({"debtor_id": "entry_id"})
    )
