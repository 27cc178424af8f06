"""Property tests: the few-row path of `party_features` gives exactly the columnar frame.

The screening desk sends one record at a time down the row-at-a-time path
(`matching.features._few`, `matching.name_rows`); the nightly sweep sends millions down the
columnar one. They must agree on everything a decision reads, so each generated frame (query side
or list side, up to `FEW_ROWS` rows) is featurised both ways and compared with
`assert_frame_equal`: same columns, order, dtypes and values. Inputs are whole families of hard
cases: simplified / traditional / variant / look-alike / rare Han, compound and multi-reading
surnames, middle dots and every kind of white space, romanised names with accents, hyphens,
commas and reversed order, full-width letters, blanks and nulls, organisation names with places,
branches and legal forms, every ID layout of the ID property tests, genders in all spellings, and
birth dates, ages and publication dates present or absent.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from matching import parties
from matching.config import FEW_ROWS, RoleSpec
from matching.features import _columnar, _few_ready, party_features
from matching.link import list_features, query_features
from matching.name_rows import WHITE_SPACE, learn_characters, org_forms, person_forms
from matching.normalize import org_name_forms, person_name_forms
from matching.parties import LIST_SCHEMA, QUERY_SCHEMA, query_parties
from tests.test_ids_properties import NUMBERS, RUN_DATES, typed

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SURNAMES = (
    "张 王 李 劉 陳 黃 鄧 葉 欧阳 歐陽 司马 司馬 诸葛 上官 东方 皇甫 尉迟 万俟 慕容 令狐 "
    "单 曾 解 仇 区 朴 查 盖 华 乐 缪 重 覃 尉 长孙 澹台"
).split()
GIVEN = (
    "伟偉娜芳敏静麗丽强強磊军軍洋勇艳杰傑涛濤明超秀霞平刚剛桂英華国國龍龙雄信"
    "己已巳戊戌戍未末土士千干于日曰人入王玉大太犬田由甲申刀力候侯茶荼鸟乌兵乒准淮天夫"
    "𠮷㐀䶵〇々豈⼈丟喆堃"
)
DOTS = ("·", "•", "・", "‧", "．", ".", "-", "'", "’", "_", ",", "，")
SPACES = (" ", "  ", "\u3000", "\xa0", "\t", "\x1c", "\x1f", "\u2003", "\n", "\x85")
LATIN = (
    "Zhang Wei Li Na Ouyang Nana SHAN Xiong José Müller Åsa Nguyễn Thị O'Brien Jean-Luc "
    "Ǆemal Straße İsmail ｚｈａｎｇ ＷＥＩ Ａｉｇｕｌ Maimaiti Aygül Ælfric Œuvre ñ"
).split()
PLACES = ("", "北京市", "岳阳", "上海", "深圳市", "新疆维吾尔自治区", "乌鲁木齐", "香港特别行政区")
CORES = ("某某科技", "華為技術", "甲乙商贸", "天地 文化", "ＡＢＣ贸易", "宏达【集团】", "长江实业")
FORMS = ("有限责任公司", "有限公司", "股份有限公司", "股份公司", "集团", "", "合伙企业(有限合伙)")
BRANCHES = ("", "北京分公司", "分店", "第一分厂", "营业部", "城东支行", "办事处", "分所")
GENDERS = (
    "男", "女", "男性", "女性", "M", "F", "m", "f", "male", "Female", "FEMALE", " 男 ", "\t女",
    "x", "", "未知", "ＭＡＬＥ", "Male ", None,
)  # fmt: skip


@st.composite
def han_names(draw: st.DrawFn) -> str:
    """A Han name with any surname, any given characters and separators between the parts."""
    parts = [draw(st.sampled_from(SURNAMES))]
    parts += draw(st.lists(st.sampled_from(GIVEN), min_size=0, max_size=3))
    out = ""
    for part in parts:
        out += part
        if draw(st.integers(0, 4)) == 0:
            out += draw(st.sampled_from(DOTS + SPACES))
    return draw(st.sampled_from(("", " ", "\u3000"))) + out


@st.composite
def latin_names(draw: st.DrawFn) -> str:
    """A romanised name: tokens in either order, joined by spaces, hyphens, commas or dots."""
    tokens = draw(st.lists(st.sampled_from(LATIN), min_size=1, max_size=3))
    sep = draw(st.sampled_from((" ", "-", ", ", ",", "·", "  ", "\u3000", "\xa0")))
    text = sep.join(tokens)
    return text.upper() if draw(st.booleans()) else text


@st.composite
def org_names(draw: st.DrawFn) -> str:
    """An organisation name: place first or bracketed, core, legal form, branch."""
    place, core = draw(st.sampled_from(PLACES)), draw(st.sampled_from(CORES))
    form, branch = draw(st.sampled_from(FORMS)), draw(st.sampled_from(BRANCHES))
    if place and draw(st.booleans()):
        bracket = draw(st.sampled_from((("(", ")"), ("（", "）"), ("【", "】"))))
        return f"{core}{bracket[0]}{place}{bracket[1]}{form}{branch}"
    return f"{place}{core}{form}{branch}"


HARD_NAMES = st.one_of(
    han_names(),
    latin_names(),
    org_names(),
    st.sampled_from(("", " ", "\u3000", "·", "-", "𠮷", "〇", "X")),
)
NAMES = st.one_of(HARD_NAMES, st.text(max_size=12))
IDS = st.one_of(typed(NUMBERS), st.none())
PARTY_TYPES = st.sampled_from(("person", "person", "org", None, "其他"))
BIRTHS = st.one_of(st.none(), st.dates(date(1890, 1, 1), date(2040, 12, 31)))


@st.composite
def frames(draw: st.DrawFn, names: st.SearchStrategy[str]) -> pl.DataFrame:
    """A query-side or list-side party frame of 0..FEW_ROWS rows, optional columns or not.

    Names are drawn from a small pool so that one name often comes as a person and as an org.
    """
    pool = draw(st.lists(st.one_of(names, st.none()), min_size=1, max_size=4))
    n = draw(st.integers(0, FEW_ROWS))
    query_side = draw(st.booleans())
    schema = QUERY_SCHEMA if query_side else LIST_SCHEMA
    values: dict[str, list[Any]] = {
        "party_type": draw(st.lists(PARTY_TYPES, min_size=n, max_size=n)),
        "name": draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n)),
        "id_number": draw(st.lists(IDS, min_size=n, max_size=n)),
        "gender": draw(st.lists(st.sampled_from(GENDERS), min_size=n, max_size=n)),
        "birth_date": draw(st.lists(BIRTHS, min_size=n, max_size=n)),
        "age": draw(st.lists(st.one_of(st.none(), st.integers(0, 120)), min_size=n, max_size=n)),
        "age_on": draw(st.lists(BIRTHS, min_size=n, max_size=n)),
    }
    columns = {}
    for col, dtype in schema.items():
        if col in ("party_type", "name", "id_number") or draw(st.booleans()):
            columns[col] = pl.Series(col, values.get(col, [f"{col}-{i}" for i in range(n)]), dtype)
    return pl.DataFrame(columns)


def _both(frame: pl.DataFrame, as_of: date) -> None:
    assert_frame_equal(party_features(frame, as_of), _columnar(frame, as_of))


@PROPERTY
@given(frames(HARD_NAMES), RUN_DATES)
def test_few_rows_equal_columnar_on_hard_names(frame: pl.DataFrame, night: date) -> None:
    assert _few_ready(frame)  # these families must all take the row path
    _both(frame, night)


@PROPERTY
@given(frames(NAMES), RUN_DATES)
def test_few_rows_equal_columnar_on_any_text(frame: pl.DataFrame, night: date) -> None:
    _both(frame, night)


@PROPERTY
@given(st.lists(NAMES, min_size=1, max_size=20))
def test_name_forms_one_at_a_time(names: list[str]) -> None:
    """Row forms equal the columnar ones also over batches wider than FEW_ROWS."""
    series = pl.Series("name", names, dtype=pl.String)
    people = person_name_forms(series).rows_by_key("name", unique=True)
    orgs = org_name_forms(series).rows_by_key("name", unique=True)
    for name in set(names):
        assert tuple(person_forms(name)) == people[name], name
        assert tuple(org_forms(name)) == orgs[name], name


@PROPERTY
@given(st.lists(NAMES, min_size=1, max_size=20), st.lists(NAMES, min_size=1, max_size=8))
def test_characters_learnt_from_a_list_give_the_same_forms(
    listed: list[str], screened: list[str]
) -> None:
    """What the desk learns from the list's names up front is what a name would learn itself."""
    learn_characters(pl.Series("name", listed, dtype=pl.String))
    series = pl.Series("name", screened + listed, dtype=pl.String)
    people = person_name_forms(series).rows_by_key("name", unique=True)
    for name in set(screened + listed):
        assert tuple(person_forms(name)) == people[name], name


