"""Data contracts: GE-judged quarantine, typing, flags, and dataset-level refusal."""

from __future__ import annotations

import random
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
from stdnum.cn import ric

from data_contracts import validate
from data_contracts.checks import build_checks
from data_contracts.config import ContractSettings
from data_contracts.schemas import DATASETS, spec
from pipelines.errors import ContractError

SETTINGS = ContractSettings()
RUN = "hotel_booking-2024-05-02"


def rid(body17: str) -> str:
    """A valid resident ID from its first 17 digits."""
    return body17 + ric.calc_check_digit(body17 + "0")  # stdnum wants the check position present


GOOD = rid("11010519850101231")
GOOD2 = rid("33020219900202002")


def frame(dataset: str, rows: list[dict[str, str | None]]) -> pl.DataFrame:
    """A raw frame as the reader gives it: every field text, `_source`, `_row`."""
    names = [f.name for f in spec(dataset).fields]
    data = {n: [r.get(n) for r in rows] for n in names}
    return pl.DataFrame(data, schema={n: pl.String for n in names}).with_columns(
        pl.lit("f.csv").alias("_source"),
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("_row"),
    )


def hotel(**kw: str | None) -> dict[str, str | None]:
    base = {
        "record_id": "H1",
        "guest_name": "张伟",
        "id_type": "身份证",
        "id_number": GOOD,
        "hotel_star": "4",
        "room_rate": "388",
        "check_in": "2024-05-01 14:00",
    }
    return base | kw


def reasons(result_q: pl.DataFrame) -> dict[str, str]:
    return dict(zip(result_q["record_key"], result_q["reason"], strict=True))


def test_good_rows_are_typed() -> None:
    raw = frame(
        "hotel_booking",
        [
            hotel(),
            hotel(
                record_id="H2",
                hotel_star="５",
                room_rate="1,280",
                check_in="2024/5/1",
                id_type="护照",
                id_number="E1234567",
            ),
        ],
    )
    res = validate("hotel_booking", raw, run_id=RUN, settings=SETTINGS)
    assert res.quarantine.height == 0
    c = res.clean
    assert c.schema["check_in"] == pl.Datetime("us") and c.schema["hotel_star"] == pl.Int64
    assert c["check_in"].to_list() == [datetime(2024, 5, 1, 14), datetime(2024, 5, 1)]
    assert c["hotel_star"].to_list() == [4, 5] and c["room_rate"].to_list() == [388.0, 1280.0]
    assert c["id_type"].to_list() == ["resident_id", "passport"]
    assert c["id_number"].to_list() == [GOOD, "E1234567"]  # IDs keep the text as given
    assert res.stats["ge_success"] is True and res.stats["rows_clean"] == 2


def test_agency_side_id_policy() -> None:
    bad_check = GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1")
    # month and day digits swapped (19850101 -> 19850011): an impossible date, still a typing slip
    transposed = GOOD[:11] + GOOD[12] + GOOD[11] + GOOD[13:]
    rows = [
        hotel(record_id="ok"),
        hotel(record_id="bc", id_number=bad_check),
        hotel(record_id="swap", id_number=transposed),
        hotel(record_id="mask", id_number="1101051985****2315"),
        hotel(record_id="mangled", id_number="1.10105E+17"),
        hotel(record_id="junk", id_number="12345"),
        hotel(record_id="empty", id_number=None),
        hotel(record_id="pp", id_type="护照", id_number="12345"),
    ]
    res = validate(
        "hotel_booking",
        frame("hotel_booking", rows),
        run_id=RUN,
        settings=ContractSettings(max_invalid_id_fraction=0.9),
    )
    # an unreadable number is lost evidence, not grounds to drop the row: every row is kept, and
    # the ones whose number cannot be used say why
    assert reasons(res.quarantine) == {}
    assert res.clean["record_id"].to_list() == [
        "ok",
        "bc",
        "swap",
        "mask",
        "mangled",
        "junk",
        "empty",
        "pp",
    ]
    assert res.clean["_flags"].to_list() == [
        None,
        "bad_check:id_number 证件号码校验位错误",
        "bad_check:id_number 证件号码校验位错误",
        "masked_id:id_number 证件号码被遮蔽",
        "mangled_id:id_number 证件号码被Excel科学计数法破坏",
        "bad_id:id_number 证件号码格式错误",
        None,
        None,
    ]
    assert res.stats["flags"] == {"bad_check:id_number": 2, "bad_id:id_number": 3}


