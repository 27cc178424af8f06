"""Property tests: the desk's row-at-a-time contract checks equal the columnar ones on any rows.

`data_contracts.rows.check_rows` takes `rows_few` for frames of at most `FEW_ROWS` rows; its
result (clean frame: columns, order, dtypes, values; per-row reasons) must be exactly what the
columnar path (`rows._columnar`) gives. Frames of every agency dataset are drawn from families of
hard cells: blanks and every kind of white space (including the control characters Python strips
and polars does not), dates in each accepted spelling and many refused ones (impossible days,
leap seconds, year 0, out of range, full-width, with zones and fractions), numbers with
separators, currency, units, exponents, inf/nan and fractions in whole-number fields, enum
spellings in any case and width, resident IDs valid or with a bad check char, masked, legacy
15-digit, full-width, Excel-mangled, organisation numbers, passports, duplicate record ids,
undeclared extra columns, a reader's `_reject` reason, and arbitrary text in any field.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from data_contracts import parse, parse_one, rows_few
from data_contracts.result import REJECT_COLUMN
from data_contracts.rows import RowCheck, _columnar, check_rows
from data_contracts.schemas import AGENCY_DATASETS, FieldSpec
from data_contracts.schemas import spec as dataset_spec
from matching.config import FEW_ROWS
from matching.ids import check_char
from pipelines.ingest import read_dataset
from pipelines.synth.generate import generate

NIGHT = date(2026, 12, 1)
PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# White space of either engine: \x1c-\x1f is white space to Python only, \x85 to both.
SPACES = (" ", "\t", "\n", "\u3000", "\xa0", "\x1c", "\x1f", "\x85", "\u2007", "\u200b")
# Any character Python's Unicode tables know (polars' are newer: such text goes columnar).
KNOWN_TEXT = st.text(st.characters(exclude_categories=("Cs", "Cn")), max_size=14)
REGIONS = ("110105", "330203", "440305", "999999")


def _wide(text: str) -> str:
    """Full-width form of ASCII characters, as Chinese input methods type them."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@st.composite
def typed_by_hand(draw: st.DrawFn, core: st.SearchStrategy[str]) -> str:
    """A value as somebody typed it: padded, full-width or upper case, or as given."""
    text = draw(core)
    if draw(st.integers(0, 3)) == 0:
        text = _wide(text)
    if draw(st.integers(0, 4)) == 0:
        text = text.upper()
    pad = st.text(st.sampled_from(SPACES), max_size=2)
    return draw(pad) + text + draw(pad)


BLANKS = st.one_of(st.none(), st.text(st.sampled_from(SPACES), max_size=3))


@st.composite
def days(draw: st.DrawFn) -> date:
    """Days near the edges that matter (1900-01-01, the night, a year past it) or anywhere."""
    anchor = draw(st.sampled_from((date(1900, 1, 1), NIGHT, NIGHT + timedelta(days=366))))
    near = anchor + timedelta(days=draw(st.integers(-3, 3)))
    return draw(st.one_of(st.just(near), st.dates(date(1, 1, 1), date(9999, 12, 31))))


DATE_LAYOUTS = ("{y}-{m}-{d}", "{y}/{m}/{d}", "{y}.{m}.{d}", "{y}年{m}月{d}日", "{y}{m}{d}")
TIMES = (
    "",
    " 14:00",
    " 08:05:09",
    "T23:59:60",
    " 7:3:1",
    " 24:00",
    " 12:00:00.123",
    "T10:00:00,5Z",
    " 10:00+08:00",
    " 10:00 -0500",
    "  09:30:00Z",
    " 10:61",
)


@st.composite
def date_texts(draw: st.DrawFn) -> str:
    """A date in one of the accepted spellings, maybe with a time, maybe impossible."""
    day = draw(days())
    y, m, d = f"{day.year:04d}", f"{day.month:02d}", f"{day.day:02d}"
    if draw(st.integers(0, 3)) == 0:
        m, d = str(day.month), str(day.day)
    if draw(st.integers(0, 5)) == 0:  # an impossible or odd day
        y, m, d = draw(st.sampled_from(((y, "13", d), (y, "02", "30"), ("0000", "02", "29"))))
    text = draw(st.sampled_from(DATE_LAYOUTS)).format(y=y, m=m, d=d) + draw(st.sampled_from(TIMES))
    return draw(typed_by_hand(st.just(text)))


