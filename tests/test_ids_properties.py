"""Property tests: the vectorised ID classifier agrees with the scalar reference on any input.

`matching.ids.scalar` (python-stdnum's checksums, one number at a time) is the reference; the
matcher's features and the data contract's kinds come from `matching.ids.vector` / `orgs`. Both
are fed whole families of inputs drawn at random: valid and wrong-check resident IDs, impossible
and future birth dates, any mask layout, legacy 15-digit numbers (masked or not), USCCs and
9-char organisation codes, Excel-mangled floats, and all of these typed with full-width
characters, stray separators, lower case and control characters, plus arbitrary text; each
batch is judged on a random run date.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc

from matching.ids import (
    ORG_KINDS,
    USABLE_KINDS,
    check_char,
    clean_id_text,
    either_kind,
    either_kinds,
    fold_ids,
    is_org_number,
    is_valid_uscc,
    org_code_of,
    org_id_features,
    org_kind,
    org_kinds,
    parse_ric,
    person_id_features,
    person_kind,
    person_kinds,
)

NIGHT = date(2024, 5, 2)
"""A run date drawn often, so that births on, before and after the run date are drawn too."""
REGIONS = ("110105", "330203", "440305", "510104", "650102", "110228", "999999")
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
DIGITS = st.text("0123456789", min_size=1, max_size=1)


@st.composite
def births(draw: st.DrawFn) -> str:
    """A yyyymmdd text: mostly real days around the plausible span, sometimes impossible ones."""
    if draw(st.integers(0, 4)) == 0:  # the edges of the plausible span
        edge = draw(st.sampled_from((date(1900, 1, 1), NIGHT)))
        return f"{edge + timedelta(days=draw(st.integers(-1, 1))):%Y%m%d}"
    if draw(st.integers(0, 9)) == 0:
        return f"{draw(st.integers(1800, 2100))}{draw(st.integers(0, 19)):02d}" + (
            f"{draw(st.integers(0, 39)):02d}"
        )
    born = date(1890, 1, 1) + timedelta(days=draw(st.integers(0, 365 * 150)))
    return f"{born:%Y%m%d}"


@st.composite
def residents(draw: st.DrawFn) -> str:
    """An 18-char resident ID: right check char, or a slip in any one position."""
    body = f"{draw(st.sampled_from(REGIONS))}{draw(births())}{draw(st.integers(0, 999)):03d}"
    number = body + check_char(body)
    if draw(st.booleans()):
        at = draw(st.integers(0, 17))
        number = number[:at] + draw(st.sampled_from("0123456789X")) + number[at + 1 :]
    return number


@st.composite
def legacies(draw: st.DrawFn) -> str:
    """A 15-digit legacy number (2-digit year, no check char)."""
    return f"{draw(st.sampled_from(REGIONS))}{draw(births())[2:]}{draw(st.integers(0, 999)):03d}"


@st.composite
def masked(draw: st.DrawFn, numbers: st.SearchStrategy[str]) -> str:
    """Any set of positions hidden by `*` (all of them included)."""
    number = draw(numbers)
    hidden = draw(st.sets(st.integers(0, len(number) - 1), min_size=1))
    return "".join("*" if i in hidden else c for i, c in enumerate(number))


@st.composite
def organisations(draw: st.DrawFn) -> str:
    """A USCC (right or wrong check char), its 9-char code, or the code in its printed form."""
    head = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=8, max_size=8)))
    tail = "".join(draw(st.lists(st.sampled_from(USCC_ALPHABET), min_size=9, max_size=9)))
    number = head + tail + uscc.calc_check_digit(head + tail + "0")
    if draw(st.booleans()):
        number = number[:17] + draw(st.sampled_from(USCC_ALPHABET + "IOZSV"))
    code = number[8:17]
    return draw(st.sampled_from((number, code, f"{code[:8]}-{code[8]}", "A" + number[1:])))


@st.composite
def mangled(draw: st.DrawFn) -> str:
    """An 18-digit number as Excel prints it in scientific notation."""
    mantissa = draw(st.text("0123456789", min_size=1, max_size=14))
    exp = draw(st.sampled_from(("E+17", "e+17", "E17", "E-3", "E+")))
    return f"{draw(DIGITS)}.{mantissa}{exp}"


def _wide(text: str) -> str:
    """Full-width form of ASCII characters, as Chinese input methods type them."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@st.composite
