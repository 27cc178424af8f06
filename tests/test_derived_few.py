"""Property tests: the derived pair columns of a few pairs are exactly the columnar ones.

The screening desk compares one record's few dozen candidate pairs; `id_positions` and the birth
comparison's `_age_ok` then go pair by pair in Python, and the ID path reads the region history
through one-pair twins of its numpy functions. The night's comparisons must not depend on that,
so both paths are compared (the dispatch bypassed) over families of hard inputs: full, masked in
any span, bad-check, legacy 15-digit, full-width, swapped-digit and re-coded resident IDs (within
a city and across city prefixes, from the real region history), other people's numbers, nulls on
either side; birth dates and years against published ages on leap days, on and around birthdays,
with nulls on every input.
"""

from __future__ import annotations

import contextlib
from datetime import date, timedelta
from typing import Any
from unittest import mock

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import matching.comparison_library as comparison_library
import matching.id_positions as id_positions
from matching.comparison_level import assign_all
from matching.comparison_library import DECLARED, _birth_columns
from matching.id_positions import COLUMNS
from matching.id_positions import id_positions as positions
from matching.ids import recode_plausible, recode_plausible_one
from matching.link import prepare
from matching.pair_frame import pair_frame
from matching.regions import (
    code_spans,
    recoded_across,
    recoded_across_one,
    same_place_or_merged,
    same_place_or_merged_one,
    successor_pairs,
)
from tests.few_paths import bypassed
from tests.matching_helpers import AS_OF, listed, query, rid
from tests.test_scoring_few import FAST, families

