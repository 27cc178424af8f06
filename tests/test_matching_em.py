"""EM recovers known m/u parameters from synthetic level patterns; refine moves m towards labels."""

from __future__ import annotations

import json

import numpy as np
import polars as pl

from matching.comparisons import ID_LEVELS, LEVELS
from matching.estimate import em_session, level_freq
from matching.model import MatchModel, refine

TRUE_M = {
    "id": [0.02, 0.03, 0.2, 0.01, 0.02, 0.4, 0.01, 0.31],
    "name": [0.03, 0.04, 0.02, 0.03, 0.08, 0.8],
    "birth": [0.04, 0.2, 0.3, 0.46],
    "gender": [0.03, 0.97],
}
TRUE_U = {
    "id": [0.97, 0.01, 0.01, 0.002, 0.002, 0.003, 0.002, 0.001],
    "name": [0.9, 0.05, 0.01, 0.01, 0.01, 0.02],
    "birth": [0.7, 0.15, 0.1, 0.05],
    "gender": [0.5, 0.5],
}


def _sample(probs: dict[str, list[float]], n: int, rng: np.random.Generator) -> pl.DataFrame:
    return pl.DataFrame(
        {
            f"g_{k}": rng.choice(len(v), size=n, p=np.array(v) / sum(v)).astype(np.int8)
            for k, v in probs.items()
        }
    )


def test_em_recovers_m_and_prior() -> None:
    rng = np.random.default_rng(7)
    matches, non = _sample(TRUE_M, 20_000, rng), _sample(TRUE_U, 80_000, rng)
    blocked = pl.concat([matches, non])
    random_pairs = _sample(TRUE_U, 200_000, rng)
    u = {n: level_freq(random_pairs, n, len(LEVELS[n])) for n in LEVELS}
    m0 = {c.name: np.array([lv.m for lv in c.levels]) for c in MatchModel().comparisons}
    m, lam = em_session(blocked, m0, u, update=set(LEVELS))
    for name in LEVELS:
        assert np.abs(m[name] - np.array(TRUE_M[name])).max() < 0.05, name
    assert abs(lam - 0.2) < 0.03


def test_refine_moves_m_towards_labels_and_round_trips() -> None:
    model = MatchModel()
    labels = pl.DataFrame(
        {
            "g_id": [ID_LEVELS.index("exact")] * 500,
            "g_name": [5] * 500,
            "g_birth": [3] * 500,
            "g_gender": [1] * 500,
            "label": [True] * 500,
        }
    )
    refined = refine(model, labels)
    assert refined.comparison("id").level("exact").m > model.comparison("id").level("exact").m
    again = MatchModel.from_dict(json.loads(json.dumps(refined.to_dict())))
    assert again == refined
