"""What blocking keys are made of, declared once for both of its paths.

`matching.blocking` builds the keys as polars expressions over whole columns (the night's
sweep); `matching.blocking_few` evaluates the same declarations one row at a time (the desk's
single record, where polars' fixed cost per expression outweighs the work). A property test
holds the two equal, so a key family added here reaches both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SEGMENTS: dict[str, tuple[int, int]] = {
    "province": (0, 2),
    "region": (0, 6),
    "city": (0, 4),
    "birth": (6, 14),
    "year": (6, 10),
    "seq": (14, 17),
    "check": (17, 18),
}
"""Positions of each part of an 18-char resident ID (legacy numbers are laid out as 18 first)."""

ID_KEY_FAMILIES: dict[str, tuple[str, ...]] = {
    "id": ("region", "birth", "seq", "check"),
    "region_birth": ("region", "birth"),
    "region_seq": ("region", "seq"),
    "r4_last4": ("city", "seq", "check"),
    "birth_last4": ("birth", "seq", "check"),
    "year_last4": ("year", "seq", "check"),
    "r4_year_seq": ("city", "year", "seq"),
    "birth_seq": ("birth", "seq"),
    "p2_year_seq": ("province", "year", "seq"),
    "p2_birth": ("province", "birth"),
}
"""Identifier blocking keys, declared by the ID parts they are made of.

A key is built for a number exactly when every part it needs is visible, so whatever layout a
publisher masks with, each key family whose parts survive the mask still meets the full number:
`11010519850312****` meets it by region + birth date, `3302**********0016` by city + last four,
`110105********2315` by region + sequence. Keys that leave out the region or the check char
(`birth_seq`, `r4_year_seq`, and the province-wide `p2_year_seq`, `p2_birth` for a re-code under
another city prefix, which stays inside its province) meet a person whose district was re-coded,
since a re-code changes the region digits and with them the check char.
"""

ACROSS_CITY_FAMILIES = frozenset({"p2_year_seq", "p2_birth"})
"""Province-wide keys: built only for a region code the history renamed (it has a predecessor or
successor under its own place name), the only codes a re-code across city prefixes can join."""

ORG_KEY_COLUMNS: dict[str, str] = {
    "org_code": "org_code",
    "org_name": "norm",
    "org_parent": "parent",
}
"""Organisation keys: rule -> the feature column whose value is the key."""

ID_RULES = frozenset({*ID_KEY_FAMILIES, "org_code"})
"""Blocking keys built from identifiers (the rest are name keys)."""

QUERY_YEAR_RULES = {"py_year": "py", "pyrev_year": "py", "pyalt_year": "py", "fold_year": "fold"}
"""Query side of the name sound + birth year keys: the list's spelling variants (reversed order,
other surname readings) all meet the query's own `py` (or `fold`)."""

NO_YEAR = "?"
"""Year part of a name + year key for a party with no birth information; as a suffix of a query
key column's name, the column of the rule with that year."""

BARE_NAME_RULE, BARE_NAME_COLUMN = "py_only", "py"
"""Name sound alone: the key of a person with neither a usable number nor a birth year."""


@dataclass(frozen=True)
class BlockingRules:
    """Blocking settings; defaults keep recall on every quirk of docs/domain.md, pairs bounded."""

    max_block: int = 50
    """Largest list-side block for name-only keys (larger ones are skipped, counted in stats)."""
    age_slack: int = 0
    """Extra birth years tried either side when only an age is published (the age stated on
    `age_on` already allows two years: before and after that year's birthday)."""
    name_keys_for_numbered: bool = False
    """Also pair by name sound + birth year persons who both carry a checksum-valid (or masked)
    resident ID. Screening does not need these pairs: the identifier keys already meet such a
    person, and two valid numbers that differ are two people (a typing slip fails the check
    char, and then the name keys are used). EM estimation sets it, because pairs met by name
    are what teach the ID comparison's m probabilities."""


@dataclass
class BlockingStats:
    """Candidate pairs found per key, and name-only blocks skipped as too common."""

    pairs_by_key: dict[str, int] = field(default_factory=dict)
    skipped_blocks: int = 0
