"""Confirmed pairs one row at a time: the desk's record, without a join per step.

`matching.pairs.confirmed_pairs` and `with_confirmed` join frames; for the screening desk's one
record (and, most days, no confirmed pair at all) those joins are polars' fixed cost for nothing.
These functions give the same frames from plain Python; `matching.pairs` dispatches to them for
small inputs, and a property test holds them equal.
"""

from __future__ import annotations

from collections import Counter

import polars as pl

from matching.blocking_few import FEW_KEY_MATCHES
from matching.explain import identity_digest

Pair = tuple[int, int]


def _split_key(key: str) -> tuple[str, str | None]:
    """`digest, entry_id` of a pair key, as polars' `split_exact(":", 1)` reads it."""
    parts = key.split(":")
    return parts[0], parts[1] if len(parts) > 1 else None


def _listed(lf: pl.DataFrame, digests_of: dict[str, list[str]]) -> list[tuple[int, str]]:
    """`li, digest` of the list parties whose entry is named in a confirmed key."""
    if lf.height > FEW_KEY_MATCHES:  # the night's whole list: let polars pick the few entries
        lf = lf.filter(pl.col("entry_id").is_in(list(digests_of)))
    rows = zip(lf.get_column("li").to_list(), lf.get_column("entry_id").to_list(), strict=True)
    return [(li, d) for li, entry in rows for d in digests_of.get(entry, ())]


_NO_PAIR = pl.DataFrame(
    [pl.Series("qi", [], dtype=pl.UInt32), pl.Series("li", [], dtype=pl.UInt32)]
)
"""No confirmed pair, cleared per call: a cleared copy costs a tenth of a frame from a schema."""


def confirmed_pairs_few(qf: pl.DataFrame, lf: pl.DataFrame, keys: frozenset[str]) -> pl.DataFrame:
    """`matching.pairs.confirmed_pairs` row by row: `qi, li` whose identity digest an analyst
    confirmed against the entry."""
    digests_of: dict[str, list[str]] = {}
    for digest, entry in map(_split_key, sorted(keys)):
        if entry is not None:
            digests_of.setdefault(entry, []).append(digest)
    listed = _listed(lf, digests_of) if digests_of else []
    if not listed:  # most records, most days: the schema alone
        return _NO_PAIR.clear()
    columns = [qf.get_column(c).to_list() for c in ("qi", "norm", "pid", "uscc", "org_code")]
    met: set[Pair] = set()
    for qi, norm, *ids in zip(*columns, strict=True):
        digest = identity_digest(norm, next((i for i in ids if i is not None), None))
        met.update((qi, li) for li, d in listed if d == digest)
    pairs = sorted(met)
    return pl.DataFrame(
        [
            pl.Series("qi", [q for q, _ in pairs], dtype=qf.get_column("qi").dtype),
            pl.Series("li", [li for _, li in pairs], dtype=lf.get_column("li").dtype),
        ]
    )


def with_confirmed_few(pairs: pl.DataFrame, confirmed: pl.DataFrame) -> pl.DataFrame:
    """`matching.pairs.with_confirmed` row by row: each pair flagged `forced` when confirmed, and
    the confirmed pairs blocking missed added, sorted."""
    if confirmed.is_empty():
        return pairs.hstack([pl.Series("forced", [False] * pairs.height, dtype=pl.Boolean)])
    wanted = Counter(zip(*(confirmed.get_column(c).to_list() for c in ("qi", "li")), strict=True))
    columns = [*pairs.columns, "forced"]
    at_qi, at_li = columns.index("qi"), columns.index("li")
    rows: list[tuple[object, ...]] = []
    for row in pairs.iter_rows():
        times = wanted.get((row[at_qi], row[at_li]), 0)
        rows += [(*row, times > 0)] * max(times, 1)  # a left join: one row per confirmed match
    have = {(r[at_qi], r[at_li]) for r in rows}
    for (qi, li), times in wanted.items():
        if (qi, li) not in have:
            extra = {"qi": qi, "li": li, "by_id": False, "by_name": False, "forced": True}
            rows += [tuple(extra[c] for c in columns)] * times
    rows.sort(key=lambda r: (r[at_qi], r[at_li]))
    schema = pl.Schema({**pairs.schema, "forced": pl.Boolean()})
    return pl.DataFrame(rows, schema=schema, orient="row")
