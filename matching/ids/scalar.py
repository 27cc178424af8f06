"""The scalar reference: one identity number at a time, checksums by python-stdnum.

Clean the text first (full-width digits, spaces, hyphens, lower-case x, legacy 15-digit numbers,
`*` masks), then say what kind of number is left, so that the visible digits of a masked number
still count as evidence. `matching.ids.vector` does the same on whole columns and must agree with
every function here (a property test holds them together); this module is what it is read against.

Whether a birth date is plausible depends on the run's date (`as_of`): a number born after the
night it is checked on is a slip, and a rerun of an old night must judge it the same way again.
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
USABLE_KINDS: tuple[IdKind, ...] = ("full", "bad_check", "masked")
"""Kinds whose digits are match evidence; the others carry none."""
ORG_KINDS = ("uscc", "org_code")
"""Kinds of a well-formed organisation number (a USCC, or a 9-char code given alone)."""
EARLIEST_BIRTH = date(1900, 1, 1)

_STRIP = re.compile(r"[\s\-_－—‐]+")
_MASKED = re.compile(r"^[0-9*]{17}[0-9X*]$")
_FULL = re.compile(r"^[0-9]{17}[0-9X]$")
_LEGACY = re.compile(r"^[0-9]{15}$")
_LEGACY_MASKED = re.compile(r"^(?=[0-9*]*[0-9])[0-9*]{15}$")
_MANGLED = re.compile(r"^[0-9]\.[0-9]+E\+?[0-9]+$")
_USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_ORG_CODE = re.compile(r"^[0-9A-Z]{8}[0-9X]$")
_USCC_LIKE = re.compile(r"^[0-9A-Z]{18}$")


@dataclass(frozen=True)
class ParsedId:
    """A resident ID after cleaning, with what its visible digits reveal."""

    kind: IdKind
    value: str | None
    """Cleaned 18-char form (`*` where masked), or None when nothing usable is left."""
    birth_date: date | None = None
    """The birth date when all eight digits show and it is a real day in the plausible span."""
    gender: Literal["M", "F"] | None = None
    region: str | None = None
    legacy: bool = False
    birth_year: int | None = None
    """The birth year when its four digits show and it lies in the plausible span."""

    @property
    def usable(self) -> bool:
        """Whether the number can serve as match evidence at all."""
        return self.kind in USABLE_KINDS


def clean_id_text(raw: str | None) -> str:
    """Fold width, case and separators out of an ID as typed."""
    if raw is None:
        return ""
    return _STRIP.sub("", unicodedata.normalize("NFKC", str(raw))).upper()


def check_char(body17: str) -> str:
    """Check char of a 17-digit body (stdnum's `calc_check_digit` wants a check position too)."""
    return str(ric.calc_check_digit(body17 + "0"))


def _birth(text: str, as_of: date) -> date | None:
    """The birth date of an 18-char number when visible, real and plausible on `as_of`."""
    if "*" in text[6:14]:
        return None
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return None
    return born if EARLIEST_BIRTH <= born <= as_of else None


def _birth_year(text: str, as_of: date) -> int | None:
    digits = text[6:10]
    if not digits.isdecimal() or not EARLIEST_BIRTH.year <= int(digits) <= as_of.year:
        return None
    return int(digits)


def _gender(text: str) -> Literal["M", "F"] | None:
    digit = text[16]
    if not digit.isdecimal():
        return None
    return "M" if int(digit) % 2 else "F"


def _decoded(kind: IdKind, text: str, as_of: date, legacy: bool = False) -> ParsedId:
    region = text[:6] if "*" not in text[:6] else None
    return ParsedId(
        kind,
        text,
        _birth(text, as_of),
        _gender(text),
        region,
        legacy,
        _birth_year(text, as_of),
    )


@lru_cache(maxsize=1 << 16)
def parse_ric(raw: str | None, as_of: date) -> ParsedId:
    """Classify and decode a resident ID number as found in a record, judged on `as_of`."""
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
        text = body + check_char(body)
    if _FULL.match(text):
        # A well-shaped number with an impossible birth date is a mistyped or transposed digit
        # (19851302 for 19850312): the other digits are still evidence, so it counts as a slip.
        good = _birth(text, as_of) is not None and check_char(text[:17]) == text[17]
        return _decoded("full" if good else "bad_check", text, as_of, legacy)
    if "*" in text and _MASKED.match(text) and any(c.isdigit() for c in text):
        return _decoded("masked", text, as_of)
    return ParsedId("malformed", None)


def is_valid_uscc(raw: str | None) -> bool:
    """Whether the text is a USCC with a correct GB 32100 check character."""
    text = clean_id_text(raw)
    return len(text) == 18 and bool(_USCC.match(text)) and uscc.is_valid(text)


def org_code_of(raw: str | None) -> str | None:
    """The 9-char organisation code a number carries: chars 9-17 of a USCC, or the code alone.

    A USCC-shaped number gives its code whatever its check character: a slip in the last char
    leaves the other seventeen as evidence, as a resident ID's bad check char does.
    """
    text = clean_id_text(raw)
    if _USCC.match(text):
        return text[8:17]
    if _ORG_CODE.match(text):
        return text
    return None


def person_kind(raw: str | None, as_of: date) -> str | None:
    """Kind of a resident ID cell (`parse_ric`'s kind); None when empty."""
    kind = parse_ric(raw, as_of).kind
    return None if kind == "empty" else kind


def org_kind(raw: str | None) -> str | None:
    """Kind of an organisation number cell; None when empty.

    `uscc`, `org_code` (a 9-char code given alone), `masked`, `mangled`, `org_bad_check`
    (USCC-shaped, not all digits, wrong GB 32100 check char) or `malformed`.
    """
    text = clean_id_text(raw)
    if not text:
        return None
    if is_valid_uscc(text):
        return "uscc"
    if _ORG_CODE.match(text):
        return "org_code"
    if "*" in text:
        return "masked"
    if _MANGLED.match(text):
        return "mangled"
    return "org_bad_check" if _USCC_LIKE.match(text) and not text.isdigit() else "malformed"


def either_kind(raw: str | None, as_of: date) -> str | None:
    """Kind of a cell that may hold a person's or an organisation's number (nothing says which)."""
    kind = person_kind(raw, as_of)
    if kind == "malformed":
        other = org_kind(raw)
        return other if other in ORG_KINDS else kind
    return kind