def test_white_space_is_what_polars_strips() -> None:
    """`WHITE_SPACE` is exactly what polars' `\\s` matches and `strip_chars()` strips."""
    points = np.arange(0x110000, dtype=np.uint32)
    every = points[(points < 0xD800) | (points >= 0xE000)].tobytes().decode("utf-32-le")
    spaces = pl.Series([every]).str.extract_all(r"\s").item().to_list()
    assert sorted(spaces) == sorted(WHITE_SPACE)
    texts = [f"{c}a{c}" for c in every[:0x10000]]  # stripping: the basic multilingual plane
    stripped = pl.Series(texts).str.strip_chars().to_list()
    assert stripped == [t.strip(WHITE_SPACE) for t in texts]


def test_desk_and_list_sides_take_the_row_path() -> None:
    """A desk record and a tiny list side, through `query_features` / `list_features`."""
    night = date(2024, 5, 2)
    query = pl.DataFrame(
        {
            "record_id": ["r1", "r1"],
            "role": ["guest", "guardian"],
            "party_type": ["person", "person"],
            "name": ["歐陽 娜娜", "ZHANG, Wei"],
            "id_number": ["110105 19850101 2327", None],
            "id_type": [None, "passport"],
            "gender": ["女", " Male"],
            "birth_date": [None, date(1985, 1, 1)],
        },
        schema=QUERY_SCHEMA,
    )
    listed = pl.DataFrame(
        {
            "entry_id": ["e1", "e2"],
            "list_role": ["debtor", "debtor"],
            "party_type": ["person", "org"],
            "name": ["欧阳娜娜", "某某科技(岳阳)有限责任公司北京分公司"],
            "id_number": ["11010519850101****", "91110000600037341L"],
            "gender": ["女", None],
            "age": [39, None],
            "age_on": [date(2024, 1, 1), None],
            "list_type": ["dishonest", "dishonest"],
            "status": ["active", "active"],
        },
        schema=LIST_SCHEMA,
    )
    assert _few_ready(query) and _few_ready(listed)
    qf, lf = query_features(query, night), list_features(listed, night)
    assert_frame_equal(qf, _columnar(query, night).with_row_index("qi"))
    assert_frame_equal(lf, _columnar(listed, night).with_row_index("li"))
    assert qf["py"].to_list() == ["ouyangnana", "zhangwei"]
    assert qf["py_rev"].to_list() == ["nanaouyang", "weizhang"]
    assert qf["sex"].to_list() == ["F", "M"]
    assert lf["norm"].to_list() == ["欧阳娜娜", "岳阳某某科技有限公司北京分公司"]
    assert lf["branch"].to_list() == [None, "北京分公司"]
    assert lf["org_code"].to_list() == [None, "600037341"]


