"""Resident identity numbers and organisation codes as they arrive in the wild.

Checksums come from python-stdnum; this module only cleans the text first (full-width digits,
spaces, hyphens, lower-case x, legacy 15-digit numbers, `*` masks) and says what kind of number
is left, so that the visible digits of a masked number still count as evidence.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Literal

import numpy as np
from stdnum.cn import ric, uscc

IdKind = Literal["full", "bad_check", "masked", "empty", "mangled", "malformed"]
_STRIP = re.compile(r"[\s\-_－—‐]+")
_MASKED = re.compile(r"^[0-9*]{17}[0-9X*]$")
_FULL = re.compile(r"^[0-9]{17}[0-9X]$")
_LEGACY = re.compile(r"^[0-9]{15}$")
_LEGACY_MASKED = re.compile(r"^(?=[0-9*]*[0-9])[0-9*]{15}$")
_MANGLED = re.compile(r"^[0-9]\.[0-9]+E\+?[0-9]+$")
_USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_ORG_CODE = re.compile(r"^[0-9A-Z]{8}[0-9X]$")


@dataclass(frozen=True)
class ParsedId:
    """A resident ID after cleaning, with what its visible digits reveal."""

    kind: IdKind
    value: str | None
    """Cleaned 18-char form (`*` where masked), or None when nothing usable is left."""
    birth_date: date | None = None
    gender: Literal["M", "F"] | None = None
    region: str | None = None
    legacy: bool = False

    @property
    def usable(self) -> bool:
        """Whether the number can serve as match evidence at all."""
        return self.kind in ("full", "bad_check", "masked")


def clean_id_text(raw: str | None) -> str:
    """Fold width, case and separators out of an ID as typed."""
    if raw is None:
        return ""
    return _STRIP.sub("", unicodedata.normalize("NFKC", str(raw))).upper()


def _check(body17: str) -> str:
    """Check char of a 17-digit body (stdnum's `calc_check_digit` wants a check position too)."""
    return str(ric.calc_check_digit(body17 + "0"))


def _birth(text: str) -> date | None:
    if "*" in text:
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def _gender(seq: str) -> Literal["M", "F"] | None:
    digit = seq[-1:]
    if not digit.isdigit():
        return None
    return "M" if int(digit) % 2 else "F"


def _plausible_birth(born: date | None) -> bool:
    return born is not None and date(1900, 1, 1) <= born <= date.today()


@lru_cache(maxsize=1 << 16)
def parse_ric(raw: str | None) -> ParsedId:
    """Classify and decode a resident ID number as found in a record."""
    text = clean_id_text(raw)
    if not text:
        return ParsedId("empty", None)
    if _MANGLED.match(text):
        return ParsedId("mangled", None)
    if "*" in text and _LEGACY_MASKED.match(text):
        # a masked legacy number: the century is known (all were issued to 19xx births), the
        # check char is not, so it becomes an 18-char mask read by its visible positions
        text = f"{text[:6]}19{text[6:]}*"
    legacy = bool(_LEGACY.match(text))
    if legacy:
        body = f"{text[:6]}19{text[6:]}"
        text = body + _check(body)
    if _FULL.match(text):
        born = _birth(text[6:14])
        if not _plausible_birth(born):
            # A well-shaped number with an impossible birth date is a mistyped or transposed digit
            # (19851302 for 19850312): the other digits are still evidence, so it counts as a slip.
            return ParsedId("bad_check", text, None, _gender(text[14:17]), text[:6], legacy)
        kind: IdKind = "full" if _check(text[:17]) == text[17] else "bad_check"
        return ParsedId(kind, text, born, _gender(text[14:17]), text[:6], legacy)
    if "*" in text and _MASKED.match(text) and any(c.isdigit() for c in text):
        region = text[:6] if "*" not in text[:6] else None
        born = _birth(text[6:14])
        return ParsedId("masked", text, born, _gender(text[14:17]), region)
    return ParsedId("malformed", None)


@lru_cache(maxsize=4096)
def region_known(region: str) -> bool:
    """Whether stdnum's region table knows this 6-digit code (weak evidence only)."""
    try:
        return bool(ric.get_birth_place(region + "19700101" + "0000"))
    except Exception:  # stdnum raises several types (and KeyError) for unknown codes
        return False


def org_code_of(raw: str | None) -> str | None:
    """The 9-char organisation code carried by a USCC or given alone, if well-formed."""
    text = clean_id_text(raw)
    if len(text) == 18 and _USCC.match(text) and uscc.is_valid(text):
        return text[8:17]
    if len(text) == 10 and text[8] == "-":  # printed form 12345678-9, hyphen already stripped above
        text = text.replace("-", "")
    if len(text) == 9 and _ORG_CODE.match(text):
        return text
    return None


def is_valid_uscc(raw: str | None) -> bool:
    """Whether the text is a USCC with a correct GB 32100 check character."""
    text = clean_id_text(raw)
    return len(text) == 18 and bool(_USCC.match(text)) and uscc.is_valid(text)


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
