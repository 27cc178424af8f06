"""Thresholds from targets, and what analyst labels say about them (pure; arrays and frames in).

Two sources of truth about precision:
- the model itself: `match_score` is a calibrated probability, so among pairs scoring >= t the
  expected share of true pairs is mean(p | p >= t) and the expected recall is
  sum(p | p >= t) / sum(p) (`thresholds_for_target`, usable before any analyst has worked);
- analyst labels: confirmed / false-match decisions on scored pairs. Precision above a threshold
  is a Beta posterior whose prior is the model's own claim for those pairs, weighted as
  `prior_strength` pseudo-labels, so a handful of decisions cannot swing a threshold
  (`thresholds_from_labels`).
`labels_to_gammas` turns the workbench's labels into the input of `matching.model.refine`.
`choose_thresholds` is what `matching.link.link` runs between scoring and deciding: a
`ThresholdRule` (settings + labels) and the scores of all candidate pairs give the numbers used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from matching.beta import beta_cdf, beta_quantile
from matching.comparisons import LEVELS
from matching.config import FEW_PAIRS, MatchCalibration, MatchThresholds

CREDIBILITY = 0.95
"""One-sided credibility of the bounds used to move a threshold."""
JEFFREYS = (0.5, 0.5)
"""Uninformative Beta prior for showing label-only precision estimates."""
_DECISION_LABEL = {"positive": True, "negative": False}


@dataclass(frozen=True)
class PrecisionEstimate:
    """Precision of a set of labelled pairs: counts, posterior mean and equal-tailed interval."""

    positive: int
    negative: int
    mean: float | None
    low: float | None
    high: float | None

    @property
    def decided(self) -> int:
        """Labels that count (confirmed or false match)."""
        return self.positive + self.negative


def estimate(
    positive: int, negative: int, *, prior: tuple[float, float] = JEFFREYS, level: float = 0.95
) -> PrecisionEstimate:
    """Beta posterior of precision from counts; no mean or interval without any label or prior."""
    a, b = prior[0] + positive, prior[1] + negative
    if positive + negative == 0 and prior == JEFFREYS:
        return PrecisionEstimate(0, 0, None, None, None)
    tail = (1 - level) / 2
    return PrecisionEstimate(
        positive, negative, a / (a + b), beta_quantile(tail, a, b), beta_quantile(1 - tail, a, b)
    )


# ---- thresholds from the model's own probabilities ----------------------------------------


def thresholds_for_target(
    scores: np.ndarray | pl.Series,
    *,
    target_precision: float,
    target_recall: float,
    floor_match: float,
    floor_review: float,
) -> tuple[float, float]:
    """(match, review) from calibrated scores of all scored pairs, no labels needed.

    match = lowest t with mean(p | p >= t) >= target_precision; review = highest t with
    sum(p | p >= t) / sum(p) >= target_recall; both kept at or above their floors and
    review <= match. Degenerate inputs: NaN scores are ignored; no scores (or all zero) give the
    floors; when even the best pair misses the precision target, match is 1.0 (nothing is
    automatic), which is the honest answer, not an error.
    """
    if not (0 < target_precision <= 1 and 0 < target_recall <= 1):
        raise ValueError("target precision and recall must be in (0, 1]")
    p = np.asarray(scores.to_numpy() if isinstance(scores, pl.Series) else scores, dtype=float)
    p = p[~np.isnan(p)]
    if p.size and (p.min() < 0 or p.max() > 1):
        raise ValueError("scores must be probabilities in [0, 1]")
    p = np.sort(p)[::-1]
    if not p.size or p.sum() == 0:
        return _ordered(floor_match, floor_review, floor_match, floor_review)
    cum = np.cumsum(p)
    k = np.arange(1, p.size + 1)
    # A threshold keeps all ties, so judge it only at the last position of each distinct value.
    last_of_value = np.append(p[1:] != p[:-1], True)
    precise = (cum / k >= target_precision) & last_of_value
    match = float(p[np.flatnonzero(precise)[-1]]) if precise.any() else 1.0
    reach = np.flatnonzero(cum / cum[-1] >= target_recall - 1e-12)
    review = float(p[reach[0]])
    return _ordered(match, review, floor_match, floor_review)


def _ordered(
    match: float, review: float, floor_match: float, floor_review: float
) -> tuple[float, float]:
    """Apply floors, then keep review <= match (a tighter match never drags review up past it)."""
    match = max(match, floor_match)
    review = min(max(review, floor_review), match)
    return match, review


# ---- thresholds from analyst labels --------------------------------------------------------


def _above(scores: np.ndarray, labels: np.ndarray, t: float) -> tuple[int, int, float]:
    """Positives, negatives and the model's mean claim among labelled pairs scoring >= t."""
    sel = scores >= t
    pos = int(labels[sel].sum())
    return pos, int(sel.sum()) - pos, float(scores[sel].mean()) if sel.any() else 1.0


def _posterior(
    scores: np.ndarray, labels: np.ndarray, t: float, strength: float
) -> tuple[float, float]:
    pos, neg, claim = _above(scores, labels, t)
    return strength * claim + pos, strength * (1 - claim) + neg