ODD_DATES = st.sampled_from(
    ("2O24-01-01", "yesterday", "2024-1", "1/5/2024", "20240230", "2024-05-01 25:00", "٢٠٢٤-٠١-٠١")
)
NUMBER_CORES = st.one_of(
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(-1000, 100000, places=2).map(str),
    st.sampled_from(
        (
            "20,000",
            "¥388.5",
            "388.5元",
            "12 RMB",
            "5CNY",
            "1e3",
            "1E+03",
            "3.5",
            "-0",
            "inf",
            "-nan",
            "1_000",
            "9223372036854775807",
            "9223372036854775808",
            ".5",
            "5.",
            "$ 12",
            "一百",
            "12元整",
        )
    ),
)
ID_PASSPORTS = st.sampled_from(("E12345678", "G1234567", "P-00012345", "H0123456701", "12345678"))


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    """18-digit (right or wrong check char), legacy 15-digit, masked, mangled or org numbers."""
    born = draw(st.dates(date(1890, 1, 1), date(2030, 12, 31)))
    body = f"{draw(st.sampled_from(REGIONS))}{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    number = body + check_char(body)
    shape = draw(st.integers(0, 7))
    if shape == 1:
        number = body + draw(st.sampled_from("0123456789Xx"))
    elif shape == 2:
        number = number[:6] + number[8:17]  # legacy 15-digit
    elif shape == 3:
        hidden = draw(st.sets(st.integers(0, len(number) - 1), min_size=1))
        number = "".join("*" if i in hidden else c for i, c in enumerate(number))
    elif shape == 4:
        number = f"{number[0]}.{number[1:6]}E+17"
    elif shape == 5:
        number = draw(st.sampled_from(("91110000600037341L", "91110000600037341X", "60003734-1")))
    elif shape == 6:
        number = f"{number[:6]} {number[6:14]}-{number[14:]}"
    return draw(typed_by_hand(st.just(number)))


def enum_texts(field: FieldSpec) -> st.SearchStrategy[str]:
    """Accepted spellings of an enum field (in any case, width or padding), or refused ones."""
    spellings = sorted({s for code, many in field.enum.items() for s in (code, *many)})
    accepted = typed_by_hand(st.sampled_from(spellings))
    return st.one_of(accepted, st.sampled_from(("unknown", "其他", "M F", "男性")))


def cells(field: FieldSpec) -> st.SearchStrategy[str | None]:
    """A cell of `field` from its family of hard values (or blank, or any text)."""
    if field.kind in ("date", "datetime"):
        family = st.one_of(date_texts(), ODD_DATES)
    elif field.kind in ("int", "float"):
        family = typed_by_hand(NUMBER_CORES)
    elif field.kind == "enum":
        family = enum_texts(field)
    elif field.kind == "id":
        family = st.one_of(resident_ids(), ID_PASSPORTS)
    elif field.name == "record_id":
        family = typed_by_hand(st.sampled_from(("R1", "R2", "R3")))  # duplicates happen
    else:
        family = typed_by_hand(st.sampled_from(("张三", "欧阳娜娜", "Zhang San", "José Núñez-Li")))
    return st.one_of(family, family, family, BLANKS, KNOWN_TEXT)


@st.composite
def frames(draw: st.DrawFn, dataset: str) -> pl.DataFrame:
    """A frame of 0 to FEW_ROWS rows of `dataset` with every field, maybe with extra columns."""
    spec = dataset_spec(dataset)
    n = draw(st.integers(0, FEW_ROWS))
    columns = {f.name: draw(st.lists(cells(f), min_size=n, max_size=n)) for f in spec.fields}
    frame = pl.DataFrame(columns, schema={f.name: pl.String for f in spec.fields})
    extras = draw(st.sets(st.sampled_from(("gender", "birth_date", "备注", "_flags", "_row"))))
    for name in sorted(extras):
        if name == "_row":
            frame = frame.with_columns(pl.int_range(1, n + 1, dtype=pl.Int64).alias(name))
        else:
            values = draw(st.lists(st.one_of(KNOWN_TEXT, st.none()), min_size=n, max_size=n))
            frame = frame.with_columns(pl.Series(name, values, dtype=pl.String))
    if draw(st.booleans()):
        reasons = st.sampled_from((None, "", "bad_quote:row 引号不成对"))
        reject = draw(st.lists(reasons, min_size=n, max_size=n))
        frame = frame.with_columns(pl.Series(REJECT_COLUMN, reject, dtype=pl.String))
    return frame


