"""Readers under bad files: line ends, split workbooks, mojibake, hostile cells, broken rows.

Every case ends either in one clear line (InputError) or in quarantine rows with a reason, and
neither the line nor the reasons ever carry a name or an ID number from the file.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from stdnum.cn import ric

from data_contracts import validate
from data_contracts.config import ContractSettings
from pipelines.errors import InputError
from pipelines.ingest import read_dataset

SETTINGS = ContractSettings()
HEADER = "record_id,guest_name,id_type,id_number,hotel_star,check_in"
NAMES = ["张伟", "王芳", "李娜", "刘德华", "欧阳明", "陈小明", "赵丽", "孙强"]


def _rid(i: int) -> str:
    body = f"110105198501{i % 28 + 1:02d}23{i % 10}"
    return body + ric.calc_check_digit(body + "0")


def _rows(n: int = 8) -> list[str]:
    return [
        f"H{i},{NAMES[i % len(NAMES)]},身份证,{_rid(i)},4,2024-05-01 14:00" for i in range(n)
    ]


def _csv(tmp_path: Path, lines: list[str], sep: str = "\n", enc: str = "utf-8") -> Path:
    path = tmp_path / "hotel.csv"
    path.write_bytes(sep.join([HEADER, *lines, ""]).encode(enc))
    return path


def _checked(path: Path) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    raw = read_dataset(path, "hotel_booking")
    res = validate("hotel_booking", raw, run_id="r-2024-05-02", settings=SETTINGS)
    assert raw.height == res.clean.height + res.quarantine.height  # in = processed + quarantined
    assert "_reject" not in res.clean.columns
    return res.clean, res.quarantine, raw.height


def _no_personal_data(text: str) -> None:
    for i, name in enumerate(NAMES):
        assert name not in text
        assert _rid(i) not in text


@pytest.mark.parametrize("sep", ["\r", "\r\n", "\n"])
def test_every_line_ending_convention_reads_every_row(tmp_path: Path, sep: str) -> None:
    clean, quarantine, rows_in = _checked(_csv(tmp_path, _rows(), sep))
    assert rows_in == 8 and clean.height == 8 and quarantine.height == 0


def test_bare_cr_in_gbk_and_utf16(tmp_path: Path) -> None:
    for enc in ("gb18030", "utf-16"):
        frame = read_dataset(_csv(tmp_path, _rows(3), "\r", enc), "hotel_booking")
        assert frame["guest_name"].to_list() == NAMES[:3]


def test_row_with_too_many_fields_is_quarantined_not_the_file(tmp_path: Path) -> None:
    lines = _rows()
    lines[3] += ",extra,fields"
    clean, quarantine, rows_in = _checked(_csv(tmp_path, lines))
    assert rows_in == 8 and clean.height == 7
    assert quarantine["row"].to_list() == [4]
    assert quarantine["reason"].to_list() == ["bad_field_count:row 字段数与表头不一致"]
    assert quarantine["record_key"].to_list() == [None]


def test_stray_quote_is_quarantined_without_echoing_the_row(tmp_path: Path) -> None:
    lines = _rows()
    lines[2] = lines[2].replace("李娜", '"李娜')  # opens a quote that never closes
    lines[5] += ',"'
    clean, quarantine, _ = _checked(_csv(tmp_path, lines))
    assert sorted(clean["record_id"].to_list()) == ["H0", "H1", "H3", "H4", "H6", "H7"]
    assert quarantine["row"].to_list() == [3, 6]
    assert all(r.startswith(("bad_quote", "bad_field_count")) for r in quarantine["reason"])
    _no_personal_data(str(quarantine.rows()))


def test_quoted_line_break_is_still_one_value(tmp_path: Path) -> None:
    lines = _rows(3)
    lines[1] = lines[1].replace("王芳", '"王\n芳"')
    lines.append("H9,x,身份证,,4,2024-05-01,too,many")  # forces the record-by-record pass
    clean, quarantine, _ = _checked(_csv(tmp_path, lines))
    assert clean.filter(pl.col("record_id") == "H1")["guest_name"].to_list() == ["王\n芳"]
    assert quarantine.height == 1


def test_huge_field_and_control_characters_are_quarantined(tmp_path: Path) -> None:
    lines = _rows()
    lines[1] = lines[1].replace("王芳", "王" * 5_000_000)  # a 15 MB name
    lines[2] = lines[2].replace(_rid(2), _rid(2)[:6] + "\x00" + _rid(2)[6:])
    lines[4] = lines[4].replace("欧阳明", "欧阳\ufeff明")
    clean, quarantine, _ = _checked(_csv(tmp_path, lines))
    reasons = dict(zip(quarantine["row"].to_list(), quarantine["reason"].to_list(), strict=True))
    assert reasons[2].startswith("field_too_long:guest_name")
    assert reasons[3].startswith("control_char:id_number")
    assert reasons[5].startswith("control_char:guest_name")
    assert clean.height == 5
    assert not clean["id_number"].str.contains("\x00").any()
    _no_personal_data(str(quarantine.rows()))


def _mojibake(text: str, codec: str) -> str:
    return text.encode("utf-8").decode(codec, errors="replace")


@pytest.mark.parametrize("codec", ["gbk", "cp1252"])
def test_mis_decoded_utf8_is_refused_in_one_line(tmp_path: Path, codec: str) -> None:
    lines = [_mojibake(line, codec) for line in _rows()]
    with pytest.raises(InputError) as err:
        read_dataset(_csv(tmp_path, lines), "hotel_booking")
    msg = str(err.value)
    assert "mis-decoded" in msg and "guest_name" in msg and "\n" not in msg
    for name in NAMES:
        assert _mojibake(name, codec) not in msg


def test_genuine_chinese_names_are_not_mistaken_for_mojibake(tmp_path: Path) -> None:
    import numpy as np

    from pipelines.synth.names import person_names

    rng = np.random.default_rng(7)
    names = person_names(rng, rng.random(2000) < 0.5, minority_share=0.1)["name"].to_list()
    lines = [f"H{i},{n},身份证,,0,2024-05-01" for i, n in enumerate(names)]
    for enc in ("utf-8", "gb18030"):
        frame = read_dataset(_csv(tmp_path, lines, enc=enc), "hotel_booking")
        assert frame.height == len(names) == 2000


def _workbook(path: Path, sheets: list[tuple[str, list[list[str]]]]) -> Path:
    wb = xlsxwriter.Workbook(path)
    for name, rows in sheets:
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            ws.write_row(r, 0, row)
    wb.close()
    return path


def _cells(lines: list[str]) -> list[list[str]]:
    return [line.split(",") for line in lines]


def test_xlsx_rows_continuing_on_later_sheets(tmp_path: Path) -> None:
    head = [HEADER.split(",")]
    zh = [["记录编号", "旅客姓名", "证件类型", "证件号码", "星级", "入住时间"]]
    rows = _cells(_rows(9))
    path = _workbook(
        tmp_path / "h.xlsx",
        [("1月", head + rows[:3]), ("2月", rows[3:6]), ("3月", zh + rows[6:])],
    )
    frame = read_dataset(path, "hotel_booking")
    assert frame["record_id"].to_list() == [f"H{i}" for i in range(9)]
    assert frame["_row"].to_list() == list(range(1, 10))


def test_xlsx_data_behind_a_cover_sheet(tmp_path: Path) -> None:
    cover = [["某市酒店住宿登记表"], ["填报单位：某区公安分局"]]
    path = _workbook(
        tmp_path / "h.xlsx", [("封面", cover), ("数据", [HEADER.split(","), *_cells(_rows(4))])]
    )
    assert read_dataset(path, "hotel_booking")["record_id"].to_list() == ["H0", "H1", "H2", "H3"]


def test_xlsx_without_the_dataset_names_sheets_and_headers(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "h.xlsx",
        [
            ("封面", [["某市酒店住宿登记表"]]),
            ("数据", [["记录编号", "姓名X", "证件号码"], *_cells(_rows(2))]),
            ("无表头", _cells(_rows(2))),
        ],
    )
    with pytest.raises(InputError) as err:
        read_dataset(path, "hotel_booking")
    msg = str(err.value)
    assert "「封面」" in msg and "「数据」" in msg and "「无表头」" in msg and "姓名X" in msg
    assert "\n" not in msg
    _no_personal_data(msg)


def test_missing_identifier_columns_name_the_headers_found(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("编号,旅客,证件\nH1,张伟,110105198501012310\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_dataset(path, "hotel_booking")
    msg = str(err.value)
    assert "record_id" in msg and "none of them a known header" in msg
    path.write_text("记录编号,旅客,证件\nH1,张伟,110105198501012310\n", encoding="utf-8")
    with pytest.raises(InputError, match="headers found: 记录编号 \\| 旅客 \\| 证件"):
        read_dataset(path, "hotel_booking")


def test_headerless_file_never_echoes_its_first_row(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("\n".join(_rows(3)) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_dataset(path, "hotel_booking")
    _no_personal_data(str(err.value))
    assert "6 columns" in str(err.value)


def test_a_folder_given_as_a_file_is_named_as_such(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a folder, not a file"):
        read_dataset(tmp_path, "hotel_booking")