# --- query_parties: agency records cut into parties --------------------------------------------

ROLES = (
    RoleSpec(role="guest", name="n1", id_number="i1", id_type="t", gender="g", birth_date="b"),
    RoleSpec(role="candidate", name="n1", id_number="i1", gender="g", birth_date="b"),
    RoleSpec(role="guardian", name="n1", id_number="i1"),
    RoleSpec(role="guardian2", name="n2", id_number="i2"),
    RoleSpec(role="applicant", name="n1", id_number="i1", party_type="pt"),
    RoleSpec(role="applicant", name="n2", id_number="i2", party_type="org"),
    RoleSpec(role="legal_rep", name="n2", id_number="i2", when="pt", when_value="org"),
    RoleSpec(role="legal_rep", name="n2", id_number="i2", when="w", when_value="1"),
    RoleSpec(role="guest", name="absent", id_number="i1", gender="absent", birth_date="absent"),
)
CELLS = st.one_of(
    st.none(),
    st.sampled_from(("", " ", "\u3000", "\t\n", "\x1c", " 张伟 ", "張偉")),
    HARD_NAMES,
    typed(NUMBERS),
)
PARTY_TYPE_CELLS = st.sampled_from(
    ("person", "org", " org ", "自然人", "法人或其他组织", "法人", "单位", "个人", "?", "", None)
)
DATE_TEXTS = st.one_of(
    st.sampled_from(
        ("1985-01-02", " 1985-01-02 ", "1985-1-2", "1985/01/02", "19850102", "", "x", None)
    ),
    # ISO days anywhere (year 0001 too), impossible ones, year 0, and near misses
    st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}"),
    st.sampled_from(("2023-02-29", "2024-02-29", "0000-01-01", "1985-13-01", "1985-00-10")),
    st.text(st.sampled_from("0123456789-０١\u3000 "), min_size=8, max_size=12),
)


