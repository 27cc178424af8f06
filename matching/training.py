"""Estimate a match model from the data itself: the orchestration around `matching.estimate`.

Kept apart from `matching.model` (parameters only) because it needs the whole linking path
(features, blocking, comparisons) that scoring with a model also needs.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import polars as pl

from matching import estimate
from matching.blocking import BlockingRules, candidate_pairs
from matching.comparison_level import ComparisonSpec
from matching.comparison_library import DECLARED
from matching.comparisons import compare
from matching.link import prepare
from matching.model import MatchModel
from matching.pair_frame import pair_frame


def gammas_for(
    query: pl.DataFrame,
    listed: pl.DataFrame,
    *,
    as_of: date,
    u_sample: int = 1_000_000,
    seed: int = 1,
    specs: tuple[ComparisonSpec, ...] = DECLARED,
) -> tuple[pl.DataFrame, pl.DataFrame, float, pl.DataFrame, pl.DataFrame]:
    """Levels of blocked pairs (with `by_id`) and of random pairs (for u), the total pair count,
    and both feature frames."""
    qf, lf = prepare(query, listed, as_of)
    # EM learns the ID comparison from pairs met by name, so it wants them for numbered persons too
    pairs, _ = candidate_pairs(qf, lf, as_of, BlockingRules(name_keys_for_numbered=True))
    blocked = compare(pair_frame(qf, lf, pairs), as_of, specs)
    rng = np.random.default_rng(seed)
    rand = pl.DataFrame(
        {
            "qi": rng.integers(0, max(qf.height, 1), u_sample, dtype=np.uint32),
            "li": rng.integers(0, max(lf.height, 1), u_sample, dtype=np.uint32),
        }
    )
    rand_pf = pair_frame(qf, lf, rand).filter(pl.col("party_type_q") == pl.col("party_type_l"))
    total = float(qf.height) * float(lf.height)
    return blocked, compare(rand_pf, as_of, specs), total, qf, lf


def estimate_model(
    model: MatchModel,
    query: pl.DataFrame,
    listed: pl.DataFrame,
    *,
    as_of: date,
    u_sample: int = 1_000_000,
    seed: int = 1,
) -> MatchModel:
    """Unsupervised fit of `model`'s comparisons on party frames (`matching.estimate`): u from
    random pairs and ID segment frequencies, m by EM in two sessions, prior from all blocked
    pairs. `model`'s m are EM's starting point."""
    blocked, random_pairs, total_pairs, qf, lf = gammas_for(
        query, listed, as_of=as_of, u_sample=u_sample, seed=seed, specs=model.specs
    )
    m0 = {c.name: np.array([lv.m for lv in c.levels]) for c in model.comparisons}
    m, u, prior = estimate.fit(
        m0,
        blocked,
        random_pairs,
        estimate.id_chance(qf, lf),
        total_pairs=total_pairs,
        specs=model.specs,
    )
    return replace(model.with_params(m, u, prior), list_parties=lf.height)
