"""The region code inside a resident ID: is it known, and can two codes be one person's?

Both read python-stdnum's `cn/loc.dat`, the table `stdnum.cn.ric` validates birth places with.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import numpy as np
from stdnum.cn import ric


@lru_cache(maxsize=4096)
def region_known(region: str) -> bool:
    """Whether stdnum's region table knows this 6-digit code (weak evidence only)."""
    try:
        return bool(ric.get_birth_place(region + "19700101" + "0000"))
    except Exception:  # stdnum raises several types (and KeyError) for unknown codes
        return False


UNKNOWN_REGION_UNTIL = 9999
"""`change_until` of a code stdnum does not know: a newer code than its table, never ruled out."""
_COUNTY = re.compile(r'^  (\d{4}) county="([^"]*)"$')
_PROVINCE = re.compile(r"^(\d\d) province=")
_SPAN = re.compile(r"^\[(\d*)-(\d*)\]")


def _until(entries: str) -> int:
    """Birth years below which a person may carry this code as a re-coded one (0 = never).

    A code created in year s (`[s-]`) cannot be the one a person born before s was first given;
    a code retired after year e (`[-e]`) was re-coded for everybody born up to e. A code valid
    throughout (some entry without a bracket or both ends open) never changed.
    """
    starts: list[int] = []
    ends: list[int] = []
    for entry in entries.split(","):
        m = _SPAN.match(entry)
        if m is None:
            return 0
        starts.append(int(m.group(1) or 0))
        ends.append(int(m.group(2)) + 1 if m.group(2) else 0)
    start = 0 if 0 in starts else min(starts)
    end = 0 if 0 in ends else max(ends)
    return max(start, end)


@lru_cache(maxsize=1)
def region_change_until() -> tuple[np.ndarray, np.ndarray]:
    """(per 6-digit code, per 4-digit city) int16 year below which a birth allows a re-code.

    Read once from stdnum's `cn/loc.dat` (the same table `ric.is_valid` uses). Codes and cities
    the table lacks get `UNKNOWN_REGION_UNTIL`: an unknown region is weak evidence, not proof that
    no re-code happened. A city's value is the largest of its codes' (its district is hidden by
    some masks, and any of its changed codes could be the one).
    """
    text = resources.files("stdnum.cn").joinpath("loc.dat").read_text(encoding="utf-8")
    code = np.full(10**6, UNKNOWN_REGION_UNTIL, dtype=np.int16)
    city = np.full(10**4, UNKNOWN_REGION_UNTIL, dtype=np.int16)
    seen_city = np.zeros(10**4, dtype=bool)
    province = 0
    for line in text.splitlines():
        head = _PROVINCE.match(line)
        if head:
            province = int(head.group(1))
            continue
        m = _COUNTY.match(line)
        if m is None:
            continue
        full = province * 10**4 + int(m.group(1))
        code[full] = _until(m.group(2))
        if full % 100:  # county-level codes only: 110100 (市辖区) is no district of its own
            c = full // 100
            city[c] = code[full] if not seen_city[c] else max(city[c], code[full])
            seen_city[c] = True
    return code, city


def recode_plausible(
    region_a: np.ndarray, region_b: np.ndarray, city: np.ndarray, year: np.ndarray
) -> np.ndarray:
    """Whether two region codes of one city can be one person's before and after a re-code.

    `region_a`/`region_b`: 6-digit codes as ints, -1 where the district digits are hidden (the
    city's codes then stand in); `city`: the shared first four digits; `year`: the birth year, 0
    when unseen. A re-code needs one of the two codes to have been created after the birth year or
    retired after it; two districts that both existed throughout are neighbours, not a re-code.
    """
    code_until, city_until = region_change_until()
    fallback = city_until[city]
    ua = np.where(region_a >= 0, code_until[np.maximum(region_a, 0)], fallback)
    ub = np.where(region_b >= 0, code_until[np.maximum(region_b, 0)], fallback)
    return year < np.maximum(ua, ub)


def recode_plausible_one(region_a: int, region_b: int, city: int, year: int) -> bool:
    """`recode_plausible` of one pair, read from the same table (the desk's few pairs: numpy's
    fixed cost per call outweighs the lookups)."""
    code_until, city_until = region_change_until()
    fallback = int(city_until[city])
    ua = int(code_until[region_a]) if region_a >= 0 else fallback
    ub = int(code_until[region_b]) if region_b >= 0 else fallback
    return year < max(ua, ub)
