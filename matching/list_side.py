"""The list side of `link`, computed apart so a caller can keep it between sweeps.

Everything `link` derives from the list alone: the list parties' features (with `name_reach`
for the review floor), the name frequencies the scores are adjusted by, and the list's blocking
keys. Four agencies screened against the same list on the same night need it once; the sweep
stores it next to its warehouse (`pipelines.sweep.list_side_cache`) keyed by `list_side_key`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path

import polars as pl

from matching.blocking import BlockingRules, ListBlockKeys, list_block_keys
from matching.model import MatchModel
from matching.scoring import NameFrequencies, name_frequencies, name_reach

_CODE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class ListSide:
    """What `link` needs of the list, whatever the query side."""

    features: pl.DataFrame
    """`list_features` (row index `li`) plus `name_reach`."""
    freqs: NameFrequencies
    keys: ListBlockKeys


def build_list_side(
    listed: pl.DataFrame,
    model: MatchModel,
    floor: float,
    as_of: date,
    blocking: BlockingRules | None = None,
) -> ListSide:
    """The list side as `link` computes it (list parties already cut by `list_parties`)."""
    from matching.link import list_features

    lf = list_features(listed, as_of)
    freqs = name_frequencies(lf, model)
    lf = lf.with_columns(name_reach(lf, model, freqs, floor))
    return ListSide(lf, freqs, list_block_keys(lf, as_of, blocking))


def code_digest() -> str:
    """sha256 over the matcher's own source: a changed feature, key or score invalidates."""
    h = hashlib.sha256()
    for path in sorted(_CODE.rglob("*.py")) + sorted(_CODE.rglob("*.json")):
        h.update(path.relative_to(_CODE).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def list_side_key(
    listed: pl.DataFrame,
    model: MatchModel,
    floor: float,
    as_of: date,
    blocking: BlockingRules | None = None,
) -> str:
    """Everything the list side depends on, as one digest.

    The list parties by content (every row, in order, with their column names and types), the
    model's parameters, the review floor, the night, the blocking rules and the matcher's code.
    """
    rows = listed.hash_rows(seed=0)
    h = hashlib.sha256()
    h.update(json.dumps([[c, str(t)] for c, t in listed.schema.items()]).encode())
    h.update(str(listed.height).encode())
    h.update(rows.to_numpy().tobytes())
    rules = blocking or BlockingRules()
    meta = {
        "model": model.to_dict(),
        "floor": floor,
        "as_of": as_of.isoformat(),
        "blocking": {f.name: getattr(rules, f.name) for f in fields(rules)},
        "code": code_digest(),
        "polars": pl.__version__,  # row hashes and parquet round trips are polars' own
    }
    h.update(json.dumps(meta, sort_keys=True, default=str).encode())
    return h.hexdigest()
