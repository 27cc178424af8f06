"""The history of China's region codes, read from python-stdnum's `cn/loc.dat`.

Counties become districts and prefectures become cities, and each change gives a person's
number a new region code, often under a new city prefix (密云县 110228 -> 密云区 110118, 江安县
512529 -> 511523). The table dates every code and names its place, so a re-code can be told
from two neighbouring districts: the old code's place keeps its name stem in the new code, the
old code ends about when the new one starts, and both lie in one province. Place names also
serve organisation names, where a city may be written in front or in brackets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

_COUNTY = re.compile(r'^  (\d{4}) county="([^"]*)"$')
_PROVINCE = re.compile(r'^(\d\d) province="([^"]*)"')
_SPAN = re.compile(r"^\[(\d*)-(\d*)\](.*)$")
# Longest first: 自治县 before 县, so a stem never keeps half a suffix.
_SUFFIXES = (
    "特别行政区",
    "自治州",
    "自治县",
    "自治旗",
    "自治区",
    "林区",
    "特区",
    "地区",
    "矿区",
    "新区",
    "县",
    "区",
    "市",
    "旗",
    "盟",
    "州",
    "省",
)
MAX_GAP_YEARS = 1
"""How far apart the old code's last year and the new code's first year may lie."""
OPEN_END = 9999


@dataclass(frozen=True)
class CodeSpan:
    """One name a region code carried over a span of years (`start`/`end` 0/9999 when open)."""

    code: int
    name: str
    start: int
    end: int


def name_stem(name: str) -> str:
    """A place name without its administrative suffix (密云县, 密云区 -> 密云)."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _spans(code: int, text: str) -> list[CodeSpan]:
    out = []
    for entry in text.split(","):
        m = _SPAN.match(entry)
        if m is None:
            out.append(CodeSpan(code, entry, 0, OPEN_END))
        else:
            start = int(m.group(1) or 0)
            end = int(m.group(2)) if m.group(2) else OPEN_END
            out.append(CodeSpan(code, m.group(3), start, end))
    return out


@lru_cache(maxsize=1)
def code_spans() -> tuple[CodeSpan, ...]:
    """Every (code, name, years) of the table, provinces and prefectures included."""
    text = resources.files("stdnum.cn").joinpath("loc.dat").read_text(encoding="utf-8")
    out: list[CodeSpan] = []
    province = 0
    for line in text.splitlines():
        head = _PROVINCE.match(line)
        if head:
            province = int(head.group(1))
            out.append(CodeSpan(province * 10**4, head.group(2), 0, OPEN_END))
            continue
        m = _COUNTY.match(line)
        if m is not None:
            out.extend(_spans(province * 10**4 + int(m.group(1)), m.group(2)))
    return tuple(out)


@lru_cache(maxsize=1)
def successor_pairs() -> tuple[np.ndarray, np.ndarray]:
    """Sorted `old * 10**6 + new` keys (both directions) of re-codes, and each one's year.

    A re-code is a county-level code whose place name stem reappears, in the same province, under
    another code that starts within `MAX_GAP_YEARS` of the first one ending. The year is the new
    code's first year: a person born after it was given the new code to begin with.
    """
    by_stem: dict[tuple[int, str], list[CodeSpan]] = {}
    for span in code_spans():
        if span.code % 100 == 0 or not span.name:
            continue  # provinces, prefectures and 市辖区 rows are no one's birth place code
        by_stem.setdefault((span.code // 10**4, name_stem(span.name)), []).append(span)
    keys: dict[int, int] = {}
    for spans in by_stem.values():
        for old in spans:
            if old.end == OPEN_END:
                continue
            for new in spans:
                if new.code == old.code or abs(new.start - (old.end + 1)) > MAX_GAP_YEARS:
                    continue
                for a, b in ((old.code, new.code), (new.code, old.code)):
                    key = a * 10**6 + b
                    keys[key] = max(keys.get(key, 0), new.start)
    ordered = np.array(sorted(keys), dtype=np.int64)
    years = np.array([keys[int(k)] for k in ordered], dtype=np.int64)
    return ordered, years


def recoded_across(region_a: np.ndarray, region_b: np.ndarray, year: np.ndarray) -> np.ndarray:
    """Whether each pair of full 6-digit codes is one place before and after a dated re-code.

    `year` is the birth year (0 when unseen): a person born after the change was never given the
    old code, so the pair is then two places, not one person's two numbers.
    """
    keys, change = successor_pairs()
    pair = region_a.astype(np.int64) * 10**6 + region_b.astype(np.int64)
    at = np.clip(np.searchsorted(keys, pair), 0, max(len(keys) - 1, 0))
    if not len(keys):
        return np.zeros(len(pair), dtype=bool)
    found = (keys[at] == pair) & (region_a >= 0) & (region_b >= 0)
    return found & ((year <= 0) | (year < change[at] + MAX_GAP_YEARS))


@lru_cache(maxsize=1)
def _successor_years() -> dict[int, int]:
    """`successor_pairs` as a dict, for one pair at a time."""
    keys, years = successor_pairs()
    return dict(zip(keys.tolist(), years.tolist(), strict=True))


def recoded_across_one(region_a: int, region_b: int, year: int) -> bool:
    """`recoded_across` of one pair (the desk's few pairs)."""
    change = _successor_years().get(region_a * 10**6 + region_b)
    if change is None or region_a < 0 or region_b < 0:
        return False
    return year <= 0 or year < change + MAX_GAP_YEARS


@lru_cache(maxsize=1)
def place_stems() -> frozenset[str]:
    """Stems of every province, prefecture and county name (2+ characters), for org names."""
    return frozenset(
        stem for span in code_spans() if len(stem := name_stem(span.name)) >= 2 and span.name
    )


@lru_cache(maxsize=1)
def renamed_codes() -> np.ndarray:
    """Per 6-digit code: whether it has a named predecessor or successor in the history."""
    keys, _ = successor_pairs()
    out = np.zeros(10**6, dtype=bool)
    out[(keys // 10**6).astype(np.int64)] = True
    out[(keys % 10**6).astype(np.int64)] = True
    return out


def same_place_or_merged(
    region_a: np.ndarray, region_b: np.ndarray, year: np.ndarray
) -> np.ndarray:
    """Within one city: a dated re-code of one place, or a merge (a code that has no successor
    under its own name was absorbed by some district of its city). A code whose place lives on
    under a new code is never re-coded into a third district: that pair is two people."""
    linked = renamed_codes()
    known = (region_a >= 0) & (region_b >= 0)
    a, b = np.maximum(region_a, 0), np.maximum(region_b, 0)
    either = linked[a] | linked[b]
    return ~known | ~either | recoded_across(region_a, region_b, year)


def same_place_or_merged_one(region_a: int, region_b: int, year: int) -> bool:
    """`same_place_or_merged` of one pair (the desk's few pairs)."""
    if region_a < 0 or region_b < 0:
        return True
    linked = renamed_codes()
    if not (linked[region_a] or linked[region_b]):
        return True
    return recoded_across_one(region_a, region_b, year)