def _assert_same(got: RowCheck, want: RowCheck) -> None:
    assert got.errors == want.errors
    assert_frame_equal(got.clean, want.clean)


def _both(dataset: str, raw: pl.DataFrame, min_date: date, night: date) -> None:
    fields = raw.drop(REJECT_COLUMN, strict=False)
    assert rows_few.text_cells(dataset_spec(dataset), rows_few.TextRows.of(fields)) is not None
    few = check_rows(dataset, raw, min_date=min_date, run_date=night)
    _assert_same(few, _columnar(dataset, raw, min_date=min_date, run_date=night))


@pytest.mark.parametrize("dataset", AGENCY_DATASETS)
@PROPERTY
@given(data=st.data())
def test_few_rows_equal_the_columnar_checks(dataset: str, data: st.DataObject) -> None:
    raw = data.draw(frames(dataset))
    night = data.draw(st.one_of(st.just(NIGHT), st.dates(date(2000, 1, 1), date(2040, 12, 31))))
    min_date = data.draw(st.sampled_from((date(1900, 1, 1), date(2000, 1, 1))))
    _both(dataset, raw, min_date, night)


def test_a_leap_second_and_year_zero_read_as_polars_reads_them() -> None:
    spec = dataset_spec("civil_service_candidate")
    frame = pl.DataFrame({f.name: ["x"] * 3 for f in spec.fields}).with_columns(
        pl.Series("record_id", ["R1", "R2", "R3"]),
        pl.Series("id_number", [None, None, None], dtype=pl.String),
        pl.Series("gender", ["男", "女", "M"]),
        pl.Series("birth_date", ["1999-12-31 23:59:60", "0000-12-31 23:59:60", "0000-02-29"]),
        pl.Series("registered_on", ["2026-11-30"] * 3),
    )
    _both("civil_service_candidate", frame, date(1900, 1, 1), NIGHT)
    got = check_rows("civil_service_candidate", frame, min_date=date(1900, 1, 1), run_date=NIGHT)
    assert got.clean["birth_date"].to_list() == [date(2000, 1, 1)]
    assert got.errors[1:] == ["date_out_of_range:birth_date 日期超出合理范围"] * 2


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("few")
    generate(out, 400, 9, records=400, formats="csv", as_of=NIGHT)
    return out


@pytest.mark.parametrize("dataset", AGENCY_DATASETS)
def test_generated_records_in_small_batches(world: Path, dataset: str) -> None:
    raw = read_dataset(world / "agencies" / f"{dataset}.csv", dataset)
    assert raw.height > 100
    start = 0
    for size in [1, 2, 3, FEW_ROWS] * 12:
        _both(dataset, raw.slice(start, size), date(1900, 1, 1), NIGHT)
        start += size


DATEISH = st.text(st.sampled_from("0123456789012345-/.年月日 T:Z+,\u3000０１２\x1c"), max_size=24)


@PROPERTY
@given(st.lists(st.one_of(DATEISH, date_texts(), KNOWN_TEXT, st.none()), max_size=20))
def test_one_cell_parsers_equal_the_expressions(texts: list[str | None]) -> None:
    frame = pl.DataFrame({"x": texts}, schema={"x": pl.String})
    t = parse.parse_datetime("x").dt
    units = (t.year(), t.month(), t.day(), t.hour(), t.minute(), t.second())
    parts = frame.select(u.alias(str(i)) for i, u in enumerate(units)).rows()
    want = [None if p[0] is None else p for p in parts]
    assert [parse_one.datetime_parts(x) for x in texts] == want
    floats = frame.select(parse.parse_float("x")).to_series().to_list()
    got = [parse_one.parse_float(x) for x in texts]
    assert [None if f is None else repr(f) for f in got] == [
        None if f is None else repr(f) for f in floats
    ]
    ints = frame.select(parse.parse_int("x")).to_series().to_list()
    assert [parse_one.parse_int(x) for x in texts] == ints
