"""The Fellegi-Sunter match model, declared as data: levels with m/u probabilities, prior, TF.

m = P(level | same party), u = P(level | different parties), both over *random* pairs; `prior`
is the probability that a random (query, list) pair is the same party. A pair's match weight is
log2(prior odds) + sum of log2(m/u) over fields with evidence, plus a term-frequency adjustment
on name levels (Splink's: u is replaced by the name's own frequency, so 张伟 weighs far less than
a rare name). `estimate` learns u from random pairs and m + prior by EM on blocked pairs (no
labels); `refine` folds analyst labels in.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from matching.comparisons import LEVELS

TF_LEVELS = frozenset({"exact", "homophone", "romanised"})
"""Name levels whose weight is term-frequency adjusted."""


@dataclass(frozen=True)
class Level:
    """One comparison level and its m/u probabilities."""

    name: str
    m: float
    u: float

    @property
    def weight(self) -> float:
        """Match weight in bits, log2(m/u)."""
        return math.log2(self.m / self.u)


@dataclass(frozen=True)
class Comparison:
    """One compared field, its levels weakest first (order matches `comparisons.LEVELS`)."""

    name: str
    levels: tuple[Level, ...]

    def level(self, name: str) -> Level:
        """Return the level called `name`."""
        return next(lv for lv in self.levels if lv.name == name)


def _cmp(name: str, mu: dict[str, tuple[float, float]]) -> Comparison:
    return Comparison(name, tuple(Level(lv, *mu[lv]) for lv in LEVELS[name]))


# Defaults: u reasoned over random pairs (1M x 1M, ~300 region prefixes, ~10^4 sequence+check),
# m from the generated data's noise mix; EM replaces both on real data.
DEFAULT_COMPARISONS = (
    _cmp(
        "id",
        {
            "different": (0.03, 0.9999),
            "one_edit": (0.03, 1e-6),
            "masked_weak": (0.2, 1e-6),
            "recode_masked": (0.005, 1e-6),
            "recode_year": (0.015, 1e-7),
            "region_recode": (0.02, 1e-9),
            "masked_mid": (0.1, 3e-8),
            "masked_strong": (0.4, 1e-8),
            "org_code": (0.05, 1e-9),
            "exact": (0.27, 1e-11),
        },
    ),
    _cmp(
        "name",
        {
            "different": (0.02, 0.999),
            "fuzzy": (0.03, 1e-3),
            "lookalike": (0.02, 1e-5),
            "romanised": (0.05, 1e-4),
            "homophone": (0.05, 2e-4),
            "exact": (0.83, 1e-4),
        },
    ),
    _cmp(
        "birth",
        {
            "different": (0.03, 0.9),
            "age_consistent": (0.2, 0.05),
            "year": (0.3, 0.02),
            "exact": (0.47, 4e-5),
        },
    ),
    _cmp("gender", {"different": (0.02, 0.5), "equal": (0.98, 0.5)}),
)


@dataclass(frozen=True)
class MatchModel:
    """Fellegi-Sunter parameters; JSON-serialisable with `to_dict` / `from_dict`."""

    comparisons: tuple[Comparison, ...] = DEFAULT_COMPARISONS
    prior: float = 1e-8
    """P(random query party and random list party are the same); ~ expected hits / (|Q| x |L|)."""
    tf_minimum: float = 1e-7
    """Floor on a name's frequency so a unique name cannot yield an unbounded weight."""
    tf_tables: dict[str, dict[str, float]] = field(default_factory=dict)
    """Fixed name frequencies (`norm`, `py` -> share); empty = from the list at link time."""
    list_parties: int = 0
    """List size `prior` was estimated on; when set, the prior is rescaled to the list being
    screened (a query party's chance of being listed stays put, its chance per list party shrinks
    as the list grows). 0 = use `prior` as it is."""

    def prior_for(self, n_list: int) -> float:
        """Prior for a list of `n_list` parties."""
        if not self.list_parties or n_list <= 0:
            return self.prior
        return float(np.clip(self.prior * self.list_parties / n_list, 1e-15, 0.5))

    def comparison(self, name: str) -> Comparison:
        """Return the comparison called `name`."""
        return next(c for c in self.comparisons if c.name == name)

    def weights(self, name: str) -> np.ndarray:
        """Weights (bits) per level code of comparison `name`."""
        return np.array([lv.weight for lv in self.comparison(name).levels])

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MatchModel:
        """Inverse of `to_dict`."""
        comps = tuple(
            Comparison(c["name"], tuple(Level(**lv) for lv in c["levels"]))
            for c in data["comparisons"]
        )
        for c in comps:  # level codes index these tuples: a model saved before a level was added
            names = tuple(lv.name for lv in c.levels)  # would silently weigh the wrong levels
            if names != LEVELS.get(c.name):
                raise ValueError(
                    f"model comparison {c.name!r} has levels {names}, expected {LEVELS.get(c.name)}"
                    " (re-fit it: bench/fit_match_model.py --write)"
                )
        return cls(
            comps,
            float(data["prior"]),
            float(data.get("tf_minimum", 1e-7)),
            dict(data.get("tf_tables", {})),
            int(data.get("list_parties", 0)),
        )

    def with_params(
        self, m: dict[str, np.ndarray], u: dict[str, np.ndarray], prior: float
    ) -> MatchModel:
        """A copy with new m/u arrays per comparison (clipped away from 0 and 1)."""
        comps = tuple(
            Comparison(
                c.name,
                tuple(
                    Level(
                        lv.name,
                        float(np.clip(m[c.name][i], 1e-12, 1)),
                        float(np.clip(u[c.name][i], 1e-12, 1)),
                    )
                    for i, lv in enumerate(c.levels)
                ),
            )
            for c in self.comparisons
        )
        return replace(self, comparisons=comps, prior=float(np.clip(prior, 1e-15, 0.5)))

    def estimate(
        self,
        query: pl.DataFrame,
        listed: pl.DataFrame,
        *,
        as_of: Any,
        u_sample: int = 1_000_000,
        seed: int = 1,
    ) -> MatchModel:
        """Unsupervised fit on party frames (`matching.estimate`): u from random pairs and ID
        segment frequencies, m by EM in two sessions, prior from all blocked pairs."""
        from matching import estimate  # deferred: estimate -> link -> model
        from matching.link import gammas_for

        blocked, random_pairs, total_pairs, qf, lf = gammas_for(
            query, listed, as_of=as_of, u_sample=u_sample, seed=seed
        )
        m0 = {c.name: np.array([lv.m for lv in c.levels]) for c in self.comparisons}
        m, u, prior = estimate.fit(
            m0, blocked, random_pairs, estimate.id_u(qf, lf), total_pairs=total_pairs
        )
        return replace(self.with_params(m, u, prior), list_parties=lf.height)


