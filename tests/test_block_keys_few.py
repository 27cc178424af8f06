"""Property tests: blocking's row-at-a-time path gives exactly the columnar path's frames.

The screening desk blocks one record at a time, and for at most `FEW_ROWS` rows
`matching.blocking.query_block_keys` (and `pairs_from_found`, `confirmed_pairs`,
`with_confirmed`) take a plain-Python path. The desk must make the night's decisions, so over
whole families of hard query parties (blank, Han and romanised names, compound and
several-reading surnames, full, masked, mistyped, legacy and re-coded resident IDs, typed with
full-width digits and separators, organisation codes, missing birth dates, several roles per
record) each few-row result must equal the columnar one: columns, order, dtypes, rows.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from matching import blocking, pairs
from matching.block_rules import (
    BARE_NAME_RULE,
    ID_KEY_FAMILIES,
    ID_RULES,
    ORG_KEY_COLUMNS,
    QUERY_YEAR_RULES,
)
from matching.blocking_few import FEW_KEY_MATCHES
from matching.config import FEW_ROWS
from matching.explain import pair_key
from matching.link import query_features
from matching.regions import successor_pairs
from tests.matching_helpers import AS_OF, query, rid
from tests.test_ids_properties import NUMBERS, typed

ROLES = ("guest", "guardian", "guardian2", "applicant", "legal_rep", "candidate")
NAMES = (
    "张伟",
    "張偉",  # traditional form of the same name
    "欧阳娜娜",  # compound surname
    "单田芳",  # a surname with two readings (shan / dan)
    "曾小贤",
    "阿卜杜拉·买买提",
    "李 娜",
    "Zhang Wei",
    "ZHANG-WEI",
    "José García",
    "wang  xiao ming",
    "北京某某科技有限公司",
    "北京某某科技有限公司上海分公司",  # a branch: its parent's name is a key too
    "ＡＢＣ贸易有限公司",
    "",
    "   ",
)
HAN = "张王李赵欧阳单曾伟娜芳明國华公司有限"
GENDERS = (None, "男", "女", "M", "F", "未知", "")


def _renamed_regions() -> tuple[str, ...]:
    """Region codes the history re-coded: the only ones with province-wide keys."""
    keys, _ = successor_pairs()
    return tuple(sorted({f"{int(k) // 10**6:06d}" for k in keys[:40]}))


RENAMED = _renamed_regions()


@st.composite
def recoded_residents(draw: st.DrawFn) -> str:
    """A valid resident ID of a re-coded region (province-wide keys are made for it)."""
    born = date(1940, 1, 1) + timedelta(days=draw(st.integers(0, 365 * 60)))
    return rid(f"{draw(st.sampled_from(RENAMED))}{born:%Y%m%d}{draw(st.integers(0, 999)):03d}")


ID_NUMBERS = st.one_of(st.none(), typed(NUMBERS), typed(recoded_residents()))
NAME_TEXT = st.one_of(st.none(), st.sampled_from(NAMES), st.text(HAN + " ·-", max_size=6))


@st.composite
def parties(draw: st.DrawFn) -> dict[str, Any]:
    """One query party with any mix of present, blank and odd fields."""
    birth = draw(st.one_of(st.none(), st.dates(date(1900, 1, 1), date(2030, 12, 31))))
    return {
        "role": draw(st.sampled_from(ROLES)),
        "party_type": draw(st.sampled_from(("person", "person", "org"))),
        "name": draw(NAME_TEXT),
        "id_number": draw(ID_NUMBERS),
        "id_type": draw(st.sampled_from((None, "身份证", "护照", "港澳通行证"))),
        "gender": draw(st.sampled_from(GENDERS)),
        "birth_date": birth,
    }


def _record(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Query features of one record's parties (several roles share its record id)."""
    return query_features(query(*rows).with_columns(pl.lit("R").alias("record_id")), AS_OF)


