"""Blocking: which (query, list) party pairs get compared at all.

The candidate set is the union of several equality joins on keys designed so that a masked list
ID still meets the full agency ID (visible region prefix + last four, birth date + last four),
a recoded region still meets its person (birth date + sequence + check), and persons with no
usable ID still meet by name sound and birth year. Keys are hashed to u64 and joined in polars;
name-only keys skip blocks with more list parties than `max_block` (a name alone never decides,
and a 张伟 block would only flood analysts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

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
from matching.blocking_few import FEW_KEY_MATCHES, pairs_few, query_keys_few
from matching.config import FEW_ROWS
from matching.regions import renamed_codes


def _segment(pid: pl.Expr, part: str) -> pl.Expr:
    start, stop = SEGMENTS[part]
    return pid.str.slice(start, stop - start)


def _renamed_region(pid: pl.Expr) -> pl.Expr:
    codes = np.flatnonzero(renamed_codes())
    return (
        pid.str.slice(0, 6).cast(pl.Int64, strict=False).is_in(pl.lit(pl.Series(codes)).implode())
    )


def id_keys(pid: pl.Expr) -> dict[str, pl.Expr]:
    """One key expression per family in `ID_KEY_FAMILIES`; null where a needed part is masked."""
    keys: dict[str, pl.Expr] = {}
    for family, parts in ID_KEY_FAMILIES.items():
        value = pl.concat_str([_segment(pid, p) for p in parts])
        usable = ~value.str.contains("*", literal=True)
        if family in ACROSS_CITY_FAMILIES:
            usable = usable & _renamed_region(pid).fill_null(False)
        keys[family] = pl.when(usable).then(value)
    return keys


@cache
def _pid_blockable() -> pl.Expr:
    return id_blockable(pl.col("pid"))


def id_blockable(pid: pl.Expr) -> pl.Expr:
    """Whether any identifier key can be built from the visible parts of `pid`."""
    return pl.any_horizontal(k.is_not_null() for k in id_keys(pid).values()).fill_null(False)


_ORG_KEYS = {rule: pl.col(column) for rule, column in ORG_KEY_COLUMNS.items()}


def _key_parts(
    frame: pl.LazyFrame, keys: dict[str, pl.Expr], carry: tuple[str, ...]
) -> pl.LazyFrame:
    """Long keys `*carry, key, rule` of `frame`, one plan: a caller collects once for all parts
    (the desk's one record would otherwise pay a collect per key family)."""
    parts = [
        frame.select(*carry, (pl.lit(name + ":") + expr).alias("_k"))
        .drop_nulls("_k")
        .select(*carry, pl.col("_k").hash().alias("key"), pl.lit(name).alias("rule"))
        for name, expr in keys.items()
    ]
    return pl.concat(parts)


def _keys_long(df: pl.DataFrame, keys: dict[str, pl.Expr], idx: str) -> pl.DataFrame:
    return _key_parts(df.lazy(), keys, (idx,)).collect()


def _needs_name_expr(columns: list[str]) -> pl.Expr:
    return _needs_name("name_reach" in columns)


@cache
def _pid_keys() -> dict[str, pl.Expr]:
    """`id_keys` of the `pid` column, built once: expressions are immutable, and building them
    costs more than evaluating them on the desk's one record."""
    return id_keys(pl.col("pid"))


@cache
def _needs_name(with_reach: bool) -> pl.Expr:
    """Persons the identifier keys may fail to meet: no usable number; one that fails its check (a
    mistyped or transposed digit breaks every key built from the digits it touches); or a mask
    that hides the birth date (`3302**********0016`: after a district re-code only the city and
    the sequence digits are left in common, too few to block on)."""
    # `name_reach` (list side, set by `matching.link`): an unnumbered party whose name, age and
    # gender could not reach the review threshold even against a perfect namesake is left out
    reach = pl.col("name_reach") if with_reach else pl.lit(True)
    return (
        (pl.col("pid").is_null() & reach)
        | (pl.col("pid_kind") == "bad_check")
        | (pl.col("pid").is_not_null() & pl.col("year").is_null())
        | (pl.col("pid").is_not_null() & ~_pid_blockable())
    )


def _needs_name_keys(frame: pl.DataFrame) -> pl.DataFrame:
    """The rows of `frame` that need name keys (`_needs_name_expr`)."""
    return frame.filter(_needs_name_expr(frame.columns))


def _year_keys_list(lf: pl.DataFrame, as_of: date, slack: int) -> pl.DataFrame:
    """List side (py|fold) x candidate birth years: from the ID when visible, else from the age."""
    stated = pl.col("age_on").fill_null(as_of).dt.year().cast(pl.Int32) - pl.col("age")
    from_age = pl.int_ranges(stated - 1 - slack, stated + 1 + slack, dtype=pl.Int32)
    years = (
        pl.when(pl.col("year").is_not_null())
        .then(pl.concat_list(pl.col("year")))
        .otherwise(from_age)
    )
    base = lf.filter(pl.col("party_type") == "person").select(
        "li", "py", "py_rev", "fold", years.alias("yrs")
    )
    base = base.with_columns(
        pl.when(pl.col("yrs").list.len() > 0)
        .then(pl.col("yrs").cast(pl.List(pl.String)))
        .otherwise(pl.lit(["?"]))
        .alias("yrs")
    ).explode("yrs")
    keys = _keys_long(
        base,
        {
            "py_year": pl.col("py") + "|" + pl.col("yrs"),
            "pyrev_year": pl.col("py_rev") + "|" + pl.col("yrs"),
            "fold_year": pl.col("fold") + "|" + pl.col("yrs"),
        },
        "li",
    )
    alts = base.join(_other_readings(lf), on="li", how="inner")
    if alts.is_empty():
        return keys
    return pl.concat(
        [keys, _keys_long(alts, {"pyalt_year": pl.col("alt") + "|" + pl.col("yrs")}, "li")]
    )


def _other_readings(lf: pl.DataFrame) -> pl.DataFrame:
    """`li, alt`: each other spelling of a list person whose surname has several readings."""
    if "py_alt" not in lf.columns:
        return pl.DataFrame(schema={"li": pl.UInt32, "alt": pl.String})
    return (
        lf.filter(pl.col("py_alt").is_not_null())
        .select("li", pl.col("py_alt").str.strip_chars("|").str.split("|").alias("alt"))
        .explode("alt")
    )


def _need(frame: pl.DataFrame, need: pl.DataFrame | None, idx: str) -> pl.DataFrame:
    """`frame` with a `need` flag: True everywhere, or whether its row is among `need`'s."""
    if need is None:
        return frame.with_columns(pl.lit(True).alias("need"))
    return frame.with_columns(pl.col(idx).is_in(need[idx].implode()).alias("need"))


def _capped(keys: pl.DataFrame, cap: int) -> tuple[pl.DataFrame, int]:
    """Name keys without the blocks of more than `cap` list parties, and how many were skipped."""
    big = keys.group_by("key").len().filter(pl.col("len") > cap).select("key")
    return keys.join(big, on="key", how="anti"), big.height


@dataclass(frozen=True)
class ListBlockKeys:
    """Every blocking key of the list side, long (`li, key, rule, need`), too-common name blocks
    already removed. Built once per list: the sweep joins it with tonight's query keys, the
    screening desk keeps it in memory and looks one record's keys up in it."""

    keys: pl.DataFrame
    skipped_blocks: int


def list_block_keys(
    lf: pl.DataFrame, as_of: date, rules: BlockingRules | None = None
) -> ListBlockKeys:
    """The list side's keys: identifiers, organisation names, name sound + birth year, name only.

    `need` marks a name key of a party the identifier keys may fail to meet (`_needs_name_keys`):
    unless `name_keys_for_numbered`, a name + year pair is only made where one side needs it. The
    block cap is judged on the whole list, so a common name stays skipped however few of its
    bearers lack a number.
    """
    rules = rules or BlockingRules()
    lp, lo = lf.filter(pl.col("party_type") == "person"), lf.filter(pl.col("party_type") == "org")
    year, skipped_year = _capped(_year_keys_list(lf, as_of, rules.age_slack), rules.max_block)
    name_only = pl.concat(
        [
            _keys_long(lp, {"py_only": pl.col("py")}, "li"),
            _keys_long(lp, {"py_only": pl.col("py_rev")}, "li"),
            _keys_long(_other_readings(lp), {"py_only": pl.col("alt")}, "li"),
        ]
    ).unique(["li", "key"], maintain_order=True)
    name_only, skipped_name = _capped(name_only, rules.max_block)
    need = None if rules.name_keys_for_numbered else _needs_name_keys(lf).select("li")
    keys = pl.concat(
        [
            _need(_keys_long(lp, _pid_keys(), "li"), None, "li"),
            _need(_keys_long(lo, _ORG_KEYS, "li"), None, "li"),
            _need(year, need, "li"),
            _need(name_only, None, "li"),
        ]
    )
    return ListBlockKeys(keys, skipped_year + skipped_name)


@cache
def _query_key_columns(with_reach: bool) -> tuple[pl.Expr, ...]:
    """`qi, need` and one `<rule>:<value>` text column per query key (null where none is made).

    Persons: every identifier key family; name sound + birth year, with the own year and with
    `?` (to meet list parties with no birth information), flagged `need`; romanised or
    undocumented persons (no usable ID, no birth year) by name sound alone. Organisations: code,
    name, parent.
    """
    person = pl.col("party_type") == "person"
    org = pl.col("party_type") == "org"
    year = pl.col("year").cast(pl.String)
    cols: dict[str, pl.Expr] = {}
    for rule, expr in _pid_keys().items():
        cols[rule] = pl.when(person).then(expr)
    for rule, expr in _ORG_KEYS.items():
        cols[rule] = pl.when(org).then(expr)
    for rule, source in QUERY_YEAR_RULES.items():
        cols[rule] = pl.when(person).then(pl.col(source) + "|" + year)
        cols[rule + NO_YEAR] = pl.when(person).then(pl.col(source) + f"|{NO_YEAR}")
    bare = person & pl.col("pid").is_null() & pl.col("year").is_null()
    cols[BARE_NAME_RULE] = pl.when(bare).then(pl.col(BARE_NAME_COLUMN))
    return (
        pl.col("qi"),
        _needs_name(with_reach).fill_null(False).alias("need"),
        *[(pl.lit(rule.rstrip(NO_YEAR) + ":") + expr).alias(rule) for rule, expr in cols.items()],
    )


def query_block_keys(qf: pl.DataFrame, rules: BlockingRules | None = None) -> pl.DataFrame:
    """The query side's keys (`qi, key, rule, need`), the counterpart of `list_block_keys`.

        Built wide (one text column per key, `_query_key_columns`) and unpivoted, in one plan: the
        desk computes this for a single record per request, where the cost is the number of polars
        steps, not the rows. Row order follows polars' chunking of the wide frame (party by party or
    key column by key column); pairs do not depend on it.
        A frame of at most `FEW_ROWS` rows (the desk's record) takes the row-at-a-time path,
        `matching.blocking_few.query_keys_few`, which gives the same frame.
    """
    rules = rules or BlockingRules()
    if qf.height <= FEW_ROWS:
        return query_keys_few(qf, rules)
    return _query_keys_columnar(qf, rules)


def _query_keys_columnar(qf: pl.DataFrame, rules: BlockingRules) -> pl.DataFrame:
    """`query_block_keys` over whole columns: one polars plan, the night's batch."""
    columns = _query_key_columns("name_reach" in qf.columns)
    year_rules = list(QUERY_YEAR_RULES)
    need = pl.col("need") if not rules.name_keys_for_numbered else pl.lit(True)
    return (
        qf.lazy()
        .select(columns)
        .unpivot(index=["qi", "need"], variable_name="rule", value_name="_k")
        .drop_nulls("_k")
        .select(
            "qi",
            pl.col("_k").hash().alias("key"),
            pl.col("rule").str.strip_suffix(NO_YEAR),
            (~pl.col("rule").str.strip_suffix(NO_YEAR).is_in(year_rules) | need).alias("need"),
        )
        .collect()
    )


def pairs_from_found(found: pl.DataFrame) -> tuple[pl.DataFrame, BlockingStats]:
    """Unique pairs `qi, li, by_id, by_name` from key matches `qi, li, rule, need_q, need_l`.

    A name key pairs two parties only where one of them needs it (both flags are True for the
    keys that always pair). Up to `FEW_KEY_MATCHES` key matches (one desk record's) take the
    row-at-a-time path, `matching.blocking_few.pairs_few`, which gives the same pairs and counts.
    """
    if found.height <= FEW_KEY_MATCHES:
        return pairs_few(found)
    return _pairs_columnar(found)


def _pairs_columnar(found: pl.DataFrame) -> tuple[pl.DataFrame, BlockingStats]:
    """`pairs_from_found` over whole columns: a filter and one lazy group-by."""
    found = found.filter(pl.col("need_q") | pl.col("need_l"))
    stats = BlockingStats(pairs_by_key=dict(found.group_by("rule").len().iter_rows()))
    # met through an identifier key / a name key: EM learns name and birth m from the first, ID m
    # from the second (a field used to block is biased among the pairs it found).
    # One u64 per pair makes the de-duplication a single-column group-by.
    pair = pl.col("qi").cast(pl.UInt64) * (1 << 32) + pl.col("li").cast(pl.UInt64)
    by_id = found.select(pair.alias("pair"), pl.col("rule").is_in(list(ID_RULES)).alias("by_id"))
    # lazy: the eager group-by of the same plan takes ~4x as long over 10M+ key matches
    pairs = (
        by_id.lazy()
        .group_by("pair")
        .agg(pl.col("by_id").any(), (~pl.col("by_id")).any().alias("by_name"))
        .sort("pair")
        .select(
            (pl.col("pair") // (1 << 32)).cast(pl.UInt32).alias("qi"),
            (pl.col("pair") % (1 << 32)).cast(pl.UInt32).alias("li"),
            "by_id",
            "by_name",
        )
        .collect()
    )
    return pairs, stats


def candidate_pairs(
    qf: pl.DataFrame,
    lf: pl.DataFrame,
    as_of: date,
    rules: BlockingRules | None = None,
    listed: ListBlockKeys | None = None,
) -> tuple[pl.DataFrame, BlockingStats]:
    """Unique candidate pairs `qi, li` (row indices into the feature frames) and per-key counts.

    `listed`: the list's keys when the caller already has them (`list_block_keys(lf, as_of,
    rules)`, e.g. kept from an earlier sweep of the same list).
    """
    listed = listed or list_block_keys(lf, as_of, rules)
    found = (  # lazy, like the pairs' group-by: the eager join is slower on millions of keys
        query_block_keys(qf, rules)
        .lazy()
        .rename({"need": "need_q"})
        .join(listed.keys.lazy().select("key", "li", pl.col("need").alias("need_l")), on="key")
        .select("qi", "li", "rule", "need_q", "need_l")
        .collect()
    )
    pairs, stats = pairs_from_found(found)
    stats.skipped_blocks = listed.skipped_blocks
    return pairs, stats
