"""Analyst labels refine the matcher's parameters and thresholds.

End to end: a sweep queues borderline pairs, analysts label a batch in the real ReviewStore,
the next sweep runs with a model refined towards those labels and reports it in summary.json.
And with enough consistent false-match labels in a score band, the match threshold rises
above that band.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from matching.calibrate import labels_to_gammas
from matching.comparisons import LEVELS
from matching.model import MatchModel
from pipelines.review.feedback import base_model, feedback_from_labels, sweep_model
from pipelines.review.models import Decision, QueueFilter
from pipelines.review.store import ReviewStore
from pipelines.settings import Settings, default_settings
from tests.sweep_helpers import generated_world
from tests.test_feedback_loop import ANALYST, NIGHT_1, NIGHT_2, _sweep
from tests.workbench_fixtures import AGENCY, hit, hits_frame


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_world(tmp_path_factory, size=2500, seed=5, formats="csv")


def _shares(gammas: pl.DataFrame, field: str) -> np.ndarray:
    codes = gammas[f"g_{field}"].drop_nulls().to_numpy().astype(int)
    counts = np.bincount(codes, minlength=len(LEVELS[field]))
    return counts / max(counts.sum(), 1)


def _distance(model: MatchModel, field: str, side: str, target: np.ndarray) -> float:
    values = np.array([getattr(lv, side) for lv in model.comparison(field).levels])
    return float(np.abs(values - target).sum())


def _few_labels_refine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings (and `$CREDSWEEP_SETTINGS` for the CLI) where a handful of labels refine."""
    import yaml

    from pipelines.settings import DEFAULT_SETTINGS

    raw = yaml.safe_load(DEFAULT_SETTINGS.read_text(encoding="utf-8"))
    raw["calibration"]["refine_min_labels"] = 1
    path = tmp_path / "credsweep.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("CREDSWEEP_SETTINGS", str(path))
    return Settings.model_validate(raw)