RECORDS = st.lists(parties(), min_size=1, max_size=FEW_ROWS).map(_record)
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _same_keys(qf: pl.DataFrame, rules: blocking.BlockingRules) -> pl.DataFrame:
    """The few-row keys of `qf`, checked against the columnar path's.

    The columnar unpivot's row order is not a function of the values: it follows how polars
    chunks the wide frame inside the plan (party by party, or key column by key column, even for
    a one-chunk input). So one party's keys are compared row for row, several parties' once
    sorted; columns, dtypes and values are compared in full either way.
    """
    few = blocking.query_block_keys(qf, rules)
    columnar = blocking._query_keys_columnar(qf, rules)
    if qf.height == 1:
        assert_frame_equal(few, columnar)
    assert_frame_equal(few.sort(pl.all()), columnar.sort(pl.all()))
    return few


@PROPERTY
@given(RECORDS, st.booleans())
def test_query_keys_few_rows_equal_columnar(qf: pl.DataFrame, numbered: bool) -> None:
    _same_keys(qf, blocking.BlockingRules(name_keys_for_numbered=numbered))


@PROPERTY
@given(RECORDS, st.data())
def test_query_keys_with_name_reach_equal_columnar(qf: pl.DataFrame, data: st.DataObject) -> None:
    """The list side's `name_reach` (nulls included) weighs in the `need` flag the same way."""
    reach = data.draw(st.lists(st.sampled_from((True, False, None)), min_size=qf.height))
    qf = qf.with_columns(pl.Series("name_reach", reach[: qf.height], dtype=pl.Boolean))
    _same_keys(qf, blocking.BlockingRules())


TEXT = st.one_of(st.none(), st.text("0123456789X*+-１２ 张wei|?", max_size=20))
PID_TEXT = st.one_of(TEXT, st.sampled_from(RENAMED).map(lambda r: r + "19850312231X"))


@st.composite
def feature_rows(draw: st.DrawFn) -> dict[str, Any]:
    """A feature row with values `query_features` never makes (short, signed, full-width or
    starred numbers, unknown party types): the two paths must still agree on them."""
    return {
        "party_type": draw(st.sampled_from(("person", "org", "other", None))),
        "pid": draw(PID_TEXT),
        "pid_kind": draw(st.sampled_from(("full", "bad_check", "masked", None))),
        "year": draw(st.one_of(st.none(), st.integers(-5, 2100))),
        **{column: draw(TEXT) for column in ("org_code", "norm", "parent", "py", "fold")},
    }


@settings(max_examples=300, deadline=None)
@given(st.lists(feature_rows(), min_size=1, max_size=FEW_ROWS), st.booleans())
def test_query_keys_equal_on_any_feature_values(rows: list[dict[str, Any]], numbered: bool) -> None:
    schema = {"party_type": pl.String, "pid": pl.String, "pid_kind": pl.String, "year": pl.Int32}
    schema |= dict.fromkeys(("org_code", "norm", "parent", "py", "fold"), pl.String)
    qf = pl.DataFrame(rows, schema=schema).with_row_index("qi")
    _same_keys(qf, blocking.BlockingRules(name_keys_for_numbered=numbered))


def test_every_declared_key_rule_is_made_by_the_few_row_path() -> None:
    """The hard rows above reach every key column (so the equality is not vacuous)."""
    recoded = rid(f"{RENAMED[0]}19850312231")
    qf = _record(
        [
            {"name": "单田芳", "id_number": recoded, "birth_date": date(1985, 3, 12)},
            {"name": "张伟", "id_number": "11010519850312****"},
            {"name": "Zhang Wei"},
            {
                "party_type": "org",
                "name": "北京某某科技有限公司上海分公司",
                "id_number": "91110000MA01A2B3C4",
            },
        ]
    )
    made = set(_same_keys(qf, blocking.BlockingRules())["rule"])
    assert made == {*ID_KEY_FAMILIES, *ORG_KEY_COLUMNS, *QUERY_YEAR_RULES, BARE_NAME_RULE}


RULES = sorted({*ID_RULES, *ORG_KEY_COLUMNS, *QUERY_YEAR_RULES, BARE_NAME_RULE})


