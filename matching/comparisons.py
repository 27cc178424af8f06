"""Comparators: pure functions from a candidate-pair frame to one comparison level per pair.

A pair frame holds the features of both sides, query columns suffixed `_q`, list columns `_l`
(see `matching.features.party_features`). Each comparator returns an Int8 level code (index into
its `LEVELS` tuple, weakest first) or null when the pair carries no evidence for that field. The
values that produced a level are the pair's own columns, so `matching.explain` can cite them.
`level_of` runs the same expression on one literal pair, for tests and explanations.
"""

from __future__ import annotations

from datetime import date

import polars as pl
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler
from rapidfuzz.fuzz import ratio

ID_LEVELS = (
    "different",
    "one_edit",
    "masked_weak",
    "region_recode",
    "masked_strong",
    "org_code",
    "exact",
)
NAME_LEVELS = ("different", "fuzzy", "lookalike", "romanised", "homophone", "exact")
BIRTH_LEVELS = ("different", "age_consistent", "year", "exact")
GENDER_LEVELS = ("different", "equal")
LEVELS: dict[str, tuple[str, ...]] = {
    "id": ID_LEVELS,
    "name": NAME_LEVELS,
    "birth": BIRTH_LEVELS,
    "gender": GENDER_LEVELS,
}
ID_EVIDENCE = frozenset(
    {"one_edit", "masked_weak", "region_recode", "masked_strong", "org_code", "exact"}
)
"""ID levels that count as identifier evidence; without one a pair is never an automatic match."""
MIN_VISIBLE = 6
"""Fewer visible shared ID positions than this is no evidence (e.g. an almost fully masked ID)."""
STRONG_VISIBLE = 10
JW_FUZZY = 0.9
ORG_FUZZY = 90.0


def _code(levels: tuple[str, ...], name: str) -> pl.Expr:
    return pl.lit(levels.index(name), dtype=pl.Int8)


def _person_id_level() -> pl.Expr:
    q, l_ = pl.col("pid_q"), pl.col("pid_l")
    a = [q.str.slice(i, 1) for i in range(18)]
    b = [l_.str.slice(i, 1) for i in range(18)]
    vis = [(x != "*") & (y != "*") for x, y in zip(a, b, strict=True)]
    conf = [v & (x != y) for v, x, y in zip(vis, a, b, strict=True)]
    n_vis = pl.sum_horizontal(v.cast(pl.Int8) for v in vis)
    n_conf = pl.sum_horizontal(c.cast(pl.Int8) for c in conf)
    conf_region = pl.sum_horizontal(c.cast(pl.Int8) for c in conf[:6])
    # A recoded person keeps birth date and sequence; the check char changes with the region.
    conf_recode = conf_region + conf[17].cast(pl.Int8)
    agree_tail = pl.sum_horizontal(
        (v & ~c).cast(pl.Int8) for v, c in zip(vis[6:], conf[6:], strict=True)
    )
    swapped = pl.any_horizontal(
        conf[i] & conf[i + 1] & (a[i] == b[i + 1]) & (a[i + 1] == b[i]) for i in range(17)
    )
    masked = (pl.col("pid_kind_q") == "masked") | (pl.col("pid_kind_l") == "masked")
    lv = ID_LEVELS
    return (
        pl.when(q.is_null() | l_.is_null() | (n_vis < MIN_VISIBLE))
        .then(None)
        .when((n_conf == 0) & ~masked)
        .then(_code(lv, "exact"))
        .when((n_conf == 0) & (n_vis >= STRONG_VISIBLE))
        .then(_code(lv, "masked_strong"))
        .when(n_conf == 0)
        .then(_code(lv, "masked_weak"))
        .when((conf_region > 0) & (conf_recode == n_conf) & (agree_tail >= 8))
        .then(_code(lv, "region_recode"))
        .when((n_conf == 1) | ((n_conf == 2) & swapped))
        .then(_code(lv, "one_edit"))
        .otherwise(_code(lv, "different"))
    )


def _org_id_level() -> pl.Expr:
    lv = ID_LEVELS
    return (
        pl.when(pl.col("uscc_q").is_not_null() & (pl.col("uscc_q") == pl.col("uscc_l")))
        .then(_code(lv, "exact"))
        .when(pl.col("org_code_q") == pl.col("org_code_l"))
        .then(_code(lv, "org_code"))
        .when(pl.col("org_code_q").is_not_null() & pl.col("org_code_l").is_not_null())
        .then(_code(lv, "different"))
    )


def id_level() -> pl.Expr:
    """ID comparison: resident IDs position by position (masks unknown), or USCC / org code."""
    org = pl.col("party_type_q") == "org"
    return pl.when(org).then(_org_id_level()).otherwise(_person_id_level()).alias("g_id")


