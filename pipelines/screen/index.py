"""The desk's in-memory list index: the nightly matcher's own list side, built once per version.

Nothing here matches: the list side (features, name frequencies and `name_reach`, blocking
keys) is the sweep's own `matching.list_side.build_list_side`, computed once. What the index
adds is a sorted key array, so one record's keys (`matching.blocking.query_block_keys`, made
in Python for one record) are found by binary search instead of a join over every list key,
and per-row name counts, so scoring one record joins a handful of frequencies instead
of a million. Scoring and deciding are `matching.pairs.score_in_chunks` and
`matching.link.decide_hits`, exactly as at night.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np
import polars as pl

from matching.blocking import BlockingRules, pairs_from_found, query_block_keys
from matching.blocking_few import key_hashes, query_key_rows
from matching.calibrate import ThresholdRule
from matching.config import FEW_PAIRS, FEW_ROWS, MatchThresholds
from matching.frames import gather_rows, take
from matching.link import (
    HIT_COLUMNS,
    can_hit,
    decide_hits,
    lowest_review,
    query_features,
)
from matching.list_side import build_list_side
from matching.model import MatchModel
from matching.name_rows import learn_characters
from matching.pairs import confirmed_pairs, score_in_chunks, with_confirmed
from matching.parties import list_parties
from matching.scoring import NameFrequencies


@dataclass(frozen=True)
class ListIndex:
    """One list version, ready to screen against; never changed after it is built."""

    version: str
    as_of: date
    entries: pl.DataFrame
    """Every entry as it stood on `as_of` (active and removed), for the sanction rule."""
    entry_rows: dict[str, int]
    lf: pl.DataFrame
    freqs: NameFrequencies
    tf_rows: pl.DataFrame
    """Per list party (`li` order): `norm_l, n_norm, py_l, n_py`, its names' list counts."""
    keys: np.ndarray
    key_li: np.ndarray
    key_need: np.ndarray
    model: MatchModel
    floor: float
    build_s: float

    @property
    def list_entries(self) -> int:
        """Entries in force (removed ones are kept only to explain, never to hit)."""
        status = self.entries["status"].fill_null("active")
        return int((status == "active").sum())

    def nbytes(self) -> int:
        """Approximate memory held by the index's frames and arrays."""
        frames = self.entries.estimated_size() + self.lf.estimated_size()
        frames += self.tf_rows.estimated_size()
        return int(frames + self.keys.nbytes + self.key_li.nbytes + self.key_need.nbytes)


def build_index(
    entries: pl.DataFrame,
    *,
    version: str,
    as_of: date,
    model: MatchModel,
    rule: ThresholdRule | MatchThresholds,
) -> ListIndex:
    """Everything the list side of a sweep computes, once; keys sorted for binary search."""
    started = time.perf_counter()
    floor = lowest_review(rule)
    side = build_list_side(list_parties(entries), model, floor, as_of, BlockingRules())
    lf, freqs = side.features, side.freqs
    learn_characters(lf["name"])  # the first record bringing a listed character pays nothing
    ordered = side.keys.keys.sort("key")
    tf_rows = (
        lf.select(pl.col("norm").alias("norm_l"), pl.col("py").alias("py_l"))
        .join(freqs.norm, on="norm_l", how="left", maintain_order="left")
        .join(freqs.py, on="py_l", how="left", maintain_order="left")
    )
    return ListIndex(
        version=version,
        as_of=as_of,
        entries=entries,
        entry_rows={e: i for i, e in enumerate(entries["entry_id"].to_list())},
        lf=lf,
        freqs=freqs,
        tf_rows=tf_rows,
        keys=ordered["key"].to_numpy(),
        key_li=ordered["li"].to_numpy(),
        key_need=ordered["need"].to_numpy(),
        model=model,
        floor=floor,
        build_s=time.perf_counter() - started,
    )


def _found(index: ListIndex, qf: pl.DataFrame) -> pl.DataFrame:
    """Key matches `qi, li, rule, need_q, need_l`, as `candidate_pairs`' join would give them."""
    qi, rule, need, hashes = _query_keys(qf)
    of_key, rows = _matches(index.keys, hashes)
    if not rows.size:  # no list key met: the schema alone
        return _NO_MATCH.clear()
    # one record's few keys: picking their values in Python costs less than a polars gather;
    # one Series and the rest stacked on it cost a third of `pl.DataFrame(list)`
    picked = of_key.tolist()
    return (
        pl.Series("qi", [qi[k] for k in picked], dtype=pl.UInt32)
        .to_frame()
        .hstack(
            [
                pl.Series("li", index.key_li[rows], dtype=pl.UInt32),
                pl.Series("rule", [rule[k] for k in picked], dtype=pl.String),
                pl.Series("need_q", [need[k] for k in picked], dtype=pl.Boolean),
                pl.Series("need_l", index.key_need[rows], dtype=pl.Boolean),
            ]
        )
    )


_NO_MATCH = pl.DataFrame(
    [
        pl.Series("qi", [], dtype=pl.UInt32),
        pl.Series("li", [], dtype=pl.UInt32),
        pl.Series("rule", [], dtype=pl.String),
        pl.Series("need_q", [], dtype=pl.Boolean),
        pl.Series("need_l", [], dtype=pl.Boolean),
    ]
)
"""`_found`'s frame of no match, cleared per call (a cleared copy costs less than a new frame)."""


