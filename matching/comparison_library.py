"""The matcher's comparisons, each one ordered list of declared levels (first that holds wins).

The ID comparison, with the u formulas its rare levels are priced by, is in
`matching.id_comparison`; names, birth and gender are here.

A pair frame holds both sides' features, query columns suffixed `_q`, list columns `_l`
(`matching.pair_frame`). To add a level, declare it in its comparison's list at its place of
precedence (docs/ARCHITECTURE.md, "Adding a comparison level"); codes, weights, TF, explanations,
estimation and layout sharing all follow from the declaration.

Packaged m/u: u reasoned over random pairs, m from the generated data's noise mix;
`matching/default_model.json` (estimated) replaces both.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np
import polars as pl
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler
from rapidfuzz.fuzz import ratio

from matching.comparison_level import Column, ComparisonLevel, ComparisonSpec, Evidence
from matching.config import FEW_PAIRS, FEW_ROWS
from matching.id_comparison import ID

JW_FUZZY = 0.9
ORG_FUZZY = 90.0


def _name_close(pairs: pl.DataFrame) -> pl.Series:
    """Similar names, batched in rapidfuzz: persons by pinyin Jaro-Winkler, orgs by ratio.

    Each scorer runs only on its own pairs: strings leave polars once, for the pairs that use them.
    """
    person = (pairs["party_type_q"] == "person").fill_null(False).to_numpy()
    close = np.zeros(pairs.height, dtype=bool)
    # rapidfuzz's thread pool costs milliseconds to start: worth it for a night, not for a few
    workers = 1 if pairs.height <= FEW_ROWS else -1
    if person.any():
        keep = pl.Series(person)
        jw = process.cpdist(
            _texts(pairs["py_q"].filter(keep)),
            _texts(pairs["py_l"].filter(keep)),
            scorer=JaroWinkler.normalized_similarity,
            workers=workers,
        )
        close[person] = jw >= JW_FUZZY
    if not person.all():
        keep = pl.Series(~person)
        rt = process.cpdist(
            pairs["norm_q"].filter(keep).to_list(),
            pairs["norm_l"].filter(keep).to_list(),
            scorer=ratio,
            workers=workers,
        )
        close[~person] = rt >= ORG_FUZZY
    return pl.Series(close)


def _name_close_row(pair: Mapping[str, Any]) -> bool:
    """`_name_close` of one pair: the same scorer, text and threshold per party type."""
    if pair["party_type_q"] == "person":
        jw = JaroWinkler.normalized_similarity(pair["py_q"] or "", pair["py_l"] or "")
        return _reaches(jw, JW_FUZZY)
    return _reaches(ratio(pair["norm_q"], pair["norm_l"]), ORG_FUZZY)


def _reaches(score: float, threshold: float) -> bool:
    """`score >= threshold` as `_name_close` compares its batch: `cpdist` hands back float32
    scores, and numpy compares them with a Python float in float32. Rounding to float32 keeps
    order and moves a value by under 1e-7 of itself, so only a score just under the threshold
    needs the float32 comparison itself."""
    if score >= threshold:
        return True
    if score < threshold * (1 - 1e-6):
        return False
    return bool(np.float32(score) >= np.float32(threshold))


def _texts(names: pl.Series) -> list[str]:
    """The names as Python strings, a missing one as "" (no similarity)."""
    return ["" if n is None else n for n in names.to_list()]


_NOT_ORG = ~(pl.col("party_type_q") == "org").fill_null(False)  # orgs: only exact or fuzzy
_HAN = pl.col("han_q") & pl.col("han_l")
_SAME_PY = (
    (pl.col("py_q") == pl.col("py_l"))
    | (pl.col("py_q") == pl.col("py_rev_l"))
    | pl.col("py_alt_l").str.contains("|" + pl.col("py_q") + "|", literal=True).fill_null(False)
)

NAME = ComparisonSpec(
    "name",
    (
        ComparisonLevel(
            "missing", pl.col("norm_q").is_null() | pl.col("norm_l").is_null(), is_null=True
        ),
        ComparisonLevel(
            "exact",
            pl.col("norm_q") == pl.col("norm_l"),
            "姓名（名称）规范化后一致",
            0.83,
            1e-4,
            Evidence.AGREES,
            tf_column="norm",
        ),
        ComparisonLevel(
            "homophone",
            _NOT_ORG & _HAN & (pl.col("py_q") == pl.col("py_l")),
            "姓名同音（拼音一致）",
            0.05,
            2e-4,
            Evidence.AGREES,
            tf_column="py",
        ),
        # A romanised name against a Han one can only agree by sound: its m is the share of true
        # pairs whose names agree in any form, its u the chance that two different people's names
        # sound alike, not the rarity of passports among random pairs (`matching.layouts`).
        ComparisonLevel(
            "romanised",
            _NOT_ORG & ~_HAN & _SAME_PY,
            "拼音姓名与中文姓名一致",
            0.05,
            1e-4,
            Evidence.AGREES,
            tf_column="py",
            m_like=("exact", "homophone", "lookalike", "romanised"),
            u_like="homophone",
        ),
        ComparisonLevel(
            "lookalike",
            _NOT_ORG & (pl.col("fold_q") == pl.col("fold_l")),
            "姓名形近字一致",
            0.02,
            1e-5,
            Evidence.PARTIAL,
        ),
        ComparisonLevel(
            "fuzzy",
            None,
            "姓名（名称）相近",
            0.03,
            1e-3,
            Evidence.SIMILAR,
            costly=_name_close,
            costly_row=_name_close_row,
        ),
        ComparisonLevel("different", None, "姓名（名称）不一致", 0.02, 0.999),
    ),
)
"""Names: normalised, by sound, romanised, look-alike characters, or similar strings."""


def _md(month: Any, day: Any) -> Any:
    """A day of the year as month * 100 + day, comparable within any year (29 Feb too)."""
    return month * 100 + day


def _age_on(born_year: Any, born_md: Any, on_year: Any, on_md: Any) -> Any:
    """Completed years on a day: one fewer before that year's birthday (`_md` days)."""
    return on_year - born_year - (born_md > on_md)


