"""The Fellegi-Sunter match model's parameters: m/u per declared level, prior, TF settings.

m = P(level | same party), u = P(level | different parties), both over *random* pairs; `prior`
is the probability that a random (query, list) pair is the same party. A pair's match weight is
log2(prior odds) + sum of log2(m/u) over fields with evidence, plus a term-frequency adjustment
on name levels (Splink's: u is replaced by the name's own frequency, so 张伟 weighs far less than
a rare name). The levels themselves are declared in `matching.comparison_library`;
`matching.training.estimate_model` learns u from random pairs and m + prior by EM on blocked
pairs (no labels); `refine` folds analyst labels in.
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

from matching.comparison_level import ComparisonSpec
from matching.comparison_library import DECLARED


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
    """One compared field's parameters, its levels in code order (`ComparisonSpec.labels`)."""

    name: str
    levels: tuple[Level, ...]

    def level(self, name: str) -> Level:
        """Return the level called `name`."""
        return next(lv for lv in self.levels if lv.name == name)


def declared_parameters(specs: tuple[ComparisonSpec, ...]) -> tuple[Comparison, ...]:
    """The m/u each level of `specs` is declared with."""
    return tuple(
        Comparison(s.name, tuple(Level(lv.label, lv.m, lv.u) for lv in s.scored)) for s in specs
    )


DEFAULT_COMPARISONS = declared_parameters(DECLARED)


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
    specs: tuple[ComparisonSpec, ...] = field(default=DECLARED, repr=False, compare=False)
    """The declared comparisons these parameters are for (not saved: the code declares them)."""

    @classmethod
    def declared(cls, specs: tuple[ComparisonSpec, ...]) -> MatchModel:
        """The model of `specs` with every level's declared m/u (before any estimation)."""
        return cls(declared_parameters(specs), specs=specs)

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
        """Plain dict for JSON (the parameters; the declarations stay in the code)."""
        return {
            "comparisons": [asdict(c) for c in self.comparisons],
            "prior": self.prior,
            "tf_minimum": self.tf_minimum,
            "tf_tables": self.tf_tables,
            "list_parties": self.list_parties,
        }

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], specs: tuple[ComparisonSpec, ...] = DECLARED
    ) -> MatchModel:
        """Inverse of `to_dict`, for the comparisons `specs` declares."""
        labels = {s.name: s.labels for s in specs}
        comps = tuple(
            Comparison(c["name"], tuple(Level(**lv) for lv in c["levels"]))
            for c in data["comparisons"]
        )
        for c in comps:  # level codes index these tuples: a model saved before a level was added
            names = tuple(lv.name for lv in c.levels)  # would silently weigh the wrong levels
            if names != labels.get(c.name):
                raise ValueError(
                    f"model comparison {c.name!r} has levels {names}, expected {labels.get(c.name)}"
                    " (re-fit it: bench/fit_match_model.py --write)"
                )
        return cls(
            comps,
            float(data["prior"]),
            float(data.get("tf_minimum", 1e-7)),
            dict(data.get("tf_tables", {})),
            int(data.get("list_parties", 0)),
            specs,
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


DEFAULT_MODEL_PATH = Path(__file__).with_name("default_model.json")
"""The packaged model: estimated by `matching.training.estimate_model` on generated data
(docs/matching.md)."""


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