def typed(draw: st.DrawFn, numbers: st.SearchStrategy[str]) -> str:
    """A number as somebody typed it: width, case, separators, control characters."""
    text = draw(numbers)
    if draw(st.booleans()):
        return text
    if draw(st.booleans()):
        text = text.lower()
    if draw(st.booleans()):
        text = _wide(text)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        sep = draw(st.sampled_from((" ", "-", "_", "\u3000", "\t", "\x1c", "\u2014", "\xa0", ".")))
        text = text[:at] + sep + text[at:]
    return text


NUMBERS = st.one_of(
    residents(),
    legacies(),
    masked(residents()),
    masked(legacies()),
    organisations(),
    masked(organisations()),
    mangled(),
    st.text("0123456789X*xE.+- ", max_size=20),
    st.text(max_size=20),
)
CELLS = st.lists(st.one_of(typed(NUMBERS), st.none()), min_size=1, max_size=30)
RUN_DATES = st.one_of(st.just(NIGHT), st.dates(date(1990, 1, 1), date(2040, 12, 31)))
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _column(cells: list[str | None]) -> pl.Series:
    return fold_ids(pl.Series(cells, dtype=pl.String))


@PROPERTY
@given(CELLS)
def test_folding_is_clean_id_text(cells: list[str | None]) -> None:
    want = [None if c is None else clean_id_text(c) for c in cells]
    assert _column(cells).to_list() == want


@PROPERTY
@given(CELLS, RUN_DATES)
def test_kinds_agree(cells: list[str | None], night: date) -> None:
    folded = _column(cells)
    assert person_kinds(folded, night).to_list() == [person_kind(c, night) for c in cells]
    assert org_kinds(folded).to_list() == [org_kind(c) for c in cells]
    assert either_kinds(folded, night).to_list() == [either_kind(c, night) for c in cells]
    orgs = is_org_number(pl.Series(cells, dtype=pl.String)).to_list()
    assert orgs == [either_kind(c, night) in ORG_KINDS for c in cells]


@PROPERTY
@given(CELLS, RUN_DATES)
def test_person_features_agree(cells: list[str | None], night: date) -> None:
    every = pl.Series([True] * len(cells))
    got = pl.DataFrame(person_id_features(_column(cells), every, night)).rows()
    for cell, row in zip(cells, got, strict=True):
        parsed = parse_ric(cell, night)
        if parsed.kind not in USABLE_KINDS:
            assert row == (None,) * 5, cell
            continue
        want = (parsed.value, parsed.kind, parsed.birth_date, parsed.birth_year, parsed.gender)
        assert row == want, cell


@PROPERTY
@given(CELLS)
def test_org_features_agree(cells: list[str | None]) -> None:
    every = pl.Series([True] * len(cells))
    got = pl.DataFrame(org_id_features(_column(cells), every)).rows()
    want = [
        (org_code_of(c), clean_id_text(c) if is_valid_uscc(c) else None)
        if c is not None
        else (None, None)
        for c in cells
    ]
    assert got == want


def test_features_only_on_the_selected_rows() -> None:
    resident = "11010519850101231" + check_char("11010519850101231")
    folded = _column([resident, "91110000600037341L"])
    person = pl.Series([True, False])
    people = pl.DataFrame(person_id_features(folded, person, NIGHT)).rows()
    assert people == [
        (resident, "full", date(1985, 1, 1), 1985, "M"),
        (None, None, None, None, None),
    ]
    # the resident ID is USCC-shaped too: only the row selection keeps it from the org columns
    assert pl.DataFrame(org_id_features(folded, ~person)).rows() == [
        (None, None),
        ("600037341", "91110000600037341L"),
    ]
