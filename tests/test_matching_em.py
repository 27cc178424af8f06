"""EM recovers known m/u parameters from synthetic level patterns; refine moves m towards labels."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import polars as pl
import pytest

from matching.comparisons import LEVELS
from matching.estimate import em_session, id_u, level_freq
from matching.id_comparison import ID
from matching.model import MatchModel, refine

TRUE_M = {
    "id": [0.02, 0.03, 0.2, 0.01, 0.01, 0.02, 0.05, 0.35, 0.01, 0.30],
    "name": [0.03, 0.04, 0.02, 0.03, 0.08, 0.8],
    "birth": [0.04, 0.2, 0.3, 0.46],
    "gender": [0.03, 0.97],
}
TRUE_U = {
    "id": [0.967, 0.01, 0.01, 0.002, 0.001, 0.002, 0.002, 0.003, 0.002, 0.001],
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
            "g_id": [ID.code("exact")] * 500,
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


def _persons(ids: Sequence[str | None], kinds: Sequence[str | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {"party_type": ["person"] * len(ids), "pid": ids, "pid_kind": kinds},
        schema={"party_type": pl.String, "pid": pl.String, "pid_kind": pl.String},
    )


def test_one_edit_u_is_the_chance_of_a_slip_times_a_near_agreement() -> None:
    """Two valid numbers never differ in one position only (MOD 11-2), so a random pair reaches
    `one_edit` only when a side was mistyped: its u shrinks with the share of failed checks."""
    rng = np.random.default_rng(3)
    ids = [f"{rng.integers(10**17):018d}" for _ in range(2_000)]
    listed = _persons(ids, ["full"] * len(ids))
    one = ID.code("one_edit")
    rare = id_u(_persons(ids, ["bad_check"] * 2 + ["full"] * 1_998), listed)[one]
    common = id_u(_persons(ids, ["bad_check"] * 200 + ["full"] * 1_800), listed)[one]
    assert 50 < common / rare < 150  # 100x more slips, ~100x more chance near-agreements
    # a re-code with the birth year visible is rarer by chance than one showing only r4 + last4
    u = id_u(_persons(ids, ["full"] * len(ids)), listed)
    assert u[ID.code("recode_year")] < u[ID.code("recode_masked")]


def test_model_with_other_levels_is_refused() -> None:
    """A model saved before a level was added would weigh every later level wrongly: refused."""
    data = MatchModel().to_dict()
    data["comparisons"][0]["levels"] = [
        lv for lv in data["comparisons"][0]["levels"] if lv["name"] != "recode_year"
    ]
    with pytest.raises(ValueError, match="re-fit"):
        MatchModel.from_dict(data)


def _ids(regions: list[str], n: int, rng: np.random.Generator) -> list[str | None]:
    return [
        f"{regions[rng.integers(len(regions))]}{rng.integers(1960, 2000)}0101"
        f"{rng.integers(1000):03d}{rng.integers(10)}"
        for _ in range(n)
    ]


def test_recode_u_counts_only_code_pairs_that_can_be_a_recode() -> None:
    """Neighbouring districts that both exist all along cannot be a re-code by stdnum's table, so
    they add nothing to the chance agreement of the re-code levels; a retired code does."""
    rng = np.random.default_rng(5)
    current = ["110105", "110108", "110106"]  # 朝阳, 海淀, 丰台: never re-coded
    neighbours = _persons(_ids(current, 3_000, rng), ["full"] * 3_000)
    with_retired = _persons(_ids([*current, "110103"], 3_000, rng), ["full"] * 3_000)
    for level in ("region_recode", "recode_year"):
        i = ID.code(level)
        assert id_u(neighbours, neighbours)[i] == pytest.approx(1e-15)
        assert id_u(with_retired, with_retired)[i] > 1e-9
    # a hidden district (3302**********0016) can be any code of the city, Beijing has retired ones
    assert id_u(neighbours, neighbours)[ID.code("recode_masked")] > 1e-6
