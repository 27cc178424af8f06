"""Match/review thresholds chosen from the target precision declared in settings.

Settings round-trip; target mode on a generated world picks thresholds whose model-expected
precision meets the target and records them in summary.json; a stricter target never lowers the
match threshold; deciding after the derivation equals deciding with those numbers written down;
fixed mode is unchanged; analyst labels still move the thresholds in target mode.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
import yaml
from pydantic import ValidationError

from matching.calibrate import (
    ThresholdRule,
    choose_thresholds,
    labels_to_gammas,
    model_claims,
)
from matching.config import MatchCalibration, MatchThresholds
from pipelines.settings import DEFAULT_SETTINGS, Settings, default_settings, load_settings
from pipelines.sweep.run import SweepRequest, run_sweep
from tests.sweep_helpers import generated_world
from tests.test_feedback_refine import labelled_store

NIGHT = date(2025, 7, 1)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_world(tmp_path_factory, size=2500, seed=5, formats="csv")


def settings_with(thresholds: dict[str, Any] | None = None, **calibration: Any) -> Settings:
    """Packaged settings with some threshold and calibration fields replaced (validated)."""
    base = default_settings().model_dump()
    base["thresholds"] |= thresholds or {}
    base["calibration"] |= calibration
    return Settings.model_validate(base)


def sweep(world: Path, out: Path, settings: Settings, review_db: Path | None = None) -> dict:
    """One hotel sweep of the generated world; its summary.json."""
    run_sweep(
        SweepRequest(
            agency="hotel_booking",
            lists=[world / "lists/snapshot.csv", world / "lists/delta_001.csv"],
            input=world / "agencies/hotel_booking.csv",
            out=out,
            run_date=NIGHT,
            settings=settings,
            review_db=review_db,
        )
    )
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def hit_rows(out: Path) -> list[tuple[str, ...]]:
    with (out / "hits.csv").open(encoding="utf-8") as fh:
        rows = csv.DictReader(fh)
        keys = ("record_id", "role", "entry_id", "match_decision", "match_score")
        return sorted(tuple(r[k] for k in keys) for r in rows)


# ---- settings -------------------------------------------------------------------------------


def test_threshold_fields_round_trip_through_yaml(tmp_path: Path) -> None:
    raw = yaml.safe_load(DEFAULT_SETTINGS.read_text(encoding="utf-8"))
    raw["thresholds"] |= {"source": "target", "match_floor": 0.85, "review_floor": 0.4}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    loaded = load_settings(path)
    assert loaded.thresholds.source == "target"
    assert (loaded.thresholds.match_floor, loaded.thresholds.review_floor) == (0.85, 0.4)
    again = tmp_path / "again.yaml"
    again.write_text(yaml.safe_dump(loaded.model_dump(), allow_unicode=True), encoding="utf-8")
    assert load_settings(again) == loaded


def test_packaged_default_derives_thresholds_from_the_target() -> None:
    t = load_settings().thresholds
    # target mode; the written numbers are the fallback (nothing scored) and review's ceiling
    assert (t.source, t.match, t.review) == ("target", 0.97, 0.60)
    assert t.review_floor <= t.review and t.match_floor <= t.match


def test_threshold_settings_are_validated() -> None:
    with pytest.raises(ValidationError):
        MatchThresholds.model_validate({"source": "guess"})
    with pytest.raises(ValidationError):  # the floor would sit above its own ceiling
        MatchThresholds.model_validate({"source": "target", "review": 0.2, "review_floor": 0.3})
    # in fixed mode the target floors do not constrain the written numbers
    assert MatchThresholds.model_validate({"review": 0.2, "review_floor": 0.3}).review == 0.2


# ---- the rule, on literal scores ------------------------------------------------------------


def _cal(**kw: Any) -> MatchCalibration:
    return MatchCalibration.model_validate(kw)


TARGET = MatchThresholds.model_validate({"source": "target", "match_floor": 0.5})


def test_fixed_numbers_ignore_the_scores() -> None:
    scores = np.array([0.999, 0.99, 0.7, 0.2])
    for rule in (MatchThresholds(), ThresholdRule(MatchThresholds(), _cal())):
        chosen = choose_thresholds(rule, scores)
        assert (chosen.thresholds.match, chosen.thresholds.review) == (0.97, 0.60)
        assert chosen.source == "settings" and chosen.target is None
    # bare numbers carry no targets, so even a `target` source is used as written
    bare = choose_thresholds(TARGET, scores)
    assert (bare.thresholds.match, bare.thresholds.review, bare.source) == (0.97, 0.60, "settings")


def test_target_mode_uses_the_written_numbers_when_nothing_was_scored() -> None:
    for empty in (np.array([]), np.zeros(3)):
        chosen = choose_thresholds(ThresholdRule(TARGET, _cal()), empty)
        assert chosen.thresholds == TARGET and chosen.source == "settings"


def test_target_mode_bounds() -> None:
    # 100 sure pairs and 10 at 0.81: the 0.998 target allows none of the 0.81 pairs at match
    scores = np.array([1.0] * 100 + [0.81] * 10 + [0.45] * 40 + [0.01] * 500)
    rule = ThresholdRule(TARGET, _cal(target_precision=0.998, target_recall=0.9999))
    chosen = choose_thresholds(rule, scores)
    assert chosen.source == "target" and chosen.thresholds.match == 1.0
    # recall needs every 0.01 pair; the floor stops it at 0.30, and the written 0.60 is a ceiling
    assert chosen.thresholds.review == TARGET.review_floor
    loose = ThresholdRule(TARGET, _cal(target_precision=0.95, target_recall=0.5))
    got = choose_thresholds(loose, scores).thresholds
    assert got.match == 0.81 and got.review == 0.60  # recall 0.5 is met at 1.0: capped at 0.60
    assert choose_thresholds(loose, scores).claims["expected_precision_match"] >= 0.95


def test_claims_are_the_models_own_arithmetic() -> None:
    scores = np.array([1.0, 0.9, 0.6, 0.5])
    claims = model_claims(scores, MatchThresholds(match=0.9, review=0.55))
    assert claims["expected_precision_match"] == pytest.approx(0.95)
    assert claims["expected_recall_match"] == pytest.approx(1.9 / 3.0, abs=1e-6)
    assert claims["expected_recall_match_review"] == pytest.approx(2.5 / 3.0, abs=1e-6)
    assert claims["candidate_pairs_scored"] == 4


def test_labels_move_target_thresholds(tmp_path: Path) -> None:
    store, worst = labelled_store(tmp_path / "review.duckdb")
    gammas = labels_to_gammas(store.labels())
    rng = np.random.default_rng(3)
    scores = np.concatenate([np.full(2000, 0.9999), rng.uniform(0.9, 0.99, 20), np.zeros(100)])
    cal = _cal(min_labels=50)
    target = choose_thresholds(ThresholdRule(TARGET, cal), scores)
    moved = choose_thresholds(ThresholdRule(TARGET, cal, gammas), scores)
    assert target.source == "target" and moved.source == "labels"
    assert moved.target == target.thresholds  # labels start from the target-derived numbers
    assert target.thresholds.match < worst < moved.thresholds.match
    assert moved.thresholds.review == target.thresholds.review
    # below min_labels the labels are not enough evidence: the target numbers stand
    kept = choose_thresholds(ThresholdRule(TARGET, _cal(min_labels=500), gammas), scores)
    assert kept.source == "target" and kept.thresholds == target.thresholds


# ---- target mode on a generated world ------------------------------------------------------


def test_target_mode_meets_the_declared_precision(world: Path, tmp_path: Path) -> None:
    settings = settings_with({"source": "target"})
    fb = sweep(world, tmp_path / "target", settings)["feedback"]
    used, cal = fb["thresholds_after"], settings.calibration
    assert fb["thresholds_mode"] == "target" and fb["thresholds_source"] == "target"
    assert fb["thresholds_target"] == used
    assert fb["expected_precision_match"] >= cal.target_precision
    assert settings.thresholds.match_floor <= used["match"] <= 1.0
    assert settings.thresholds.review_floor <= used["review"] <= min(used["match"], 0.60)
    assert fb["candidate_pairs_scored"] > 0
    # the decisions in hits.csv follow the numbers reported
    for row in hit_rows(tmp_path / "target"):
        score = float(row[4])
        assert score >= used["review"] - 1e-9
        if row[3] == "match":
            assert score >= used["match"] - 1e-9
    # deciding after the derivation is the same as deciding with those numbers written down
    written = settings_with({"source": "fixed", **used})
    sweep(world, tmp_path / "written", written)
    assert hit_rows(tmp_path / "written") == hit_rows(tmp_path / "target")


def test_stricter_target_never_lowers_the_match_threshold(world: Path, tmp_path: Path) -> None:
    used = []
    # 0.9 admits the world's few mid-scoring pairs; the stricter targets stop above them
    for i, precision in enumerate((0.9, 0.998, 0.9999)):
        fb = sweep(
            world,
            tmp_path / str(i),
            settings_with({"source": "target", "match_floor": 0.5}, target_precision=precision),
        )["feedback"]
        assert fb["expected_precision_match"] is None or fb["expected_precision_match"] >= precision
        used.append(fb["thresholds_after"]["match"])
    assert used == sorted(used) and used[0] < used[-1]


def test_fixed_mode_is_unchanged(world: Path, tmp_path: Path) -> None:
    fb = sweep(world, tmp_path / "fixed", settings_with({"source": "fixed"}))["feedback"]
    assert fb["thresholds_mode"] == "fixed" and fb["thresholds_source"] == "settings"
    assert fb["thresholds_after"] == fb["thresholds_before"] == {"match": 0.97, "review": 0.6}
    assert fb["thresholds_target"] is None
    hits = pl.read_csv(tmp_path / "fixed" / "hits.csv")
    assert hits.filter(pl.col("match_decision") == "match")["match_score"].min() >= 0.97
    assert hits["match_score"].min() >= 0.60


def test_labels_still_move_thresholds_in_a_target_sweep(world: Path, tmp_path: Path) -> None:
    store, worst = labelled_store(tmp_path / "review.duckdb")
    settings = settings_with({"source": "target"}, min_labels=50)
    fb = sweep(world, tmp_path / "n1", settings, review_db=store.db.path)["feedback"]
    assert fb["thresholds_source"] == "labels" and fb["labels_used"] == 90
    # the labelled false matches (0.975-0.985) end up below `match`, never above the target's
    # cut-off: labels only ever tighten it (how far they move it:
    # test_labels_move_target_thresholds)
    assert worst < fb["thresholds_after"]["match"]
    assert fb["thresholds_after"]["match"] >= fb["thresholds_target"]["match"]