def test_list_side_accepts_masks_and_org_codes() -> None:
    entries = [
        {
            "entry_id": "E1",
            "party_type": "自然人",
            "name": "张伟",
            "id_number": "1101051985****2315",
        },
        {
            "entry_id": "E2",
            "party_type": "法人或其他组织",
            "name": "某某科技有限公司",
            "id_number": "91110000600037341L",
        },
        {"entry_id": "E3", "party_type": "org", "name": "某某厂", "id_number": "60003734-1"},
        {"entry_id": "E4", "party_type": "person", "name": "王芳", "id_number": "1.10105E+17"},
        {"entry_id": "E5", "party_type": "org", "name": "某某店", "id_number": "ABC"},
    ]
    res = validate(
        "dishonest_list", frame("dishonest_list", entries), run_id="2024-05-02", settings=SETTINGS
    )
    assert res.stats["side"] == "list"
    # a court list entry is never dropped: an unreadable number stays with its entry, flagged
    assert res.clean["entry_id"].to_list() == ["E1", "E2", "E3", "E4", "E5"]
    assert res.clean["party_type"].to_list() == ["person", "org", "org", "person", "org"]
    assert res.clean["list_type"].to_list() == ["dishonest"] * 5  # documented default
    assert reasons(res.quarantine) == {}
    assert res.clean["_flags"].to_list()[3:] == [
        "mangled_id:id_number 证件号码被Excel科学计数法破坏",
        "bad_id:id_number 证件号码格式错误",
    ]


def test_masked_legacy_numbers_are_list_evidence() -> None:
    entries = [
        {"entry_id": "L1", "party_type": "person", "name": "张伟", "id_number": "34242776****472"},
        {"entry_id": "L2", "party_type": "person", "name": "王芳", "id_number": "5134********317"},
    ]
    res = validate(
        "dishonest_list", frame("dishonest_list", entries), run_id="2024-05-02", settings=SETTINGS
    )
    assert res.clean["entry_id"].to_list() == ["L1", "L2"]
    assert res.clean["_flags"].to_list() == [None, None]


def test_duplicates_keep_the_first() -> None:
    rows = [
        hotel(guest_name="甲"),
        hotel(guest_name="乙"),
        hotel(record_id="H2"),
        hotel(guest_name="丙"),
    ]
    res = validate("hotel_booking", frame("hotel_booking", rows), run_id=RUN, settings=SETTINGS)
    assert res.clean["guest_name"].to_list() == ["甲", "张伟"]
    assert res.quarantine["row"].to_list() == [2, 4]
    assert set(res.quarantine["reason"]) == {"duplicate:record_id 编号重复"}


def test_dates_numbers_enums_and_joined_reasons() -> None:
    rows = [
        hotel(record_id="d", check_in="2023-13-45"),
        hotel(record_id="old", check_in="1899-12-31"),
        hotel(record_id="fut", check_in="2030-01-01"),
        hotel(record_id="neg", room_rate="-5"),
        hotel(record_id="num", hotel_star="三星"),
        hotel(record_id="enum", id_type="驾驶证"),
        hotel(record_id="many", guest_name=" ", check_in="yesterday", hotel_star="3.5"),
        hotel(record_id="good"),
    ]
    res = validate("hotel_booking", frame("hotel_booking", rows), run_id=RUN, settings=SETTINGS)
    assert reasons(res.quarantine) == {
        "d": "bad_date:check_in 日期无效",
        "old": "date_out_of_range:check_in 日期超出合理范围",
        "fut": "date_out_of_range:check_in 日期超出合理范围",
        "neg": "negative:room_rate 数值不能为负",
        "num": "bad_number:hotel_star 数值无效",
        "enum": "bad_enum:id_type 取值不在允许范围",
        "many": "missing:guest_name 必填字段为空; bad_number:hotel_star 数值无效; "
        "bad_date:check_in 日期无效",
    }


def test_school_chinese_labels_and_fees() -> None:
    rows = [
        {
            "record_id": "S1",
            "guardian_name": "李娜",
            "school_type": "民办",
            "annual_fee": "２０，０００",
            "enrolled_on": "2024年9月1日",
            "guardian_id_number": GOOD2,
        }
    ]
    res = validate(
        "school_enrollment",
        frame("school_enrollment", rows),
        run_id="2024-05-02",
        settings=SETTINGS,
    )
    row = res.clean.row(0, named=True)
    assert (row["school_type"], row["annual_fee"], row["enrolled_on"]) == (
        "private",
        20000.0,
        date(2024, 9, 1),
    )


def test_dataset_level_refusals() -> None:
    with pytest.raises(ContractError, match=r"hotel_booking .*check_in \(入住时间\)"):
        validate(
            "hotel_booking",
            frame("hotel_booking", [hotel()]).drop("check_in"),
            run_id=RUN,
            settings=SETTINGS,
        )
    junk = [hotel(record_id=str(i), id_number="12345") for i in range(3)] + [hotel(record_id="x")]
    with pytest.raises(ContractError, match="75% of non-empty IDs unusable") as err:
        validate("hotel_booking", frame("hotel_booking", junk), run_id=RUN, settings=SETTINGS)
    assert "证件号码不可用比例过高" in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(ContractError, match="all 2 rows failed"):
        validate(
            "hotel_booking",
            frame("hotel_booking", [hotel(check_in="x"), hotel(check_in="y")]),
            run_id=RUN,
            settings=SETTINGS,
        )


def test_empty_input_is_not_refused() -> None:
    res = validate(
        "dishonest_list", frame("dishonest_list", []), run_id="2024-05-02", settings=SETTINGS
    )
    assert res.clean.height == 0 and res.quarantine.height == 0