def thresholds_from_labels(
    labels: pl.DataFrame,
    *,
    target_precision: float,
    prior_strength: float,
    current: tuple[float, float],
    min_labels: int = 200,
    floor_review: float | None = None,
    credibility: float = CREDIBILITY,
) -> tuple[float, float]:
    """(match, review) moved by labels (`match_score`, `label` bool); `current` when too few.

    Precision of pairs scoring >= t ~ Beta(s*c + pos, s*(1-c) + neg), c being the model's mean
    score of those labelled pairs and s `prior_strength`. The match threshold goes *down* to the
    lowest t whose lower credible bound is >= target (labels prove it); it goes *up* only when
    labels at or above it put the upper credible bound below target (labels disprove it), and
    then just far enough that the labels above no longer do. Labels cannot see below the review
    threshold, so they never lower `review` (nor below `floor_review`, default the current one).
    """
    cur_match, cur_review = current
    floor = cur_review if floor_review is None else floor_review
    d = labels.filter(pl.col("label").is_not_null() & pl.col("match_score").is_not_null()).filter(
        pl.col("match_score").is_finite()
    )
    if d.height < min_labels:
        return cur_match, cur_review
    scores = d["match_score"].to_numpy().astype(float)
    truth = d["label"].to_numpy().astype(bool)
    alpha = 1 - credibility

    def proved(t: float) -> bool:
        return beta_cdf(target_precision, *_posterior(scores, truth, t, prior_strength)) <= alpha

    def disproved(t: float) -> bool:
        if not (scores >= t).any():
            return False
        return (
            1 - beta_cdf(target_precision, *_posterior(scores, truth, t, prior_strength)) <= alpha
        )

    match = cur_match
    if disproved(cur_match):
        above = np.unique(scores[scores >= cur_match])
        steps = [min(float(np.nextafter(s, 2.0)), 1.0) for s in above]
        match = next((t for t in steps if not disproved(t)), 1.0)
    else:
        lower = np.unique(scores[(scores < cur_match) & (scores >= floor)])
        match = next((float(t) for t in lower if proved(float(t))), cur_match)
    return _ordered(match, cur_review, floor, floor)


def precision_at(labels: pl.DataFrame, low: float, high: float | None = None) -> PrecisionEstimate:
    """Label-only precision (Jeffreys prior) of labelled pairs with low <= score (< high)."""
    sel = pl.col("match_score") >= low
    if high is not None:
        sel = sel & (pl.col("match_score") < high)
    d = labels.filter(sel & pl.col("label").is_not_null())
    pos = int(d["label"].sum())
    return estimate(pos, d.height - pos)


# ---- the thresholds a sweep decides with ---------------------------------------------------


@dataclass(frozen=True, eq=False)
class ThresholdRule:
    """Settings plus analyst labels (`labels_to_gammas` output): how a sweep picks its cut-offs."""

    settings: MatchThresholds
    calibration: MatchCalibration
    labels: pl.DataFrame | None = None

    @property
    def lowest_review(self) -> float:
        """No outcome of this rule reviews below this, so pairs under it may be dropped early."""
        # labels never lower review; target mode never goes under its floor
        s = self.settings
        return s.review_floor if s.source == "target" else s.review


@dataclass(frozen=True)
class ThresholdChoice:
    """The cut-offs used, where they came from, and what the model claims at them."""

    thresholds: MatchThresholds
    source: str
    target: MatchThresholds | None
    claims: dict[str, float | None]

    def figures(self) -> dict[str, Any]:
        """Summary figures (`summary.json` feedback section); no personal data."""
        pair = {"match": self.thresholds.match, "review": self.thresholds.review}
        return {
            "thresholds_mode": self.thresholds.source,
            "thresholds_source": self.source,
            "thresholds_after": pair,
            "thresholds_target": (
                {"match": self.target.match, "review": self.target.review} if self.target else None
            ),
            **self.claims,
        }


def _with(base: MatchThresholds, match: float, review: float) -> MatchThresholds:
    """`base` with new cut-offs, validated (model_copy would skip the ordering check)."""
    return MatchThresholds.model_validate(base.model_dump() | {"match": match, "review": review})


def labels_move(
    current: MatchThresholds, cal: MatchCalibration, gammas: pl.DataFrame | None
) -> MatchThresholds | None:
    """`current` moved by labelled pairs (`match_score`, `label`), or None while too few labels."""
    if gammas is None or not cal.labels_move_thresholds:
        return None
    if gammas.filter(pl.col("label").is_not_null()).height < cal.min_labels:
        return None
    match, review = thresholds_from_labels(
        gammas,
        target_precision=cal.target_precision,
        prior_strength=cal.prior_strength,
        current=(current.match, current.review),
        min_labels=cal.min_labels,
    )
    return _with(current, match, review)


