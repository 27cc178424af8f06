"""Blocking one row at a time: the desk's record, without a polars plan per step.

`matching.blocking` builds keys and pairs over whole columns; on the screening desk's single
record that costs polars' fixed price per expression (a plan, a collect, a literal list) for a
handful of values. These functions evaluate the same declarations (`matching.block_rules`) in
plain Python, row by row, and return the same frames; `blocking` dispatches to them for small
inputs, and a property test holds them equal to the columnar path.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import numpy as np
import polars as pl

from matching.block_rules import (
    ACROSS_CITY_FAMILIES,
    BARE_NAME_COLUMN,
    BARE_NAME_RULE,
    ID_KEY_FAMILIES,
    ID_RULES,
    NO_YEAR,
    ORG_KEY_COLUMNS,
    QUERY_YEAR_RULES,
    SEGMENTS,
    BlockingRules,
    BlockingStats,
)
from matching.regions import renamed_codes

FEW_KEY_MATCHES = 512
"""Key matches (or pairs) up to which `pairs_from_found` and `with_confirmed` go row at a time.
One desk record meets a few dozen list keys (name blocks are capped at `max_block`). The loop
costs about a microsecond a row, the columnar group-by or joins about a millisecond whatever the
size; they cross near a thousand rows (measured by `bench/bench_desk_blocking.py`'s steps), so
half of that keeps the loop the cheaper one."""

Row = dict[str, Any]

_HASHED = pl.col("key").hash()

_SIGNED_INT = re.compile(r"[+-]?[0-9]+")
"""What polars' non-strict text-to-integer cast accepts (anything else becomes null)."""


def _renamed_region(pid: str) -> bool:
    """Whether the number's first six characters are a region code the history renamed."""
    head = pid[:6]
    if not _SIGNED_INT.fullmatch(head):
        return False
    code, renamed = int(head), renamed_codes()
    return 0 <= code < renamed.size and bool(renamed[code])


_ID_KEY_SPANS = tuple(
    (family, tuple(SEGMENTS[part] for part in parts), family in ACROSS_CITY_FAMILIES)
    for family, parts in ID_KEY_FAMILIES.items()
)
"""Per `ID_KEY_FAMILIES` family: its parts' `(start, stop)` and whether it is province-wide."""


def id_key_values(pid: str | None) -> dict[str, str | None]:
    """`matching.blocking.id_keys` of one number: each family's visible parts, None if masked."""
    if pid is None:
        return dict.fromkeys(ID_KEY_FAMILIES)
    keys: dict[str, str | None] = {}
    renamed: bool | None = None  # whether the region was renamed: asked once, if at all
    for family, spans, across_city in _ID_KEY_SPANS:
        value = "".join([pid[start:stop] for start, stop in spans])
        usable = "*" not in value
        if usable and across_city:
            renamed = _renamed_region(pid) if renamed is None else renamed
            usable = renamed
        keys[family] = value if usable else None
    return keys


def needs_name(row: Row, ids: dict[str, str | None], with_reach: bool) -> bool:
    """`matching.blocking._needs_name` of one row: a null term counts as not needing."""
    pid, reach = row["pid"], row["name_reach"] if with_reach else True
    blockable = any(v is not None for v in ids.values())
    return (
        (pid is None and reach is True)
        or row["pid_kind"] == "bad_check"
        or (pid is not None and row["year"] is None)
        or (pid is not None and not blockable)
    )


def _key_texts(row: Row, ids: dict[str, str | None]) -> list[tuple[str, str | None]]:
    """`(column, value)` per query key column, in `_query_key_columns` order (None: not made)."""
    person, org = row["party_type"] == "person", row["party_type"] == "org"
    texts = [(family, value if person else None) for family, value in ids.items()]
    texts += [(rule, row[column] if org else None) for rule, column in ORG_KEY_COLUMNS.items()]
    year = row["year"]
    for rule, source in QUERY_YEAR_RULES.items():
        name = row[source] if person else None
        texts.append((rule, None if name is None or year is None else f"{name}|{year}"))
        texts.append((rule + NO_YEAR, None if name is None else f"{name}|{NO_YEAR}"))
    bare = person and row["pid"] is None and year is None
    texts.append((BARE_NAME_RULE, row[BARE_NAME_COLUMN] if bare else None))
    return texts


class KeyRows(NamedTuple):
    """One query's blocking keys as parallel lists, in `query_keys_few` order; `text` unhashed."""

    qi: list[int]
    text: list[str]
    rule: list[str]
    need: list[bool]


def query_key_rows(qf: pl.DataFrame, rules: BlockingRules) -> KeyRows:
    """The keys `query_keys_few` makes, before any frame: the desk looks them up in its sorted
    key array and needs no frame of them (building one costs more than making the keys)."""
    with_reach = "name_reach" in qf.columns
    keys = KeyRows([], [], [], [])
    for row in qf.rows(named=True):  # one call for every column: cheaper than one per column
        ids = id_key_values(row["pid"])
        need = rules.name_keys_for_numbered or needs_name(row, ids, with_reach)
        for column, value in _key_texts(row, ids):
            if value is None:
                continue
            rule = column.removesuffix(NO_YEAR)
            keys.qi.append(row["qi"])
            keys.text.append(column.rstrip(NO_YEAR) + ":" + value)
            keys.rule.append(rule)
            keys.need.append(rule not in QUERY_YEAR_RULES or need)
    return keys


def key_hashes(texts: list[str]) -> np.ndarray:
    """polars' hash of each key text (u64), as the list side's keys were made; none: no query."""
    if not texts:
        return np.empty(0, dtype=np.uint64)
    return (
        pl.Series("key", texts, dtype=pl.String).to_frame().select(_HASHED).to_series().to_numpy()
    )


def query_keys_few(qf: pl.DataFrame, rules: BlockingRules) -> pl.DataFrame:
    """`matching.blocking.query_block_keys` row by row: party by party, each party's keys in
    key-column order (the columnar unpivot's order depends on polars' chunking of the wide frame;
    keys are a set to every caller, and one party's come out in the same order either way)."""
    keys = query_key_rows(qf, rules)
    frame = pl.DataFrame(
        [
            pl.Series("qi", keys.qi, dtype=qf.get_column("qi").dtype),
            pl.Series("key", keys.text, dtype=pl.String),
            pl.Series("rule", keys.rule, dtype=pl.String),
            pl.Series("need", keys.need, dtype=pl.Boolean),
        ]
    )
    return frame.with_columns(_HASHED)  # polars' own hash: the list side's keys were made by it


_NO_PAIR = pl.DataFrame(
    [
        pl.Series("qi", [], dtype=pl.UInt32),
        pl.Series("li", [], dtype=pl.UInt32),
        pl.Series("by_id", [], dtype=pl.Boolean),
        pl.Series("by_name", [], dtype=pl.Boolean),
    ]
)
"""`pairs_few`'s frame of no pair, cleared per call (a cleared copy costs less than a new one)."""


def pairs_few(found: pl.DataFrame) -> tuple[pl.DataFrame, BlockingStats]:
    """`matching.blocking.pairs_from_found` row by row: pairs met through a needed key, sorted."""
    if found.is_empty():  # a record meeting no list key: no pair, no count
        return _NO_PAIR.clear(), BlockingStats(pairs_by_key={})
    counts: dict[str, int] = {}
    met: dict[tuple[int, int], tuple[bool, bool]] = {}
    columns = [found.get_column(c).to_list() for c in ("qi", "li", "rule", "need_q", "need_l")]
    for qi, li, rule, need_q, need_l in zip(*columns, strict=True):
        if not (need_q or need_l):
            continue
        counts[rule] = counts.get(rule, 0) + 1
        by_id, by_name = met.get((qi, li), (False, False))
        met[qi, li] = (by_id or rule in ID_RULES, by_name or rule not in ID_RULES)
    pairs = sorted(met)
    # a frame from one Series and the rest stacked on it: a third of `pl.DataFrame(list)`'s cost
    pairs_frame = (
        pl.Series("qi", [q for q, _ in pairs], dtype=pl.UInt32)
        .to_frame()
        .hstack(
            [
                pl.Series("li", [li for _, li in pairs], dtype=pl.UInt32),
                pl.Series("by_id", [met[p][0] for p in pairs], dtype=pl.Boolean),
                pl.Series("by_name", [met[p][1] for p in pairs], dtype=pl.Boolean),
            ]
        )
    )
    return pairs_frame, BlockingStats(pairs_by_key=counts)