def test_labels_refine_the_next_sweeps_model(
    world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _few_labels_refine(tmp_path, monkeypatch)
    wh, review = tmp_path / "wh.duckdb", tmp_path / "review.duckdb"
    _sweep(world, tmp_path / "n1", NIGHT_1, wh, review)
    first = json.loads((tmp_path / "n1" / "summary.json").read_text(encoding="utf-8"))
    assert first["feedback"]["labels_used"] == 0 and not first["feedback"]["model_refined"]

    store = ReviewStore(review)
    items = [q for q in store.queue(QueueFilter(agency=AGENCY)) if q["kind"] == "borderline"]
    # the review budget and "no name alone" keep the queue short; a few borderline pairs remain
    assert len(items) >= 4, "the generated night should queue borderline pairs"
    batch = items[:40]  # the lead's matcher queues ~8 at this size; all of them are labelled
    positive, negative = batch[::2], batch[1::2]
    store.decide(
        ANALYST,
        [q["item_id"] for q in positive],
        Decision.POSITIVE,
        note=None,
        client_ip="127.0.0.1",
    )
    store.decide(
        ANALYST,
        [q["item_id"] for q in negative],
        Decision.NEGATIVE,
        note=None,
        client_ip="127.0.0.1",
    )

    _sweep(world, tmp_path / "n2", NIGHT_2, wh, review)
    second = json.loads((tmp_path / "n2" / "summary.json").read_text(encoding="utf-8"))
    fb = second["feedback"]
    decided = {q["pair_key"] for q in batch}
    assert fb["labels_used"] == len(decided) and fb["model_refined"]
    assert fb["labels_positive"] == len({q["pair_key"] for q in positive})
    assert fb["weights_moved_bits"], "labels should move at least one level's weight"
    # too few labels (default min_labels 200) to move thresholds: the packaged target mode's
    # own numbers stand (derived from this sweep's scores, not from the labels)
    assert fb["thresholds_source"] == "target"
    assert fb["thresholds_after"] == fb["thresholds_target"]

    # the model the sweep used moved m towards the confirmed pairs' levels, u towards the rejected
    model, _, _ = sweep_model(settings, review, AGENCY)
    gammas = labels_to_gammas(store.labels())
    pos, neg = gammas.filter(pl.col("label")), gammas.filter(~pl.col("label"))
    base = base_model()
    checked = 0
    for field in LEVELS:
        for side, labelled in (("m", pos), ("u", neg)):
            want = _shares(labelled, field)
            if want.sum() == 0:  # borderline pairs often carry no evidence for a field (no ID)
                continue
            assert _distance(model, field, side, want) < _distance(base, field, side, want)
            checked += 1
    assert checked >= 2


def _evidence() -> str:
    return json.dumps(
        [
            {"field": "id", "level": "masked_weak", "left": "", "right": "", "weight": 7.0},
            {"field": "name", "level": "exact", "left": "", "right": "", "weight": 9.0},
        ]
    )


def calibrated(min_labels: int) -> Settings:
    base = default_settings()
    return base.model_copy(
        update={"calibration": base.calibration.model_copy(update={"min_labels": min_labels})}
    )


def labelled_store(path: Path) -> tuple[ReviewStore, float]:
    """A review store with 60 confirmed pairs in 0.60-0.95 and 30 false matches in 0.975-0.985.

    Returns the store and the highest score of a false match.
    """
    store = ReviewStore(path, retry_s=5)
    store.migrate()
    rng = np.random.default_rng(11)
    confirmed = [(f"ok{i}", float(s)) for i, s in enumerate(rng.uniform(0.6, 0.95, 60))]
    rejected = [(f"bad{i}", float(s)) for i, s in enumerate(rng.uniform(0.975, 0.985, 30))]
    rows = [
        hit(key, f"r-{key}", score=score, evidence=_evidence())
        for key, score in confirmed + rejected
    ]
    store.push_review_items(AGENCY, date(2025, 7, 1), hits_frame(*rows))
    queue = {
        q["pair_key"]: q["item_id"] for q in store.queue(QueueFilter(agency=AGENCY), limit=500)
    }
    for keys, decision in ((confirmed, Decision.POSITIVE), (rejected, Decision.NEGATIVE)):
        ids = [queue[k] for k, _ in keys]
        store.decide(ANALYST, ids, decision, note=None, client_ip="127.0.0.1")
    return store, max(s for _, s in rejected)


def test_false_matches_in_a_band_raise_the_match_threshold(tmp_path: Path) -> None:
    store, worst = labelled_store(tmp_path / "review.duckdb")
    settings = calibrated(min_labels=50)
    _, thresholds, figures = sweep_model(settings, store.db.path)
    assert thresholds.match > worst > settings.thresholds.match
    assert thresholds.review == settings.thresholds.review
    assert figures["thresholds_source"] == "labels"
    assert figures["thresholds_after"]["match"] == thresholds.match

    # the same labels under the default minimum are too few: settings stay in force
    _, kept, _ = sweep_model(calibrated(min_labels=200), store.db.path)
    assert kept == settings.thresholds


def test_no_store_means_packaged_model_and_settings() -> None:
    settings = default_settings()
    model, thresholds, figures = sweep_model(settings, None)
    assert model == base_model() and thresholds == settings.thresholds
    assert figures["labels_total"] == 0 and figures["weights_moved_bits"] == {}
    empty = pl.DataFrame(
        schema={
            "pair_key": pl.String,
            "evidence": pl.String,
            "decision": pl.String,
            "match_score": pl.Float64,
        }
    )
    assert feedback_from_labels(settings, empty)[1] == settings.thresholds


def test_too_few_labels_leave_the_model_alone() -> None:
    """Under `refine_min_labels` decided labels the packaged model stands (one false match
    once moved a whole ID level by several bits for every agency)."""
    labels = pl.DataFrame(
        {
            "pair_key": ["p1"],
            "evidence": [_evidence()],
            "decision": ["negative"],
            "match_score": [0.9],
            "agency": ["hotel_booking"],
        }
    )
    model, _, figures = feedback_from_labels(default_settings(), labels)
    assert model == base_model() and not figures["model_refined"]
    assert figures["labels_used"] == 1


def test_labels_of_another_agency_do_not_count() -> None:
    from pipelines.review.feedback import agency_labels

    labels = pl.DataFrame(
        {"pair_key": ["a", "b"], "agency": ["hotel_booking", "school_enrollment"]}
    )
    assert agency_labels(labels, "hotel_booking")["pair_key"].to_list() == ["a"]