@st.composite
def key_matches(draw: st.DrawFn) -> pl.DataFrame:
    """Key matches `qi, li, rule, need_q, need_l` of a few parties: repeats and mixed rules."""
    n = draw(st.integers(0, 60))
    ints = st.lists(st.integers(0, 5), min_size=n, max_size=n)
    flags = st.lists(st.booleans(), min_size=n, max_size=n)
    return pl.DataFrame(
        [
            pl.Series("qi", draw(ints), dtype=pl.UInt32),
            pl.Series("li", draw(ints), dtype=pl.UInt32),
            pl.Series("rule", draw(st.lists(st.sampled_from(RULES), min_size=n, max_size=n))),
            pl.Series("need_q", draw(flags), dtype=pl.Boolean),
            pl.Series("need_l", draw(flags), dtype=pl.Boolean),
        ]
    )


@settings(max_examples=300, deadline=None)
@given(key_matches())
def test_pairs_few_rows_equal_columnar(found: pl.DataFrame) -> None:
    got, stats = blocking.pairs_from_found(found)
    want, want_stats = blocking._pairs_columnar(found)
    assert_frame_equal(got, want)
    assert stats.pairs_by_key == want_stats.pairs_by_key


def _pair_grid(draw: st.DrawFn) -> pl.DataFrame:
    cells = sorted(draw(st.sets(st.tuples(st.integers(0, 4), st.integers(0, 6)), max_size=12)))
    return pl.DataFrame(
        [
            pl.Series("qi", [q for q, _ in cells], dtype=pl.UInt32),
            pl.Series("li", [li for _, li in cells], dtype=pl.UInt32),
        ]
    )


@settings(max_examples=300, deadline=None)
@given(key_matches(), st.data())
def test_with_confirmed_few_rows_equal_columnar(found: pl.DataFrame, data: st.DataObject) -> None:
    met, _ = blocking.pairs_from_found(found)
    confirmed = _pair_grid(data.draw)
    got = pairs.with_confirmed(met, confirmed)
    assert_frame_equal(got, pairs._with_confirmed_columnar(met, confirmed))


ENTRIES = ("E0", "E1", "E2", "E3", None)


def _identity(row: dict[str, Any]) -> str | None:
    return next((row[c] for c in ("pid", "uscc", "org_code") if row[c] is not None), None)


@PROPERTY
@given(RECORDS, st.data())
def test_confirmed_pairs_few_rows_equal_columnar(qf: pl.DataFrame, data: st.DataObject) -> None:
    """Keys of some of the record's own identities against list entries (one entry may hold
    several parties), with decoys: unknown entries, no colon, extra colons, other digests."""
    lf = pl.DataFrame(
        {"entry_id": data.draw(st.lists(st.sampled_from(ENTRIES), max_size=8))},
        schema={"entry_id": pl.String},
    ).with_row_index("li")
    own = [
        pair_key(row["norm"], _identity(row), entry)
        for row in qf.iter_rows(named=True)
        for entry in data.draw(st.lists(st.sampled_from(ENTRIES[:-1]), max_size=2))
    ]
    decoys = data.draw(
        st.lists(st.sampled_from(("E1", "x:E2", "d:E3:more", ":E0", "", "E9")), max_size=3)
    )
    keys = frozenset(own + decoys)
    got = pairs.confirmed_pairs(qf, lf, keys)
    assert_frame_equal(got, pairs._confirmed_columnar(qf, lf, keys))


def test_confirmed_pairs_few_rows_on_a_long_list() -> None:
    """A long list (the night's) is narrowed by polars first; the pairs are the same."""
    qf = _record([{"name": "张伟", "id_number": rid("11010519850312231")}])
    entries = [f"E{i}" for i in range(FEW_KEY_MATCHES + 10)]
    lf = pl.DataFrame({"entry_id": entries}).with_row_index("li")
    last = FEW_KEY_MATCHES + 9
    keys = frozenset(pair_key(qf["norm"][0], qf["pid"][0], e) for e in ("E3", f"E{last}", "E1x"))
    got = pairs.confirmed_pairs(qf, lf, keys)
    assert got.rows() == [(0, 3), (0, last)]
    assert_frame_equal(got, pairs._confirmed_columnar(qf, lf, keys))