def _name_base_level() -> pl.Expr:
    lv = NAME_LEVELS
    han = pl.col("han_q") & pl.col("han_l")
    same_py = (pl.col("py_q") == pl.col("py_l")) | (pl.col("py_q") == pl.col("py_rev_l"))
    return (
        pl.when(pl.col("norm_q").is_null() | pl.col("norm_l").is_null())
        .then(None)
        .when(pl.col("norm_q") == pl.col("norm_l"))
        .then(_code(lv, "exact"))
        .when(pl.col("party_type_q") == "org")
        .then(None)  # orgs: fuzzy level filled in by `name_levels`
        .when(han & (pl.col("py_q") == pl.col("py_l")))
        .then(_code(lv, "homophone"))
        .when(~han & same_py)
        .then(_code(lv, "romanised"))
        .when(pl.col("fold_q") == pl.col("fold_l"))
        .then(_code(lv, "lookalike"))
    )


def name_levels(pairs: pl.DataFrame) -> pl.Series:
    """Name comparison for every pair; string similarity runs batched in rapidfuzz, not per pair in Python."""
    base = pairs.select(
        _name_base_level().alias("g"),
        (pl.col("norm_q").is_not_null() & pl.col("norm_l").is_not_null()).alias("both"),
    )
    todo = base["g"].is_null() & base["both"]
    if not todo.any():
        return base["g"].rename("g_name")
    sub = pairs.filter(todo).select("party_type_q", "norm_q", "norm_l", "py_q", "py_l")
    person = sub["party_type_q"] == "person"
    jw = process.cpdist(
        sub["py_q"].fill_null("").to_list(),
        sub["py_l"].fill_null("").to_list(),
        scorer=JaroWinkler.normalized_similarity,
        workers=-1,
    )
    rt = process.cpdist(sub["norm_q"].to_list(), sub["norm_l"].to_list(), scorer=ratio, workers=-1)
    fuzzy = pl.Series(
        (person.to_numpy() & (jw >= JW_FUZZY)) | (~person.to_numpy() & (rt >= ORG_FUZZY))
    )
    filled = pl.select(
        pl.when(fuzzy).then(_code(NAME_LEVELS, "fuzzy")).otherwise(_code(NAME_LEVELS, "different"))
    )
    out = base["g"].scatter(todo.arg_true(), filled.to_series())
    return out.rename("g_name")


def birth_level(as_of: date) -> pl.Expr:
    """Birth comparison: full date, birth year, or query age at `as_of` vs the list's age (±1)."""
    lv = BIRTH_LEVELS
    bq, bl, yq, yl = pl.col("birth_q"), pl.col("birth_l"), pl.col("year_q"), pl.col("year_l")
    age_q = (
        pl.when(bq.is_not_null())
        .then(
            pl.lit(as_of.year)
            - bq.dt.year()
            - ((bq.dt.month() * 100 + bq.dt.day()) > as_of.month * 100 + as_of.day).cast(pl.Int32)
        )
        .otherwise(pl.lit(as_of.year) - yq)
    )
    return (
        pl.when(pl.col("party_type_q") == "org")
        .then(None)
        .when(bq.is_not_null() & bl.is_not_null())
        .then(pl.when(bq == bl).then(_code(lv, "exact")).otherwise(_code(lv, "different")))
        .when(yq.is_not_null() & yl.is_not_null())
        .then(pl.when(yq == yl).then(_code(lv, "year")).otherwise(_code(lv, "different")))
        .when(age_q.is_not_null() & pl.col("age_l").is_not_null())
        .then(
            pl.when((age_q - pl.col("age_l")).abs() <= 1)
            .then(_code(lv, "age_consistent"))
            .otherwise(_code(lv, "different"))
        )
        .alias("g_birth")
    )


def gender_level() -> pl.Expr:
    """Gender comparison (from the ID's sequence digit or the declared/published field)."""
    lv = GENDER_LEVELS
    return (
        pl.when(pl.col("sex_q").is_null() | pl.col("sex_l").is_null())
        .then(None)
        .when(pl.col("sex_q") == pl.col("sex_l"))
        .then(_code(lv, "equal"))
        .otherwise(_code(lv, "different"))
        .alias("g_gender")
    )


def branch_veto() -> pl.Expr:
    """True when one side is a branch (分公司) and the other its parent or another branch: never a match."""
    org = (pl.col("party_type_q") == "org") & (pl.col("party_type_l") == "org")
    return (org & ~pl.col("branch_q").eq_missing(pl.col("branch_l"))).alias("veto")


def compare(pairs: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Add `g_id, g_name, g_birth, g_gender, veto` to a candidate-pair frame."""
    out = pairs.with_columns(id_level(), birth_level(as_of), gender_level(), branch_veto())
    return out.with_columns(name_levels(out))


def level_of(field: str, pairs: pl.DataFrame, as_of: date) -> str | None:
    """Level name of `field` for a one-row pair frame (tests and explanations)."""
    code = compare(pairs, as_of)[f"g_{field}"][0]
    return None if code is None else LEVELS[field][code]