KINDS = ("full", "bad_check", "masked", "empty", "mangled", "malformed", None)
COUNTIES = sorted({s.code for s in code_spans() if s.code % 100})
"""Every county-level code of the region history (what a birth place code is)."""
_BY_CITY: dict[int, list[int]] = {}
for _code in COUNTIES:
    _BY_CITY.setdefault(_code // 100, []).append(_code)
CITIES = sorted(c for c, codes in _BY_CITY.items() if len(codes) > 1)
SUCCESSORS, CHANGED = successor_pairs()
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
MANY = settings(FAST, max_examples=150)


def columnar() -> contextlib.AbstractContextManager[None]:
    """The few-pair dispatch bypassed: both functions run their columnar code."""
    return bypassed(comparison_library, id_positions, limits=("FEW_PAIRS",))


# --- resident IDs --------------------------------------------------------------------------------


@st.composite
def region_pairs(draw: st.DrawFn) -> tuple[int, int, int]:
    """Two region codes and a birth year: one place, a dated re-code (either direction, born
    around the change), two districts of one city, two unrelated or unknown codes."""
    kind = draw(st.integers(0, 4))
    year = draw(st.integers(1930, 2020))
    if kind == 0:
        a = b = draw(st.sampled_from(COUNTIES))
    elif kind == 1:
        at = draw(st.integers(0, len(SUCCESSORS) - 1))
        a, b = divmod(int(SUCCESSORS[at]), 10**6)
        year = int(CHANGED[at]) + draw(st.integers(-3, 2))
    elif kind == 2:
        city = _BY_CITY[draw(st.sampled_from(CITIES))]
        a, b = draw(st.lists(st.sampled_from(city), min_size=2, max_size=2))
    elif kind == 3:
        a, b = draw(st.lists(st.sampled_from(COUNTIES), min_size=2, max_size=2))
    else:
        a, b = draw(st.integers(100000, 999999)), draw(st.sampled_from(COUNTIES))
    return a, b, year


def _mask(number: str, hidden: list[int]) -> str:
    return "".join("*" if i in hidden else c for i, c in enumerate(number))


@st.composite
def id_variant(draw: st.DrawFn, number: str) -> str | None:
    """One side's number: as is, masked (a span or scattered), bad-check, two adjacent digits
    swapped, or missing."""
    kind = draw(st.integers(0, 6))
    if kind == 0:
        return number
    if kind == 1:
        lo = draw(st.integers(0, 17))
        hi = draw(st.integers(lo + 1, 18))
        return _mask(number, list(range(lo, hi)))
    if kind == 2:
        return _mask(number, draw(st.lists(st.integers(0, 17), max_size=8)))
    if kind == 3:
        return number[:17] + ("0" if number[17] != "0" else "X")
    if kind == 4:
        j = draw(st.integers(0, 16))
        return number[:j] + number[j + 1] + number[j] + number[j + 2 :]
    if kind == 5:
        return _mask(number, [*range(6, 14), *draw(st.lists(st.integers(0, 5), max_size=3))])
    return None


@st.composite
def id_pair(draw: st.DrawFn) -> tuple[str | None, str | None]:
    """Both sides of one pair: one person's numbers under two region codes, or two people's."""
    a, b, year = draw(region_pairs())
    born = date(year, 1, 1) + timedelta(days=draw(st.integers(0, 364)))
    seq = draw(st.integers(0, 999))
    other_seq = seq if draw(st.booleans()) else draw(st.integers(0, 999))
    left = rid(f"{a:06d}{born:%Y%m%d}{seq:03d}")
    right = rid(f"{b:06d}{born:%Y%m%d}{other_seq:03d}")
    return draw(id_variant(left)), draw(id_variant(right))


@st.composite
def id_frames(draw: st.DrawFn) -> pl.DataFrame:
    """1 to 64 pairs of cleaned IDs and their kinds, as `id_positions` reads them."""
    rows = draw(st.lists(id_pair(), min_size=1, max_size=64))
    kinds = draw(st.lists(st.tuples(*[st.sampled_from(KINDS)] * 2), min_size=64, max_size=64))
    return pl.DataFrame(
        {
            "pid_q": [q for q, _ in rows],
            "pid_l": [lst for _, lst in rows],
            "pid_kind_q": [k for k, _ in kinds[: len(rows)]],
            "pid_kind_l": [k for _, k in kinds[: len(rows)]],
        },
        schema={c: pl.String for c in ("pid_q", "pid_l", "pid_kind_q", "pid_kind_l")},
    )


def _same_positions(frame: pl.DataFrame) -> pl.DataFrame:
    few = positions(frame, AS_OF)
    with columnar():
        assert_frame_equal(few, positions(frame, AS_OF))
    return few


@MANY
@given(id_frames())
def test_id_positions_of_a_few_pairs_are_the_columnar_ones(frame: pl.DataFrame) -> None:
    _same_positions(frame)


@st.composite
def id_parties(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Query and list parties whose every pair is compared: one identity's numbers as the desk
    meets them (legacy 15-digit, full-width, lower-case x, blank, re-coded) and other people's,
    with birth dates, published ages and age dates; 1 to 64 pairs."""
    numbers = [n for pair in draw(st.lists(id_pair(), min_size=1, max_size=4)) for n in pair]
    pool: list[str | None] = [*numbers, "", None]
    for n in numbers:
        if n is not None and "*" not in n:
            pool += [n[:6] + n[8:17], n.translate(FULL_WIDTH), f" {n.lower()} "]
    nq = draw(st.integers(1, 4))
    nl = draw(st.integers(1, 64 // nq))
    born = draw(birth_days())
    q = [
        {
            "party_type": draw(st.sampled_from(("person", "person", "person", "org"))),
            "name": "张伟",
            "id_number": draw(st.sampled_from(pool)),
            "birth_date": draw(st.sampled_from((None, born, born + timedelta(days=1)))),
        }
        for _ in range(nq)
    ]
    lst = []
    for _ in range(nl):
        on = draw(st.sampled_from((None, AS_OF, draw(birth_days()))))
        age = (on or AS_OF).year - born.year + draw(st.integers(-2, 1))
        lst.append(
            {
                "name": "张伟",
                "id_number": draw(st.sampled_from(pool)),
                "age": draw(st.sampled_from((age, None))),
                "age_on": on,
            }
        )
    return query(*q), listed(*lst)


def _every_pair(qf: pl.DataFrame, lf: pl.DataFrame) -> pl.DataFrame:
    every = pl.DataFrame(
        {
            "qi": np.repeat(np.arange(qf.height), lf.height),
            "li": np.tile(np.arange(lf.height), qf.height),
        },
        schema={"qi": pl.UInt32, "li": pl.UInt32},
    )
    return pair_frame(qf, lf, every)


def _same_derived(pf: pl.DataFrame) -> None:
    """Both derives and the whole comparison step, row paths against the columnar ones."""
    ids, ages = positions(pf, AS_OF), _birth_columns(pf, AS_OF)
    codes = assign_all(DECLARED, pf, AS_OF)
    with columnar():
        assert_frame_equal(ids, positions(pf, AS_OF))
        assert_frame_equal(ages, _birth_columns(pf, AS_OF))
        assert_frame_equal(codes, assign_all(DECLARED, pf, AS_OF))


@settings(FAST, max_examples=60)
@given(id_parties())
def test_derived_columns_of_real_pair_frames_are_the_columnar_ones(family: Any) -> None:
    _same_derived(_every_pair(*prepare(*family, AS_OF)))


@settings(FAST, max_examples=60)
@given(families())
def test_derived_columns_of_the_scoring_families_are_the_columnar_ones(family: Any) -> None:
    """The families the scoring tests draw: names, orgs, genders, and their ID variants."""
    _same_derived(_every_pair(*prepare(*family, AS_OF)))


def test_the_id_families_reach_every_kind_of_pair() -> None:
    """The property tests are only as good as their pairs: re-codes judged both ways within a city
    and across city prefixes, swapped digits, slips, masks, missing numbers."""
    seen = {
        "recode_near": False,
        "recode_far": False,
        "rejected": False,
        "swapped": False,
        "typo": False,
        "missing": False,
    }

    # derandomized: a coverage check must not depend on the draw of the day
    @settings(FAST, max_examples=200, derandomize=True)
    @given(id_frames())
    def collect(frame: pl.DataFrame) -> None:
        found = _same_positions(frame)
        q, lst = frame["pid_q"].fill_null(""), frame["pid_l"].fill_null("")
        same_city = q.str.slice(0, 4) == lst.str.slice(0, 4)
        recode = found["_id_recode"]
        seen["recode_near"] |= bool((recode & same_city).any())
        seen["recode_far"] |= bool((recode & ~same_city).any())
        # fully seen, the birth date and sequence agree, the region does not: two places
        tail_agrees = (q.str.slice(6, 11) == lst.str.slice(6, 11)) & (
            q.str.slice(0, 6) != lst.str.slice(0, 6)
        )
        seen["rejected"] |= bool((~recode & tail_agrees & (found["_id_vis"] == 18)).any())
        seen["swapped"] |= bool(found["_id_swapped"].any())
        seen["typo"] |= bool(found["_id_typo"].any())
        seen["missing"] |= bool((found["_id_vis"] == 0).any())

    collect()
    assert all(seen.values()), seen


@pytest.mark.parametrize(
    ("old", "new", "year", "recoded"),
    [
        ("512529", "511523", 1980, True),  # 江安县: a re-code across city prefixes
        ("512529", "511523", 2001, False),  # born after the change: two places
        ("110228", "110118", 1980, True),  # 密云县 -> 密云区
        ("110103", "110101", 1980, True),  # 崇文区 merged into 东城区 (2010), one city prefix
        ("110103", "110101", 2012, False),  # born after the merge: 崇文区 was gone
        ("110105", "110108", 1980, False),  # 朝阳区 and 海淀区: neighbours all along
    ],
)
def test_known_re_codes_are_judged_alike_by_both_paths(
    old: str, new: str, year: int, recoded: bool
) -> None:
    body = f"{year}0301123"
    frame = pl.DataFrame(
        {
            "pid_q": [rid(old + body), rid(old + body), None],
            "pid_l": [rid(new + body), new[:4] + "**" + body + "*", rid(new + body)],
            "pid_kind_q": ["full", "full", None],
            "pid_kind_l": ["full", "masked", "bad_check"],
        }
    )
    found = _same_positions(frame)
    assert found["_id_recode"][0] is recoded
    assert found.row(2) == (0, 0, True, 0, False, False, False, True)


def test_no_pairs_and_the_dispatch() -> None:
    """An empty frame keeps its schema both ways; a few pairs take the row path, more do not."""
    empty = _every_pair(*prepare(query({"name": "张伟"}), listed({"name": "李娜"}), AS_OF)).clear()
    assert positions(empty, AS_OF).schema == pl.Schema(COLUMNS)
    _same_derived(empty)
    one = pl.DataFrame(
        {"pid_q": [None], "pid_l": [None], "pid_kind_q": [None], "pid_kind_l": [None]},
        schema={c: pl.String for c in ("pid_q", "pid_l", "pid_kind_q", "pid_kind_l")},
    )
    with mock.patch.object(id_positions, "_few", wraps=id_positions._few) as few:
        positions(one, AS_OF)
        with columnar():
            positions(one, AS_OF)
    assert few.call_count == 1


# --- the region history's one-pair twins ---------------------------------------------------------


@MANY
@given(st.lists(region_pairs(), min_size=1, max_size=40), st.data())
def test_the_region_history_twins_answer_as_the_numpy_functions(
    found: list[tuple[int, int, int]], data: st.DataObject
) -> None:
    """Codes hidden (-1) on either side, years unseen (0) or around the changes."""
    rows = [
        (
            -1 if data.draw(st.integers(0, 5)) == 0 else a,
            -1 if data.draw(st.integers(0, 5)) == 0 else b,
            0 if data.draw(st.integers(0, 5)) == 0 else year,
        )
        for a, b, year in found
    ]
    ra, rb, year = (np.array(c, dtype=np.int64) for c in zip(*rows, strict=True))
    city = np.array([max(a, b) // 100 for a, b, _ in found], dtype=np.int64)
    assert recode_plausible(ra, rb, city, year).tolist() == [
        recode_plausible_one(*r)
        for r in zip(ra.tolist(), rb.tolist(), city.tolist(), year.tolist(), strict=True)
    ]
    assert recoded_across(ra, rb, year).tolist() == [recoded_across_one(*r) for r in rows]
    assert same_place_or_merged(ra, rb, year).tolist() == [
        same_place_or_merged_one(*r) for r in rows
    ]


# --- birth dates and published ages --------------------------------------------------------------


@st.composite
def birth_days(draw: st.DrawFn) -> date:
    """Days that make age arithmetic hard: leap days and their neighbours, year ends, any day."""
    year = draw(st.integers(1920, 2025))
    kind = draw(st.integers(0, 3))
    if kind == 0:
        leap = year - year % 4 if year - year % 4 != 1900 else 1904
        return draw(st.sampled_from((date(leap, 2, 29), date(leap, 2, 28), date(leap, 3, 1))))
    if kind == 1:
        return draw(st.sampled_from((date(year, 1, 1), date(year, 12, 31), date(year, 2, 28))))
    return date(year, 1, 1) + timedelta(days=draw(st.integers(0, 364)))


def _anniversary(born: date, year: int) -> date:
    """The birthday in `year` (28 Feb for a leap-day birth in a common year)."""
    try:
        return born.replace(year=year)
    except ValueError:
        return born.replace(year=year, day=28)


@st.composite
def birth_rows(draw: st.DrawFn) -> dict[str, Any]:
    """One pair's birth inputs: date and/or year, the list's age on its age date (on the
    birthday, a day either side, another hard day or none), ages off by up to two years."""
    born = draw(birth_days())
    later = born.year + draw(st.integers(0, 90))
    shift = draw(st.sampled_from((0, 0, -1, 1, None)))
    on = draw(birth_days()) if shift is None else _anniversary(born, later) + timedelta(days=shift)
    age = on.year - born.year + draw(st.integers(-2, 2))
    return {
        "birth_q": draw(st.sampled_from((born, born, None))),
        "year_q": draw(st.sampled_from((born.year, born.year, born.year + 1, None))),
        "age_l": draw(st.sampled_from((age, age, age, None))),
        "age_on_l": draw(st.sampled_from((on, on, None))),
    }


BIRTH_SCHEMA = {"birth_q": pl.Date, "year_q": pl.Int32, "age_l": pl.Int64, "age_on_l": pl.Date}


@MANY
@given(st.lists(birth_rows(), min_size=1, max_size=64), birth_days())
def test_age_ok_of_a_few_pairs_is_the_columnar_one(rows: list[dict[str, Any]], as_of: date) -> None:
    frame = pl.DataFrame(rows, schema=BIRTH_SCHEMA)
    few = _birth_columns(frame, as_of)
    with columnar():
        assert_frame_equal(few, _birth_columns(frame, as_of))


def test_age_ok_on_the_hard_days() -> None:
    """Birthdays on the age date count, the day before does not; a leap-day birth turns a year
    older on 1 March of a common year; a year alone allows one year either way; nulls never fit."""
    cases = [
        ((date(1990, 5, 10), 1990, 35, date(2025, 5, 10)), True),
        ((date(1990, 5, 10), 1990, 35, date(2025, 5, 9)), False),
        ((date(2000, 2, 29), 2000, 25, date(2025, 2, 28)), False),
        ((date(2000, 2, 29), 2000, 25, date(2025, 3, 1)), True),
        ((date(2000, 2, 29), 2000, 24, date(2024, 2, 29)), True),
        ((None, 1990, 35, date(2025, 1, 1)), True),
        ((None, 1990, 34, date(2025, 1, 1)), True),
        ((None, 1990, 36, date(2025, 1, 1)), False),
        ((None, 1990, 33, date(2025, 1, 1)), False),
        ((date(1990, 5, 10), 1990, None, date(2025, 6, 1)), False),
        ((None, None, 35, date(2025, 6, 1)), False),
        ((date(1990, 5, 10), None, 35, None), True),  # the run date stands in for the age date
    ]
    frame = pl.DataFrame([c for c, _ in cases], schema=BIRTH_SCHEMA, orient="row")
    few = _birth_columns(frame, AS_OF)
    assert few["_age_ok"].to_list() == [ok for _, ok in cases]
    with columnar():
        assert_frame_equal(few, _birth_columns(frame, AS_OF))
