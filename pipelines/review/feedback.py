"""Analyst labels feed the matcher: the model and thresholds a sweep runs with.

Every sweep starts again from the packaged model and folds in *all* labels gathered so far, so
the same labels always give the same model (a rerun of a night is identical) and a withdrawn or
changed decision stops counting at once. Thresholds move only with enough decided labels and
only where the labels carry evidence (`matching.calibrate.thresholds_from_labels`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from matching import calibrate
from matching.config import MatchCalibration, MatchThresholds
from matching.model import MatchModel, load_default, refine
from pipelines.review.sweep_side import SweepReview
from pipelines.settings import Settings

_MOVED_BITS = 0.01
"""Weight changes smaller than this are not reported (noise of the Dirichlet blend)."""


def base_model() -> MatchModel:
    """The packaged model every sweep starts from (`matching/default_model.json`)."""
    return load_default()


def store_labels(review_db: Path | None) -> pl.DataFrame:
    """Latest decision per pair from the review store; empty without a store file."""
    if review_db is None or not Path(review_db).exists():
        return pl.DataFrame(
            schema={
                "pair_key": pl.String,
                "evidence": pl.String,
                "decision": pl.String,
                "match_score": pl.Float64,
                "agency": pl.String,
            }
        )
    store = SweepReview(review_db)
    store.migrate()
    return store.labels()


def thresholds_in_force(
    configured: MatchThresholds, cal: MatchCalibration, gammas: pl.DataFrame
) -> tuple[MatchThresholds, str]:
    """Thresholds known before scoring, given labelled pairs (`match_score`, `label`), and source.

    In fixed mode these are the ones the sweep uses. In target mode the sweep derives its own
    from its scores (`matching.calibrate.choose_thresholds`); these are then only its fallback.
    """
    moved = calibrate.labels_move(configured, cal, gammas)
    return (configured, "settings") if moved is None else (moved, "labels")


def _moved_weights(before: MatchModel, after: MatchModel) -> dict[str, list[float]]:
    """`field.level` -> [old, new] weight in bits, for levels the labels moved."""
    moved: dict[str, list[float]] = {}
    for old_c, new_c in zip(before.comparisons, after.comparisons, strict=True):
        for old, new in zip(old_c.levels, new_c.levels, strict=True):
            if abs(new.weight - old.weight) >= _MOVED_BITS:
                moved[f"{old_c.name}.{old.name}"] = [round(old.weight, 3), round(new.weight, 3)]
    return moved


def agency_labels(labels: pl.DataFrame, agency: str | None) -> pl.DataFrame:
    """The labels of pairs `agency` screened (all labels when no agency is given)."""
    if agency is None or "agency" not in labels.columns:
        return labels.unique("pair_key", keep="first", maintain_order=True)
    return labels.filter(pl.col("agency") == agency)


def feedback_from_labels(
    settings: Settings, labels: pl.DataFrame, model: MatchModel | None = None
) -> tuple[MatchModel, MatchThresholds, dict[str, Any]]:
    """Refine `model` (default: packaged) with store labels; derive thresholds; report figures.

    The model is refined only once `refine_min_labels` labels exist: one false-match label used
    to move a whole ID level's weight by several bits for every agency the next night.
    """
    start = model or base_model()
    gammas = calibrate.labels_to_gammas(labels)
    enough = gammas.height >= settings.calibration.refine_min_labels
    refined = (
        refine(start, gammas, strength=settings.calibration.refine_strength)
        if gammas.height and enough
        else start
    )
    thresholds, source = thresholds_in_force(settings.thresholds, settings.calibration, gammas)
    positive = int(gammas["label"].sum()) if gammas.height else 0
    figures: dict[str, Any] = {
        "labels_total": labels.height,
        "labels_used": gammas.height,
        "labels_positive": positive,
        "labels_negative": gammas.height - positive,
        "labels_unsure": labels.height - gammas.height,
        "model_refined": bool(gammas.height) and enough,
        "refine_min_labels": settings.calibration.refine_min_labels,
        "weights_moved_bits": _moved_weights(start, refined),
        "thresholds_mode": settings.thresholds.source,
        "thresholds_source": source,
        "thresholds_before": _pair(settings.thresholds),
        "thresholds_after": _pair(thresholds),
    }
    return refined, thresholds, figures


def _pair(t: MatchThresholds) -> dict[str, float]:
    return {"match": t.match, "review": t.review}


def sweep_model(
    settings: Settings, review_db: Path | None, agency: str | None = None
) -> tuple[MatchModel, MatchThresholds, dict[str, Any]]:
    """The model, the thresholds known before scoring (`thresholds_in_force`) and figures."""
    return feedback_from_labels(settings, agency_labels(store_labels(review_db), agency))


def sweep_matching(
    settings: Settings, review_db: Path | None, agency: str | None = None
) -> tuple[MatchModel, calibrate.ThresholdRule, dict[str, Any]]:
    """The model, the threshold rule `link` resolves after scoring, and the feedback figures.

    Only `agency`'s own labels refine its model and move its thresholds: the agencies' data
    differ, and one agency's analysts should not retune another's interceptions.
    """
    return matching_from_labels(settings, agency_labels(store_labels(review_db), agency))


def matching_from_labels(
    settings: Settings, labels: pl.DataFrame
) -> tuple[MatchModel, calibrate.ThresholdRule, dict[str, Any]]:
    """`sweep_matching` over labels already read (a sweep reads the store once, up front)."""
    model, _, figures = feedback_from_labels(settings, labels)
    rule = calibrate.ThresholdRule(
        settings.thresholds, settings.calibration, calibrate.labels_to_gammas(labels)
    )
    return model, rule, figures


def with_thresholds_used(figures: dict[str, Any], link_stats: dict[str, Any]) -> dict[str, Any]:
    """Feedback figures completed with the thresholds `link` used and the model's claims."""
    return figures | link_stats.get("thresholds", {})