def pair_probabilities(scored: pl.DataFrame) -> np.ndarray:
    """Calibrated scores of scored candidate pairs as `decide` sees them (a branch veto is 0).

    At most `FEW_PAIRS` pairs with every score present (the desk's one record) are read in
    Python: a select costs more than the handful of values."""
    if scored.height <= FEW_PAIRS:
        score = scored.get_column("match_score")
        if score.dtype == pl.Float64 and score.null_count() == 0:
            veto = scored.get_column("veto").to_list() if "veto" in scored.columns else []
            values = score.to_list()
            if veto:  # a vetoed pair scores 0; a null veto vetoes nothing
                values = [0.0 if v else x for v, x in zip(veto, values, strict=True)]
            return np.array(values, dtype=np.float64)
    p = pl.col("match_score")
    expr = pl.when(pl.col("veto")).then(0.0).otherwise(p) if "veto" in scored.columns else p
    return scored.select(expr.cast(pl.Float64).alias("match_score"))["match_score"].to_numpy()


def model_claims(scores: np.ndarray, thresholds: MatchThresholds) -> dict[str, float | None]:
    """Precision at match and recall at match / match+review that the scores themselves expect."""
    p = np.asarray(scores, dtype=float)
    p = p[~np.isnan(p)]
    total = float(p.sum())
    at_match = p[p >= thresholds.match]

    def share(t: float) -> float | None:
        return round(float(p[p >= t].sum()) / total, 6) if total > 0 else None

    return {
        "expected_precision_match": round(float(at_match.mean()), 6) if at_match.size else None,
        "expected_recall_match": share(thresholds.match),
        "expected_recall_match_review": share(thresholds.review),
        "candidate_pairs_scored": int(p.size),
    }


def target_thresholds(rule: ThresholdRule, scores: np.ndarray) -> MatchThresholds | None:
    """Target-mode cut-offs within the settings' bounds; None when there is nothing to judge."""
    s, cal = rule.settings, rule.calibration
    p = np.asarray(scores, dtype=float)
    if not np.nansum(p) > 0:
        return None  # no scored pair (or only impossible ones): the written numbers stand
    match, review = thresholds_for_target(
        p,
        target_precision=cal.target_precision,
        target_recall=cal.target_recall,
        floor_match=s.match_floor,
        floor_review=s.review_floor,
    )
    # the written review is a ceiling: the recall target may widen the queue, never shrink it
    return _with(s, match, min(review, s.review, match))


def choose_thresholds(rule: ThresholdRule | MatchThresholds, scores: np.ndarray) -> ThresholdChoice:
    """The cut-offs a sweep decides with, from the scores of ALL its candidate pairs.

    Fixed mode (or bare `MatchThresholds`, whatever its `source`): the written numbers. Target
    mode: derived from the targets (`target_thresholds`), the written numbers when nothing was
    scored. Then, with at least `min_labels` decided labels, `thresholds_from_labels` moves them
    as it always has.
    """
    if isinstance(rule, MatchThresholds):
        # bare numbers (tests, benches, capacity linking) carry no targets: used as written
        rule = ThresholdRule(
            rule.model_copy(update={"source": "fixed"}),
            MatchCalibration.model_validate({"labels_move_thresholds": False}),
        )
    target = target_thresholds(rule, scores) if rule.settings.source == "target" else None
    start = target or rule.settings
    moved = labels_move(start, rule.calibration, rule.labels)
    used = moved or start
    source = "labels" if moved is not None else "target" if target is not None else "settings"
    return ThresholdChoice(used, source, target, model_claims(scores, used))


# ---- labels -> comparison levels for `matching.model.refine` --------------------------------


def _levels(evidence: str | None) -> dict[str, int | None]:
    """Level codes per field from one hit's evidence JSON (`matching.explain` format)."""
    codes: dict[str, int | None] = dict.fromkeys(LEVELS)
    try:
        items = json.loads(evidence or "[]")
    except (TypeError, ValueError):
        return codes
    for item in items if isinstance(items, list) else []:
        field, level = (
            (item.get("field"), item.get("level")) if isinstance(item, dict) else (None, None)
        )
        if field in LEVELS and level in LEVELS[field]:
            codes[field] = LEVELS[field].index(level)
    return codes


def labels_to_gammas(labels: pl.DataFrame) -> pl.DataFrame:
    """ReviewStore labels (`evidence`, `decision`, `match_score`) -> `g_*` codes + `label`.

    Confirmed = True, false match = False; unsure (and anything else) is dropped. An unreadable
    evidence JSON or an unknown level gives a null code, which `refine` treats as no evidence.
    """
    schema = {f"g_{f}": pl.Int8 for f in LEVELS}
    kept = labels.filter(pl.col("decision").is_in(list(_DECISION_LABEL)))
    rows = [_levels(e) for e in kept["evidence"].to_list()]
    codes = pl.DataFrame({f"g_{f}": [r[f] for r in rows] for f in LEVELS}, schema=schema)
    extra = [c for c in ("pair_key", "match_score") if c in kept.columns]
    return pl.concat(
        [
            kept.select(extra),
            codes,
            kept.select(pl.col("decision").replace_strict(_DECISION_LABEL).alias("label")),
        ],
        how="horizontal",
    )