def test_rows_are_never_lost_on_generated_bad_rows() -> None:
    rng = random.Random(7)
    bad_values = {
        "record_id": [None, "H1", "H2", " "],
        "guest_name": [None, "", "王芳"],
        "id_type": ["护照", "驾驶证", None, "身份证"],
        "id_number": [GOOD, "1.10105E+17", "1101051985****2315", "x", None, GOOD.lower()],
        "hotel_star": ["3", "-1", "x", None, "４"],
        "check_in": ["2024-05-01", "2023-13-45", None, "2099-01-01"],
    }
    for _ in range(15):
        rows = [
            {k: rng.choice(v) for k, v in bad_values.items()} for _ in range(rng.randint(1, 40))
        ]
        rows.append(hotel(record_id="anchor"))  # keeps the dataset from being refused outright
        raw = frame("hotel_booking", rows)
        res = validate(
            "hotel_booking", raw, run_id=RUN, settings=ContractSettings(max_invalid_id_fraction=1.0)
        )
        assert raw.height == res.clean.height + res.quarantine.height
        assert set(res.clean["_row"]).isdisjoint(res.quarantine["row"])
        assert res.quarantine["reason"].is_not_null().all()


def test_every_field_is_documented_and_every_expectation_names_one() -> None:
    from data_contracts.gx_runner import build_suite

    for ds in DATASETS.values():
        for f in ds.fields:
            assert f.description.strip(), f"{ds.name}.{f.name} has no description"
            assert f.aliases, f"{ds.name}.{f.name} has no Chinese alias"
        names = {f.name for f in ds.fields}
        for side in ("agency", "list"):
            suite = build_suite(ds.name, build_checks(ds, side, date(1900, 1, 1), date(2024, 5, 2)))
            assert suite.expectations
            for e in suite.expectations:
                column = e.column  # type: ignore[attr-defined]
                assert column.split("__")[0] in names and e.meta["field"] in names


def test_ge_ran_and_wrote_data_docs(tmp_path: Path) -> None:
    raw = frame("hotel_booking", [hotel(), hotel(record_id="H2", check_in="2023-13-45")])
    res = validate("hotel_booking", raw, run_id=RUN, settings=SETTINGS, docs_dir=tmp_path)
    assert res.validation is not None and res.validation.success is False
    assert (tmp_path / "hotel_booking" / "index.html").is_file()
    assert res.stats["data_docs"] == str(tmp_path / "hotel_booking" / "index.html")
    assert res.stats["expectations_failed"] == 1


def _number_and_date_texts() -> list[str | None]:
    rng = random.Random(5)
    out: list[str | None] = [
        None,
        "",
        " ",
        "2024-05-01",
        "2024-5-1",
        "2024-02-29",
        "2023-02-29",
        "2023-13-45",
        "2024-05-01 14:00:00",
        "2024-05-01 24:00:00",
        "2024-05-01 14:60:00",
        "2024-05-01 14:00",
        " 2024-05-01",
        "2024/05/01",
        "2024年5月1日",
        "20240501",
        "0000-00-00",
        "9999-12-31",
        "2024-05-01T14:00:00",
        "2024-05-01 14:00:00.5",
        "12",
        "-3",
        "3.0",
        "3.50",
        "1e3",
        "20,000",
        "¥388.5",
        "388.5元",
        ".5",
        "5.",
        "-0.0",
        "007",
        "99999999999999999999",
        "１２",
        "2024-05-01 14:00:59",
    ]
    for _ in range(500):
        y, m, d = rng.randint(1890, 2100), rng.randint(0, 13), rng.randint(0, 32)
        hh, mm, ss = rng.randint(0, 25), rng.randint(0, 61), rng.randint(0, 61)
        out += [
            f"{y:04d}-{m:02d}-{d:02d}",
            f"{y:04d}-{m:02d}-{d:02d} {hh:02d}:{mm:02d}:{ss:02d}",
            f"{rng.randint(-500, 50000)}",
            f"{rng.uniform(-100, 1e6):.{rng.randint(1, 4)}f}",
        ]
    return out


@pytest.mark.parametrize("kind", ["date", "datetime", "int", "float"])
def test_fast_parse_path_equals_the_full_parser(kind: str) -> None:
    """Where the canonical-spelling shortcut applies, it gives exactly what the full parser does."""
    from data_contracts.parse import fast_path, parse_field
    from data_contracts.schemas import FieldSpec

    field = FieldSpec(name="v", aliases=(), kind=kind, description="test")  # type: ignore[arg-type]
    frame = pl.DataFrame({"v": _number_and_date_texts()}, schema={"v": pl.String})
    fast = fast_path(field)
    assert fast is not None
    applies, value = fast
    got = frame.select(applies.alias("a"), value.alias("fast"), parse_field(field).alias("full"))
    chosen = got.filter(pl.col("a"))
    assert chosen.height > 1000
    texts = frame.filter(got["a"])
    mismatched = texts.filter(~chosen["fast"].eq_missing(chosen["full"]))
    assert mismatched.is_empty(), mismatched
