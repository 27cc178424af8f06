"""matching.calibrate: thresholds from targets and from labels, Beta arithmetic, label levels."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from matching import calibrate
from matching.comparisons import LEVELS

TARGETS = {"target_precision": 0.998, "target_recall": 0.995}


# ---- Beta arithmetic against closed forms --------------------------------------------------


@pytest.mark.parametrize("x", [0.01, 0.3, 0.5, 0.9, 0.999])
def test_beta_cdf_closed_forms(x: float) -> None:
    assert calibrate.beta_cdf(x, 1, 1) == pytest.approx(x)
    assert calibrate.beta_cdf(x, 7, 1) == pytest.approx(x**7)
    assert calibrate.beta_cdf(x, 1, 3.5) == pytest.approx(1 - (1 - x) ** 3.5)
    assert calibrate.beta_cdf(x, 400.5, 2.5) + calibrate.beta_cdf(1 - x, 2.5, 400.5) == (
        pytest.approx(1.0)
    )


def test_beta_quantile_inverts_cdf() -> None:
    assert calibrate.beta_cdf(0.5, 5, 5) == pytest.approx(0.5)
    q = calibrate.beta_quantile(0.05, 3000, 1.3)
    assert calibrate.beta_cdf(q, 3000, 1.3) == pytest.approx(0.05, abs=1e-9)
    assert 0.998 < q < 1


def test_estimate_without_labels_says_nothing() -> None:
    empty = calibrate.estimate(0, 0)
    assert empty.mean is None and empty.low is None
    some = calibrate.estimate(9, 1)
    assert some.low < 0.9 < some.high and some.mean == pytest.approx(9.5 / 11)


# ---- thresholds from the model's own probabilities -----------------------------------------


def test_thresholds_for_target_known_answer() -> None:
    scores = np.array([0.999, 0.5, 0.999, 0.99, 0.01])
    # top-k means: .999 .999 .996 .872; recall shares: .286 .571 .854 .997 1.0
    assert calibrate.thresholds_for_target(
        scores, **TARGETS, floor_match=0.0, floor_review=0.0
    ) == (0.999, 0.5)
    loose = calibrate.thresholds_for_target(
        pl.Series(scores),
        target_precision=0.995,
        target_recall=0.999,
        floor_match=0.0,
        floor_review=0.0,
    )
    assert loose == (0.99, 0.01)


def test_thresholds_for_target_floors_and_order() -> None:
    scores = np.array([0.999, 0.999, 0.99, 0.5, 0.01])
    assert calibrate.thresholds_for_target(
        scores, **TARGETS, floor_match=0.97, floor_review=0.6
    ) == (0.999, 0.6)
    # a match floor above the derived review never leaves review above match
    assert calibrate.thresholds_for_target(
        np.array([0.3, 0.2]), **TARGETS, floor_match=0.5, floor_review=0.1
    ) == (1.0, 0.2)


def test_thresholds_for_target_keeps_ties_together() -> None:
    # 1.0 and one 0.99 would average 0.995, but a threshold at 0.99 takes all three 0.99s
    scores = np.array([1.0, 0.99, 0.99, 0.99])
    match, _ = calibrate.thresholds_for_target(
        scores, target_precision=0.995, target_recall=0.5, floor_match=0, floor_review=0
    )
    assert match == 1.0


def test_thresholds_for_target_degenerate_inputs() -> None:
    floors = {"floor_match": 0.97, "floor_review": 0.6}
    assert calibrate.thresholds_for_target(np.array([]), **TARGETS, **floors) == (0.97, 0.6)
    assert calibrate.thresholds_for_target(np.zeros(5), **TARGETS, **floors) == (0.97, 0.6)
    with_nan = np.array([np.nan, 0.9995, 0.9995])
    assert calibrate.thresholds_for_target(with_nan, **TARGETS, **floors) == (0.9995, 0.9995)
    with pytest.raises(ValueError, match="probabilities"):
        calibrate.thresholds_for_target(np.array([1.5]), **TARGETS, **floors)
    with pytest.raises(ValueError, match="target"):
        calibrate.thresholds_for_target(
            np.array([0.5]), target_precision=0, target_recall=0.9, **floors
        )


# ---- thresholds from labels ----------------------------------------------------------------


def _labels(*groups: tuple[int, float, float, bool], seed: int = 3) -> pl.DataFrame:
    """(count, low, high, label) groups of labelled pairs with scores spread in [low, high]."""
    rng = np.random.default_rng(seed)
    frames = [
        pl.DataFrame({"match_score": rng.uniform(lo, hi, n), "label": [label] * n})
        for n, lo, hi, label in groups
    ]
    return pl.concat(frames)


CURRENT = (0.97, 0.6)
KW = {"target_precision": 0.998, "prior_strength": 20.0, "current": CURRENT, "min_labels": 100}


def test_too_few_labels_keep_current() -> None:
    few = _labels((30, 0.975, 0.985, False))
    assert calibrate.thresholds_from_labels(few, **KW) == CURRENT


def test_consistent_false_matches_raise_match_above_their_band() -> None:
    labels = _labels((200, 0.6, 0.9, True), (40, 0.975, 0.985, False))
    match, review = calibrate.thresholds_from_labels(labels, **KW)
    worst = labels.filter(~pl.col("label"))["match_score"].max()
    assert worst < match < 0.985 + 1e-9 and review == 0.6


def test_one_false_among_many_confirmed_does_not_move_match() -> None:
    labels = _labels((300, 0.97, 0.99, True), (1, 0.98, 0.98, False))
    assert calibrate.thresholds_from_labels(labels, **KW) == CURRENT


def test_many_clean_confirmations_lower_match_a_few_do_not() -> None:
    many = _labels((3000, 0.9, 0.97, True))
    match, review = calibrate.thresholds_from_labels(many, **KW)
    assert 0.9 <= match < 0.91 and review == 0.6
    few = _labels((150, 0.9, 0.97, True))
    assert calibrate.thresholds_from_labels(few, **KW) == CURRENT


def test_labels_never_push_review_below_its_floor() -> None:
    labels = _labels((3000, 0.3, 0.97, True))
    match, review = calibrate.thresholds_from_labels(labels, **KW)
    assert match >= 0.6 and review == 0.6
    _, floored = calibrate.thresholds_from_labels(labels, **KW, floor_review=0.5)
    assert floored == 0.6  # labels never lower review, whatever the floor


def test_precision_at_counts_a_band() -> None:
    labels = _labels((9, 0.7, 0.79, True), (1, 0.7, 0.79, False), (5, 0.9, 0.95, False))
    band = calibrate.precision_at(labels, 0.7, 0.8)
    assert (band.positive, band.negative) == (9, 1)
    assert band.low < 0.9 < band.high


# ---- labels -> comparison levels -----------------------------------------------------------


def _evidence(**levels: str) -> str:
    return json.dumps(
        [
            {"field": f, "level": lv, "left": "", "right": "", "weight": 1.0}
            for f, lv in levels.items()
        ]
    )


def test_labels_to_gammas_maps_levels_and_decisions() -> None:
    store_labels = pl.DataFrame(
        {
            "pair_key": ["a", "b", "c", "d", "e"],
            "evidence": [
                _evidence(id="exact", name="homophone", birth="exact", gender="equal"),
                _evidence(id="different", name="exact", gender="different"),
                _evidence(id="exact"),
                "not json",
                _evidence(id="no_such_level", name="exact"),
            ],
            "decision": ["positive", "negative", "unsure", "negative", "positive"],
            "match_score": [0.8, 0.7, 0.9, 0.65, 0.75],
        }
    )
    g = calibrate.labels_to_gammas(store_labels)
    assert g["pair_key"].to_list() == ["a", "b", "d", "e"]
    assert g["label"].to_list() == [True, False, False, True]
    a = g.row(0, named=True)
    assert a["g_id"] == LEVELS["id"].index("exact")
    assert a["g_name"] == LEVELS["name"].index("homophone")
    assert a["g_birth"] == LEVELS["birth"].index("exact")
    assert a["g_gender"] == LEVELS["gender"].index("equal")
    b = g.row(1, named=True)
    assert b["g_birth"] is None and b["g_gender"] == LEVELS["gender"].index("different")
    assert all(g.row(2, named=True)[f"g_{f}"] is None for f in LEVELS)  # unreadable evidence
    assert g.row(3, named=True)["g_id"] is None  # unknown level is no evidence
