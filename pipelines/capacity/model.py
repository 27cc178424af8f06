"""The capacity model as data: a logistic points model with readable weights and thresholds.

score = 100 * sigmoid(intercept + sum(weight * term)); higher = more able to pay. Each weight is
the change in log-odds of "able but unwilling" per unit of its term (units in `terms.TERMS`).
The packaged weights (`default_model.json`) are fitted on generated worlds of two generator
settings pooled, with the cut-offs that meet each class's target precision on every one of
those worlds (`strictest_thresholds`), so the declared precision holds where the true rates
differ from any single setting's; `fit` refits them from court-confirmed outcomes and keeps
the same names, so a court can read every change.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field, model_validator

from .params import FeatureParams
from .terms import DIRECTION, TERM_NAMES, design_matrix

DEFAULT_MODEL = Path(__file__).with_name("default_model.json")
CapacityClass = Literal["dishonest", "incapable", "uncertain"]


class Thresholds(BaseModel):
    """Score cut-offs; between them, or with no evidence at all, a debtor is `uncertain`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dishonest: float = Field(
        default=70.0, ge=0, le=100, description="At or above: 失信 (able but unwilling)."
    )
    incapable: float = Field(default=30.0, ge=0, le=100, description="At or below: 失能 (unable).")
    min_evidence_sources: int = Field(
        default=1, ge=0, description="Fewer sources than this: always 待核实."
    )
    target_precision_dishonest: float = Field(
        default=0.95,
        gt=0.5,
        le=1,
        description="Share of 失信 calls that must be truly able on labelled data; the 失信 "
        "cut-off is the lowest score meeting it (`choose_thresholds`).",
    )
    target_precision_incapable: float = Field(
        default=0.95,
        gt=0.5,
        le=1,
        description="Share of 失能 calls that must be truly unable on labelled data; the 失能 "
        "cut-off is the highest score meeting it.",
    )
    min_band: int = Field(
        default=20,
        ge=1,
        description="Fewest labelled debtors a confident band must hold before its precision "
        "is trusted.",
    )
    chosen_by: str = Field(
        default="expert prior", description="How the cut-offs were chosen (shown in docs)."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.incapable >= self.dishonest:
            raise ValueError("incapable threshold must be below dishonest threshold")
        return self


class CapacityModel(BaseModel):
    """Weights, intercept, thresholds and feature parameters: everything a score depends on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    description: str = ""
    intercept: float
    weights: dict[str, float]
    thresholds: Thresholds = Thresholds()
    params: FeatureParams = FeatureParams()

    @model_validator(mode="after")
    def _known_terms(self) -> CapacityModel:
        unknown = sorted(set(self.weights) - set(TERM_NAMES))
        if unknown:
            raise ValueError(f"unknown model terms: {', '.join(unknown)}")
        return self

    @property
    def names(self) -> tuple[str, ...]:
        """Term names in a fixed order (the order of `terms.TERMS`)."""
        return tuple(n for n in TERM_NAMES if n in self.weights)

    @property
    def weight_vector(self) -> np.ndarray:
        """Weights in the order of `names`."""
        return np.array([self.weights[n] for n in self.names], dtype=np.float64)


def load_model(path: Path | None = None) -> CapacityModel:
    """Load a model from JSON (default: the packaged model, `default_model.json`)."""
    chosen = path or DEFAULT_MODEL
    try:
        return CapacityModel.model_validate_json(chosen.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read capacity model {chosen}: {exc.strerror}") from None


def save_model(model: CapacityModel, path: Path) -> None:
    """Write a model as readable, stable JSON."""
    path.write_text(
        json.dumps(model.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )


def contributions(model: CapacityModel, features: pl.DataFrame) -> np.ndarray:
    """Log-odds contribution of every term for every debtor (rows x `model.names`)."""
    return design_matrix(features, model.names) * model.weight_vector


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -35, 35)))


def classify(scores: pl.Expr, sources: pl.Expr, thresholds: Thresholds) -> pl.Expr:
    """Class from score and evidence count; no evidence always means 待核实."""
    enough = sources >= thresholds.min_evidence_sources
    return (
        pl.when(~enough)
        .then(pl.lit("uncertain"))
        .when(scores >= thresholds.dishonest)
        .then(pl.lit("dishonest"))
        .when(scores <= thresholds.incapable)
        .then(pl.lit("incapable"))
        .otherwise(pl.lit("uncertain"))
    )


def score(model: CapacityModel, features: pl.DataFrame) -> pl.DataFrame:
    """entry_id, capacity_score (0-100, one decimal) and capacity_class per debtor."""
    logits = model.intercept + contributions(model, features).sum(axis=1)
    scores = np.round(100.0 * _sigmoid(logits), 1)
    out = features.select("entry_id", "evidence_sources").with_columns(
        pl.Series("capacity_score", scores, dtype=pl.Float64)
    )
    cls = classify(pl.col("capacity_score"), pl.col("evidence_sources"), model.thresholds)
    return out.with_columns(cls.alias("capacity_class")).drop("evidence_sources")


def choose_thresholds(
    scores: np.ndarray,
    able: np.ndarray,
    *,
    target_dishonest: float = 0.9,
    target_incapable: float = 0.9,
    min_count: int = 20,
) -> tuple[float, float]:
    """Widest confident bands whose precision on labelled data meets its target.

    The 失信 cut-off is the lowest score t with precision(able | score >= t) >= target; the 失能
    cut-off the highest t with precision(unable | score <= t) >= target. Bands with fewer than
    `min_count` debtors are not trusted. Without such a t, the cut-off is pushed to the edge (no
    confident class on that side).
    """
    hi, lo = 100.0, 0.0
    for t in np.arange(50.0, 100.0, 0.5):
        sel = scores >= t
        if sel.sum() >= min_count and able[sel].mean() >= target_dishonest:
            hi = float(t)
            break
    for t in np.arange(49.5, 0.0, -0.5):
        sel = scores <= t
        if sel.sum() >= min_count and (1 - able[sel]).mean() >= target_incapable:
            lo = float(t)
            break
    return hi, min(lo, hi - 0.5)


def _labelled(features: pl.DataFrame, outcomes: pl.DataFrame) -> pl.DataFrame:
    data = features.join(outcomes.select("entry_id", "outcome"), on="entry_id", how="inner")
    if data.height < 10 or data["outcome"].n_unique() < 2:
        raise ValueError("fit needs at least 10 outcomes of both classes")
    return data


def derive_thresholds(
    model: CapacityModel, features: pl.DataFrame, outcomes: pl.DataFrame, *, label: str
) -> CapacityModel:
    """The model with cut-offs chosen for its target precisions on labelled outcomes.

    Only debtors with enough evidence to be classed at all count: the others are 待核实 whatever
    their score, so they must not dilute or flatter a band's precision.
    """
    t = model.thresholds
    data = _labelled(features, outcomes)
    if "evidence_sources" in data.columns:
        data = data.filter(pl.col("evidence_sources") >= t.min_evidence_sources)
    logits = model.intercept + contributions(model, data).sum(axis=1)
    scores = np.round(100.0 * _sigmoid(logits), 1)
    able = (data["outcome"] == "dishonest").to_numpy().astype(np.float64)
    hi, lo = choose_thresholds(
        scores,
        able,
        target_dishonest=t.target_precision_dishonest,
        target_incapable=t.target_precision_incapable,
        min_count=t.min_band,
    )
    chosen_by = (
        f"{label}: {data.height} labelled debtors, target precision "
        f"{t.target_precision_dishonest:.0%} (失信) / {t.target_precision_incapable:.0%} (失能), "
        f"bands of at least {t.min_band}"
    )
    return model.model_copy(
        update={
            "thresholds": t.model_copy(
                update={"dishonest": hi, "incapable": lo, "chosen_by": chosen_by}
            )
        }
    )


def _ridge_logistic(x: np.ndarray, y: np.ndarray, free: np.ndarray, l2: float) -> np.ndarray:
    """Intercept and weights by Newton's method; terms not `free` are held at 0."""
    cols = np.flatnonzero(free)
    xb = np.hstack([np.ones((len(x), 1)), x[:, cols]])
    beta = np.zeros(xb.shape[1])
    penalty = np.full(xb.shape[1], l2)
    penalty[0] = 0.0  # the intercept is not shrunk
    for _ in range(50):
        p = _sigmoid(xb @ beta)
        grad = xb.T @ (y - p) - penalty * beta
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(penalty) + 1e-9 * np.eye(len(beta))
        step = np.linalg.solve(hess, grad)
        beta += step
        if np.abs(step).max() < 1e-8:
            break
    full = np.zeros(x.shape[1] + 1)
    full[0] = beta[0]
    full[1 + cols] = beta[1:]
    return full


def fit(
    features: pl.DataFrame,
    outcomes: pl.DataFrame,
    *,
    base: CapacityModel | None = None,
    l2: float = 1.0,
    label: str = "fit",
) -> CapacityModel:
    """Refit weights and cut-offs from confirmed outcomes (entry_id, outcome dishonest|incapable).

    Ridge-penalised logistic regression by Newton's method on the same terms; the penalty keeps
    weights small and readable when a term is rare. The cut-offs are then chosen on the same
    outcomes for the base model's target precisions (`derive_thresholds`).
    """
    prior = base or load_model()
    data = _labelled(features, outcomes)
    x = design_matrix(data, prior.names)
    y = (data["outcome"] == "dishonest").to_numpy().astype(np.float64)
    free = np.ones(len(prior.names), dtype=bool)
    beta = np.zeros(len(prior.names) + 1)
    # Active set: a term whose weight comes out against its declared direction is held at 0
    # and the rest refitted, until every weight agrees with what its signal means.
    for _ in range(len(prior.names)):
        beta = _ridge_logistic(x, y, free, l2)
        signs = np.array([DIRECTION.get(n, 0) for n in prior.names])
        wrong = free & (signs * beta[1:] < 0)
        if not wrong.any():
            break
        free &= ~wrong
    fitted = prior.model_copy(
        update={
            "version": f"{prior.version}+fit{len(y)}",
            "intercept": round(float(beta[0]), 3),
            "weights": {n: round(float(w), 3) for n, w in zip(prior.names, beta[1:], strict=True)},
        }
    )
    return derive_thresholds(fitted, features, outcomes, label=f"{label} on {len(y)} outcomes")


def strictest_thresholds(
    model: CapacityModel, labelled: list[tuple[pl.DataFrame, pl.DataFrame]], *, label: str
) -> CapacityModel:
    """Cut-offs that meet the target precisions on EVERY labelled source given, not on average.

    Each (features, outcomes) source gets its own cut-offs (`derive_thresholds`); the 失信 cut-off
    kept is the highest of them and the 失能 cut-off the lowest. Sources drawn under different
    assumptions (e.g. generator settings with more welfare fraud or fewer inquiries) then bound
    the precision a court can expect where the true rates are not known.
    """
    chosen = [derive_thresholds(model, f, o, label=label).thresholds for f, o in labelled]
    if not chosen:
        raise ValueError("strictest_thresholds needs at least one labelled source")
    hi = max(t.dishonest for t in chosen)
    lo = min(t.incapable for t in chosen)
    t = model.thresholds
    chosen_by = (
        f"{label}: strictest over {len(chosen)} labelled sources, target precision "
        f"{t.target_precision_dishonest:.0%} (失信) / {t.target_precision_incapable:.0%} (失能) "
        f"on each, bands of at least {t.min_band}"
    )
    return model.model_copy(
        update={
            "thresholds": t.model_copy(
                update={"dishonest": hi, "incapable": min(lo, hi - 0.5), "chosen_by": chosen_by}
            )
        }
    )
