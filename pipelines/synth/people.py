"""The universe of synthetic persons: names, sex, birth date, region and a unique valid ID.

Everyone who appears anywhere (listed debtors, legal representatives, agency customers, hard
negatives) is drawn into one frame first, so that ID uniqueness can be guaranteed globally: the
3-digit sequence is the person's rank inside its (region, birth date, sex) group, offset by a
random start, so two different people never share an ID and a later copy of the same person
(a second list entry, a hotel stay) always carries the same one.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.synth.idgen import RECODE_PAIRS, build_ric, region_table
from pipelines.synth.names import person_names

BIRTH_LO = np.datetime64("1945-01-01")
BIRTH_HI = np.datetime64("2003-12-31")
_OLD = np.array(list(RECODE_PAIRS))


def draw_people(
    rng: np.random.Generator,
    n: int,
    group: str,
    *,
    old_region_share: float = 0.0,
    minority_share: float = 0.02,
) -> pl.DataFrame:
    """`n` fresh people of `group`: `group, name, surname, minority, gender, birth, region`."""
    male = rng.random(n) < 0.55  # debtors skew male; harmless for agency customers too
    names = person_names(rng, male, minority_share)
    span = int((BIRTH_HI - BIRTH_LO).astype(int))
    birth = BIRTH_LO + rng.integers(0, span, n).astype("timedelta64[D]")
    regions = region_table()["region"].to_numpy()
    region = regions[rng.integers(0, len(regions), n)].astype(object)
    # Re-coded districts only make sense for people born before the merge.
    old = (rng.random(n) < old_region_share) & (birth < np.datetime64("2005-01-01"))
    region[old] = _OLD[rng.integers(0, len(_OLD), int(old.sum()))]
    return names.with_columns(
        pl.lit(group).alias("group"),
        pl.Series("gender", np.where(male, "M", "F")),
        pl.Series("birth", birth).cast(pl.Date),
        pl.Series("region", region.astype(str)),
    )


def _group_rank(key: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Rank of each row inside its key group, plus the group's first `start` value (sort-based)."""
    order = np.argsort(key, kind="stable")
    sk = key[order]
    n = len(key)
    first = np.r_[True, sk[1:] != sk[:-1]] if n else np.zeros(0, dtype=bool)
    head = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    out = np.empty(n, dtype=np.int64)
    out[order] = np.arange(n) - head + start[order][head]
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = np.arange(n) - head
    if n and ranks.max() >= 499:  # needs ~500 people born the same day in one county
        raise ValueError("too many people share one region, birth date and sex")
    return out


def assign_ids(people: pl.DataFrame, seed: int) -> pl.DataFrame:
    """Add `pid` (row number) and a unique valid 18-digit `id18` to the concatenated universe."""
    rng = np.random.default_rng([seed, 18])
    canonical = (
        people["region"].replace(RECODE_PAIRS).cast(pl.Int64).to_numpy()
    )  # old + new share one space
    days = people["birth"].cast(pl.Int32).to_numpy().astype(np.int64) + 100_000
    male = (people["gender"] == "M").to_numpy()
    key = (canonical * 1_000_000 + days) * 2 + male
    # One random start per group, then consecutive ranks: distinct within the group by construction.
    k = _group_rank(key, rng.integers(0, 499, people.height)) % 499 + 1
    seq = np.where(male, 2 * k - 1, 2 * k)  # odd = male, even = female
    ids = build_ric(
        people["region"].cast(pl.Int64).to_numpy(),
        people["birth"].to_numpy().astype("datetime64[D]"),
        seq,
    )
    return people.with_row_index("pid").with_columns(ids)