DEFAULT_MODEL_PATH = Path(__file__).with_name("default_model.json")
"""The packaged model: estimated by `MatchModel.estimate` on generated data (docs/matching.md)."""


@lru_cache(maxsize=1)
def load_default() -> MatchModel:
    """The packaged model, or the hand-set `MatchModel()` if the file is missing."""
    if not DEFAULT_MODEL_PATH.exists():
        return MatchModel()
    return MatchModel.from_dict(json.loads(DEFAULT_MODEL_PATH.read_text(encoding="utf-8")))


def refine(model: MatchModel, labels: pl.DataFrame, *, strength: float = 50.0) -> MatchModel:
    """Blend analyst labels (`g_<field>` codes, `label` bool) into m (positives) and u (negatives).

    `strength` is how many labelled pairs the current parameters count as (a Dirichlet prior), so a
    handful of decisions nudges the model and thousands dominate it.
    """
    pos, neg = labels.filter(pl.col("label")), labels.filter(~pl.col("label"))
    m: dict[str, np.ndarray] = {}
    u: dict[str, np.ndarray] = {}
    for c in model.comparisons:
        col = f"g_{c.name}"
        k = len(c.levels)
        old_m = np.array([lv.m for lv in c.levels])
        old_u = np.array([lv.u for lv in c.levels])
        pc = (
            np.bincount(pos[col].drop_nulls().to_numpy().astype(int), minlength=k)
            if col in pos.columns
            else np.zeros(k)
        )
        nc = (
            np.bincount(neg[col].drop_nulls().to_numpy().astype(int), minlength=k)
            if col in neg.columns
            else np.zeros(k)
        )
        m[c.name] = (old_m * strength + pc) / (strength + pc.sum())
        # Negatives are analyst-rejected *candidates*, not random pairs: they inform u only weakly.
        u[c.name] = (old_u * strength * 20 + nc) / (strength * 20 + nc.sum())
    return model.with_params(m, u, model.prior)
