"""Property tests: every ID layout that shows enough digits is blocked with its true entry.

Random valid numbers x random mask layouts (any set of hidden positions that leaves the region
and birth date visible, or the region and sequence) x legacy 15-digit forms x region re-codes taken
from the dated region history. Blocking is what failed silently on layouts nobody had listed, so
it is tested over whole families of inputs, not over the layouts we happen to know.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.blocking import candidate_pairs
from matching.comparisons import level_of
from matching.link import prepare
from matching.regions import successor_pairs
from tests.matching_helpers import AS_OF, listed, query, rid

REGIONS = ("110105", "330203", "440305", "510104", "650102", "370212")
SEGMENTS = {"region": range(0, 6), "birth": range(6, 14), "seq": range(14, 17), "check": (17,)}


@st.composite
def person_ids(draw: st.DrawFn, regions: tuple[str, ...] = REGIONS) -> str:
    region = draw(st.sampled_from(regions))
    born = date(1930, 1, 1) + timedelta(days=draw(st.integers(0, 365 * 70)))
    seq = draw(st.integers(0, 999))
    return rid(f"{region}{born:%Y%m%d}{seq:03d}")


@st.composite
def layouts(draw: st.DrawFn) -> frozenset[int]:
    """Hidden positions: anything, as long as region + birth or region + sequence stay visible."""
    keep = draw(st.sampled_from((("region", "birth"), ("region", "seq"))))
    visible = {i for part in keep for i in SEGMENTS[part]}
    others = [i for i in range(18) if i not in visible]
    hidden = draw(st.sets(st.sampled_from(others), min_size=1))
    return frozenset(hidden)


def mask(number: str, hidden: frozenset[int]) -> str:
    return "".join("*" if i in hidden else c for i, c in enumerate(number))


def met(query_id: str, list_id: str, name: str = "张伟", list_name: str | None = None) -> bool:
    """Whether blocking pairs the query party with the list party (among a few decoys)."""
    decoys = [{"name": "李娜", "id_number": rid("32010219800101002")}]
    qf, lf = prepare(
        query({"name": name, "id_number": query_id}),
        listed({"name": list_name or name, "id_number": list_id, "age": 40}, *decoys),
        AS_OF,
    )
    pairs, _ = candidate_pairs(qf, lf, AS_OF)
    return bool(pairs.filter((pl.col("qi") == 0) & (pl.col("li") == 0)).height)


def id_level(query_id: str, list_id: str) -> str:
    return level_of("id", as_of=AS_OF, name="张伟", id_number=(query_id, list_id)) or "none"


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(person_ids(), layouts())
def test_any_mask_leaving_region_and_birth_or_sequence_is_blocked(number: str, hidden) -> None:
    list_id = mask(number, hidden)
    assert met(number, list_id), (number, list_id)
    assert id_level(number, list_id) not in ("different", "none")


@FAST
@given(person_ids(), layouts())
def test_masked_agency_number_meets_full_list_number(number: str, hidden) -> None:
    assert met(mask(number, hidden), number)


@st.composite
def legacy_layouts(draw: st.DrawFn) -> frozenset[int]:
    """Hidden positions of a 15-char number: inside the birth date or inside the sequence."""
    part = draw(st.sampled_from((range(6, 12), range(12, 15))))
    return frozenset(draw(st.sets(st.sampled_from(part), max_size=len(part))))


@FAST
@given(person_ids(), legacy_layouts())
def test_legacy_numbers_masked_or_not_meet_the_18_digit_form(number: str, hidden) -> None:
    if not number[6:8] == "19":
        return
    legacy = number[:6] + number[8:17]
    shown = "".join("*" if i in hidden else c for i, c in enumerate(legacy))
    assert met(number, shown), (number, shown)
    assert met(legacy, number)


def _recodes() -> list[tuple[str, str, int]]:
    keys, years = successor_pairs()
    out = [
        (f"{k // 10**6:06d}", f"{k % 10**6:06d}", int(y)) for k, y in zip(keys, years, strict=True)
    ]
    return [(a, b, y) for a, b, y in out if y > 1935]


RECODES = _recodes()


@FAST
@given(st.sampled_from(RECODES), st.integers(0, 999), st.integers(0, 364))
def test_region_recode_from_the_history_is_blocked_and_scored(recode, seq: int, day: int) -> None:
    old, new, year = recode
    born = date(year - 5, 1, 1) + timedelta(days=day)
    before = rid(f"{old}{born:%Y%m%d}{seq:03d}")
    after = rid(f"{new}{born:%Y%m%d}{seq:03d}")
    assert met(after, before)
    assert id_level(after, before) == "region_recode"
    # with the birth date hidden on the list only the region part remains, too little to block on
    masked = before[:6] + "********" + before[14:]
    assert id_level(after, masked) in ("different", "recode_masked", "none")


def test_region_recode_needs_the_history() -> None:
    """Two districts of different cities that were never one place stay two people."""
    keys, _ = successor_pairs()
    a = rid("11010519850307231")
    b = rid("31010419850307231")  # Shanghai: no re-code joins 110105 and 310104
    assert 110105 * 10**6 + 310104 not in set(np.asarray(keys).tolist())
    assert id_level(a, b) == "different"