@st.composite
def records(draw: st.DrawFn) -> pl.DataFrame:
    """Agency records of 0..FEW_ROWS rows; each column of several possible types or absent."""
    n = draw(st.integers(0, FEW_ROWS))

    def cells(strategy: st.SearchStrategy[Any]) -> list[Any]:
        return draw(st.lists(strategy, min_size=n, max_size=n))

    ids = cells(st.integers(0, 99)) if draw(st.booleans()) else [f"r{i}" for i in range(n)]
    columns: dict[str, pl.Series] = {"record_id": pl.Series("record_id", ids)}
    for col in ("n1", "n2", "i1", "i2", "t", "g"):
        if draw(st.integers(0, 5)):
            columns[col] = pl.Series(col, cells(CELLS), dtype=pl.String)
    if draw(st.booleans()):
        columns["g"] = pl.Series("g", cells(st.sampled_from(GENDERS)), dtype=pl.String)
    if draw(st.booleans()):
        columns["i1"] = pl.Series(
            "i1", cells(st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)))
        )
    born = draw(st.sampled_from(("text", "date", "datetime", "none", "absent")))
    if born == "text":
        columns["b"] = pl.Series("b", cells(DATE_TEXTS), dtype=pl.String)
    elif born in ("date", "datetime"):
        days = cells(BIRTHS)
        columns["b"] = pl.Series("b", days, dtype=pl.Date).cast(
            pl.Date if born == "date" else pl.Datetime
        )
    elif born == "none":
        columns["b"] = pl.Series("b", [None] * n)
    if draw(st.booleans()):
        columns["pt"] = pl.Series("pt", cells(PARTY_TYPE_CELLS), dtype=pl.String)
    if draw(st.booleans()):
        columns["w"] = pl.Series("w", cells(st.sampled_from((1, 0, None))), dtype=pl.Int64)
    return pl.DataFrame(list(columns.values()))


@PROPERTY
@given(records(), st.lists(st.sampled_from(ROLES), max_size=4))
def test_query_parties_few_rows_equal_columnar(frame: pl.DataFrame, roles: list[RoleSpec]) -> None:
    assert_frame_equal(query_parties(frame, roles), parties._columnar(frame, roles))