def _within_a_year(years_since: Any, age: Any) -> Any:
    """A birth year alone fits an age: the years since it, or one fewer before the birthday."""
    gap = years_since - age
    return (gap >= 0) & (gap <= 1)


# `_md`, `_age_on` and `_within_a_year` serve polars expressions and Python ints alike: the rule is
# stated once for the columnar path and the few-pair row path.
_AGE_OK_COLUMNS = ("birth_q", "year_q", "age_l", "age_on_l")


def _birth_rows(pairs: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """`_birth_columns` one pair at a time."""
    read = {c: pairs.get_column(c).to_list() for c in _AGE_OK_COLUMNS}
    return pl.Series("_age_ok", _age_ok_values(read, as_of), dtype=pl.Boolean).to_frame()


def _birth_columns_rows(cols: Mapping[str, list[Any]], n: int, as_of: date) -> list[Column]:
    """`_birth_columns` of `n` pairs from their columns as lists, left as a list."""
    del n  # one value per pair of the columns read
    return [("_age_ok", _age_ok_values(cols, as_of), pl.Boolean())]


def _age_ok_values(cols: Mapping[str, list[Any]], as_of: date) -> list[bool]:
    """`_age_ok` one pair at a time, from `_AGE_OK_COLUMNS` as lists."""
    found: list[bool] = []
    for bq, yq, age, on in zip(*(cols[c] for c in _AGE_OK_COLUMNS), strict=True):
        on = as_of if on is None else on
        if bq is not None:
            found.append(
                age is not None
                and _age_on(bq.year, _md(bq.month, bq.day), on.year, _md(on.month, on.day)) == age
            )
        else:
            found.append(yq is not None and age is not None and _within_a_year(on.year - yq, age))
    return found


def _birth_columns(pairs: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Whether the query's birth date or year fits the list's published age (`_age_ok`).

    Lists publish the age at publication (`age_on_l`), so the query's birth date is turned into
    its age on that day: exact when the full date is known, within one year from a year alone.
    `as_of` stands in for a missing `age_on_l`. At most `FEW_PAIRS` pairs go row by row.
    """
    if pairs.height <= FEW_PAIRS:
        return _birth_rows(pairs, as_of)
    bq, yq, age_l = pl.col("birth_q"), pl.col("year_q"), pl.col("age_l")
    on = pl.col("age_on_l").fill_null(as_of)

    def md(d: pl.Expr) -> pl.Expr:  # Int32 first: `dt.month()` is an Int8
        return _md(d.dt.month().cast(pl.Int32), d.dt.day().cast(pl.Int32))

    on_year = on.dt.year().cast(pl.Int32)
    age_ok = (
        pl.when(bq.is_not_null())
        .then(_age_on(bq.dt.year().cast(pl.Int32), md(bq), on_year, md(on)) == age_l)
        .otherwise(_within_a_year(on_year - yq, age_l))
    )
    return pairs.select(age_ok.fill_null(False).alias("_age_ok"))


_BOTH_IDS = pl.col("pid_q").is_not_null() & pl.col("pid_l").is_not_null()
"""Both sides carry a resident ID: birth and gender digits are then part of the ID comparison,
and comparing them again would count the same evidence twice (FS assumes independence)."""
_SLIPPED = (pl.col("pid_kind_q") == "bad_check").fill_null(False)
"""The query's number fails its check char: a typing slip somewhere in it, often in the birth
digits, so a birth year that disagrees with the list's age is no evidence against the pair; one
that agrees is still no coincidence and keeps its weight."""
_DATES = pl.col("birth_q").is_not_null() & pl.col("birth_l").is_not_null()
_YEARS = ~_DATES & pl.col("year_q").is_not_null() & pl.col("year_l").is_not_null()
_AGE = pl.col("year_q").is_not_null() & pl.col("age_l").is_not_null()
_ID_AGE = _AGE & pl.col("year_l").is_null()  # the list shows an age the ID's year can't speak to
_AGE_OK = pl.col("_age_ok")

BIRTH = ComparisonSpec(
    "birth",
    (
        ComparisonLevel("org", pl.col("party_type_q") == "org", is_null=True),
        # the ID comparison already weighed the visible birth digits; only a published age is new
        ComparisonLevel("in_id", _BOTH_IDS & ~_ID_AGE, is_null=True),
        ComparisonLevel("slipped", _BOTH_IDS & ~_AGE_OK & _SLIPPED, is_null=True),
        ComparisonLevel(
            "exact",
            ~_BOTH_IDS & _DATES & (pl.col("birth_q") == pl.col("birth_l")),
            "出生日期一致",
            0.47,
            4e-5,
            Evidence.AGREES,
            shares_m="visible_agrees",
        ),
        ComparisonLevel(
            "year",
            ~_BOTH_IDS & _YEARS & (pl.col("year_q") == pl.col("year_l")),
            "出生年份一致",
            0.3,
            0.02,
            Evidence.PARTIAL,
            shares_m="visible_agrees",
        ),
        ComparisonLevel(
            "age_consistent",
            _AGE_OK & (_BOTH_IDS | (~_DATES & ~_YEARS & _AGE)),
            "年龄与出生日期相符（±1岁）",
            0.2,
            0.05,
            Evidence.PARTIAL,
            shares_m="visible_agrees",
        ),
        ComparisonLevel("unknown", ~_BOTH_IDS & ~_DATES & ~_YEARS & ~_AGE, is_null=True),
        ComparisonLevel("different", None, "出生日期或年龄不符", 0.03, 0.9),
    ),
    derive=_birth_columns,
    derive_rows=_birth_columns_rows,
)
"""Birth: full date, birth year, or the query's age on the list's age date."""

_SEX_IN_IDS = (
    _BOTH_IDS
    & (pl.col("pid_q").str.slice(16, 1) != "*")
    & (pl.col("pid_l").str.slice(16, 1) != "*")
)

GENDER = ComparisonSpec(
    "gender",
    (
        ComparisonLevel(
            "unknown",
            pl.col("sex_q").is_null() | pl.col("sex_l").is_null() | _SEX_IN_IDS,
            is_null=True,
        ),
        ComparisonLevel(
            "equal", pl.col("sex_q") == pl.col("sex_l"), "性别一致", 0.98, 0.5, Evidence.AGREES
        ),
        ComparisonLevel("different", None, "性别不一致", 0.02, 0.5),
    ),
)
"""Gender, from the ID's sequence digit or the declared / published field; not when both IDs
show it (the ID comparison weighed it)."""

DECLARED: tuple[ComparisonSpec, ...] = (ID, NAME, BIRTH, GENDER)
"""The comparisons every pair goes through, in the order of the hit's evidence."""