def _query_keys(qf: pl.DataFrame) -> tuple[list[int], list[str], list[bool], np.ndarray]:
    """`qi, rule, need` of the query's keys as lists and their hashes (`query_block_keys`').

    The desk's record (at most `FEW_ROWS` parties) makes its keys in Python and hashes only
    their texts: the keys frame `query_block_keys` would build is not needed to look them up.
    """
    rules = BlockingRules()
    if qf.height <= FEW_ROWS:
        keys = query_key_rows(qf, rules)
        return keys.qi, keys.rule, keys.need, key_hashes(keys.text)
    qk = query_block_keys(qf, rules)
    qi, rule, need = (qk.get_column(c).to_list() for c in ("qi", "rule", "need"))
    return qi, rule, need, qk.get_column("key").to_numpy()


def _matches(keys: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every list key equal to a wanted key: the wanted key's position, the list key's row.

    Most of a record's keys meet no list key: the end of a run of equal keys is searched for
    only where its start holds the wanted key (each search of a long array is cache misses)."""
    if not keys.size:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    lo = keys.searchsorted(wanted)
    met = np.flatnonzero(keys[np.minimum(lo, keys.size - 1)] == wanted)
    if not met.size:
        return met, met
    lo = lo[met]
    counts = keys.searchsorted(wanted[met], side="right") - lo
    starts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
    return np.repeat(met, counts), starts + np.arange(int(counts.sum()))


def _frequencies(index: ListIndex, pairs: pl.DataFrame) -> NameFrequencies:
    """The list counts of the candidates' names only: the same numbers `score` would join."""
    if pairs.height <= FEW_PAIRS:  # the desk's candidates: their names' counts picked in Python
        rows = gather_rows(index.tf_rows, pairs.get_column("li"))  # a frame's gather: the pool
        return NameFrequencies(
            norm=_distinct(rows.get_column("norm_l"), rows.get_column("n_norm")),
            py=_distinct(rows.get_column("py_l"), rows.get_column("n_py")),
            persons=index.freqs.persons,
        )
    rows = index.tf_rows[pairs["li"]]
    return NameFrequencies(
        norm=rows.select("norm_l", "n_norm").unique("norm_l"),
        py=rows.select("py_l", "n_py").unique("py_l"),
        persons=index.freqs.persons,
    )


@lru_cache(maxsize=16)
def _can_hit(floor: float) -> pl.Expr:
    """`can_hit` built once per floor: building it costs more than evaluating it on one record."""
    return can_hit(floor)


def _distinct(keys: pl.Series, counts: pl.Series) -> pl.DataFrame:
    """`pl.DataFrame([keys, counts]).unique(keys.name)` for a few rows (a name has one count):
    each name's first row, picked by position."""
    first: dict[object, int] = {}
    for i, k in enumerate(keys.to_list()):
        first.setdefault(k, i)
    if len(first) == keys.len():  # every name once: the rows as they are
        return pl.DataFrame([keys, counts])
    at = pl.Series(list(first.values()), dtype=pl.UInt32)
    return pl.DataFrame([take(keys, at), take(counts, at)])


def match_parties(
    index: ListIndex,
    query: pl.DataFrame,
    thresholds: MatchThresholds,
    confirmed: frozenset[str],
    confirmed_lf: pl.DataFrame,
) -> pl.DataFrame:
    """Hits (`matching.link.HIT_COLUMNS`) of query parties against the list, as `link` decides.

    `confirmed_lf`: the list parties of analyst-confirmed pairs (few), so that confirmed pairs
    are met whatever blocking says, as at night. No review budget: that is a night's analyst
    capacity, and the person at the desk is one record. No candidate pair (most records): an
    empty frame of the hit columns, without running scoring on nothing.
    """
    qf = query_features(query, index.as_of)
    pairs, _ = pairs_from_found(_found(index, qf))
    pairs = with_confirmed(pairs, confirmed_pairs(qf, confirmed_lf, confirmed))
    if pairs.is_empty():
        # most records meet no list party at all: scoring and deciding no pair gives no hit
        return pl.DataFrame(schema=dict.fromkeys(HIT_COLUMNS, pl.Null))
    freqs = _frequencies(index, pairs)
    kept, _ = score_in_chunks(
        qf, index.lf, pairs, index.model, index.as_of, freqs, _can_hit(index.floor)
    )
    hits, _ = decide_hits(kept, thresholds, None)
    return hits


def confirmed_rows(index: ListIndex, confirmed: frozenset[str]) -> pl.DataFrame:
    """List parties named in confirmed pair keys (`digest:entry_id`)."""
    entry_ids = sorted({k.split(":", 1)[1] for k in confirmed if ":" in k})
    return index.lf.filter(pl.col("entry_id").is_in(entry_ids))


def entries_of(index: ListIndex, entry_ids: list[str]) -> pl.DataFrame:
    """The entries rows of `entry_ids` (for the sanction rule), by position."""
    rows = sorted({index.entry_rows[e] for e in entry_ids if e in index.entry_rows})
    # a request's few entries, gathered on this thread: a frame's gather waits on polars' pool
    return gather_rows(index.entries, rows)
