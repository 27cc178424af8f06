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
from typing import Literal

from stdnum.cn import ric, uscc

IdKind = Literal["full", "bad_check", "masked", "empty", "mangled", "malformed"]
_STRIP = re.compile(r"[\s\-_－—‐]+")
_MASKED = re.compile(r"^[0-9*]{17}[0-9X*]$")
_FULL = re.compile(r"^[0-9]{17}[0-9X]$")
_LEGACY = re.compile(r"^[0-9]{15}$")
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
    """Check char of a 17-digit body; stdnum's `calc_check_digit` expects the check position present."""
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
    if "*" in text and _MASKED.match(text):
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
