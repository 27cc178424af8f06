"""Readers: formats, encodings, header languages, title rows and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from pipelines.errors import InputError
from pipelines.ingest import read_dataset

HOTEL_ZH = "记录编号,旅客姓名,证件类型,证件号码,入住时间,星级,备注\n"
ROW_ZH = "H1,张伟,身份证,11010519491231002X,2024-05-01 14:00,3,靠窗\n"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_gbk_csv_without_bom_and_chinese_headers(tmp_path: Path) -> None:
    path = _write(tmp_path, "hotel.csv", (HOTEL_ZH + ROW_ZH).encode("gbk"))
    frame = read_dataset(path, "hotel_booking")
    assert frame.row(0, named=True)["guest_name"] == "张伟"
    assert frame["id_number"].to_list() == ["11010519491231002X"]
    assert frame["备注"].to_list() == ["靠窗"]  # unknown extra column kept under its own header
    assert frame["city"].to_list() == [None]  # absent optional column added as null
    assert frame["_source"].to_list() == ["hotel.csv"] and frame["_row"].to_list() == [1]
    assert all(frame.schema[c] == pl.String for c in frame.columns if c != "_row")
    assert frame.schema["_row"] == pl.Int64


def test_utf8_bom_and_folded_english_headers(tmp_path: Path) -> None:
    text = " Record_ID ,ＧＵＥＳＴ＿ＮＡＭＥ,check_in\nH1,王芳,2024/5/1\nH2,李娜,20240502\n"
    frame = read_dataset(
        _write(tmp_path, "h.csv", b"\xef\xbb\xbf" + text.encode()), "hotel_booking"
    )
    assert frame.columns[:3] == ["record_id", "guest_name", "check_in"]
    assert frame["_row"].to_list() == [1, 2]


def test_gb18030_characters_beyond_gbk(tmp_path: Path) -> None:
    path = _write(tmp_path, "h.csv", (HOTEL_ZH + "H1,𠮷野,,,2024-05-01,0,\n").encode("gb18030"))
    assert read_dataset(path, "hotel_booking")["guest_name"].to_list() == ["𠮷野"]


@pytest.mark.parametrize(
    ("name", "data", "needle"),
    [
        ("empty.csv", b"", "0 bytes"),
        ("blank.csv", b"\n\n  \n", "no header"),
        ("bad.csv", b"\x81\x30\xff\xfe\x00abc\xff\n", "encoding"),
        ("nohead.csv", "记录编号,入住时间\nH1,2024-05-01\n".encode(), "guest_name (旅客姓名)"),
    ],
)
def test_unreadable_files_give_one_line_errors(
    tmp_path: Path, name: str, data: bytes, needle: str
) -> None:
    with pytest.raises(InputError) as err:
        read_dataset(_write(tmp_path, name, data), "hotel_booking")
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_missing_file_and_unknown_dataset(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_dataset(tmp_path / "nope.csv", "hotel_booking")
    with pytest.raises(InputError, match="unknown dataset"):
        read_dataset(_write(tmp_path, "x.csv", b"a\n1\n"), "hotels")


def test_header_only_file_gives_zero_rows(tmp_path: Path) -> None:
    frame = read_dataset(_write(tmp_path, "h.csv", HOTEL_ZH.encode()), "hotel_booking")
    assert frame.height == 0 and {"record_id", "check_in", "_row"} <= set(frame.columns)


def test_xlsx_with_title_row_and_number_cell_ids(tmp_path: Path) -> None:
    path = tmp_path / "hotel.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet()
    ws.write_string(0, 0, "某市酒店住宿登记表（2024年5月）")
    ws.write_row(1, 0, ["记录编号", "旅客姓名", "证件号码", "入住时间", "房价"])
    ws.write_row(2, 0, ["H1", "张伟", "11010519491231002X", "2024-05-01 14:00"])
    ws.write_number(2, 4, 388.5)
    ws.write_row(3, 0, ["H2", "王芳"])
    ws.write_number(3, 2, 110105194912310021)  # Excel keeps 15 significant digits: lost
    ws.write_string(3, 3, "2024-05-01")
    ws.write_row(4, 0, ["H3", "李娜"])
    ws.write_number(4, 2, 110105491231002)  # legacy 15-digit number survives a double exactly
    ws.write_string(4, 3, "2024-05-01")
    wb.close()
    frame = read_dataset(path, "hotel_booking")
    assert frame["record_id"].to_list() == ["H1", "H2", "H3"]
    assert frame["id_number"].to_list() == ["11010519491231002X", "1.10105E+17", "110105491231002"]
    assert frame["room_rate"].to_list() == ["388.5", None, None]
    assert frame["_row"].to_list() == [1, 2, 3]


def test_parquet_and_jsonl_even_with_a_lying_extension(tmp_path: Path) -> None:
    rows = {
        "record_id": ["H1"],
        "guest_name": ["张伟"],
        "check_in": ["2024-05-01"],
        "hotel_star": [4],
        "id_number": [1.1010519491231002e17],
    }
    pl.DataFrame(rows).write_parquet(tmp_path / "h.csv")  # Parquet named .csv
    frame = read_dataset(tmp_path / "h.csv", "hotel_booking")
    assert frame["hotel_star"].to_list() == ["4"]
    assert frame["id_number"].str.contains("e").all()  # a float ID stays visibly a float
    lines = [
        json.dumps(
            {"记录编号": "H1", "旅客姓名": "张伟", "入住时间": "2024-05-01", "extra": {"a": 1}},
            ensure_ascii=False,
        ),
        json.dumps({"记录编号": 2, "旅客姓名": "王芳", "入住时间": "2024-05-02"}),
    ]
    path = _write(tmp_path, "h.txt", "\n".join(lines).encode())
    frame = read_dataset(path, "hotel_booking")
    assert frame["record_id"].to_list() == ["H1", "2"]
    assert frame["extra"].to_list()[0] == '{"a":1}'


def test_not_a_table(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Excel"):
        read_dataset(_write(tmp_path, "x.xlsx", b"PK\x03\x04garbage"), "hotel_booking")


def test_ascii_header_with_gbk_values_and_bad_bytes_in_values(tmp_path: Path) -> None:
    """The UTF-8 fast path must not let GBK values or stray bytes past it."""
    header = "record_id,guest_name,check_in\n"
    gbk = _write(tmp_path, "g.csv", header.encode() + "H1,张伟,2024-05-01\n".encode("gb18030"))
    assert read_dataset(gbk, "hotel_booking")["guest_name"].to_list() == ["张伟"]
    bad = _write(tmp_path, "b.csv", header.encode() + b"H1,\xff\xfe\x81,2024-05-01\n")
    with pytest.raises(InputError, match="encoding"):
        read_dataset(bad, "hotel_booking")


def test_xlsx_number_cells_told_from_digit_text_by_cell_type(tmp_path: Path) -> None:
    # the table starts in column B below a blank row: cell types must line up with the text
    path = tmp_path / "school.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet()
    ws.write_row(1, 1, ["记录编号", "旅客姓名", "证件号码", "入住时间"])
    ws.write_row(2, 1, ["H1", "张伟", "110105194912310000", "2024-05-01"])  # text: kept
    ws.write_row(3, 1, ["H2", "王芳"])
    ws.write_number(3, 3, 110105194912310000)  # the same digits as a number cell: lost
    ws.write_string(3, 4, "2024-05-01")
    ws.write_row(4, 1, ["H3", "李娜", "110105194912310021", "2024-05-02"])
    ws.write_row(5, 1, ["H4", "赵强"])
    ws.write_number(5, 3, 12.5)  # a fraction cannot be an ID either
    ws.write_string(5, 4, "2024-05-02")
    wb.close()
    frame = read_dataset(path, "hotel_booking")
    assert frame["record_id"].to_list() == ["H1", "H2", "H3", "H4"]
    assert frame["id_number"].to_list() == [
        "110105194912310000",
        "1.10105E+17",
        "110105194912310021",
        "1.25000E+01",
    ]


def test_xlsx_number_cells_found_on_every_sheet_of_the_table(tmp_path: Path) -> None:
    # a cover sheet, the header sheet, a headerless continuation and a re-headed one: the cell
    # types of each sheet line up with that sheet's own rows
    path = tmp_path / "hotel.xlsx"
    wb = xlsxwriter.Workbook(path)
    wb.add_worksheet("封面").write_string(0, 0, "某市酒店住宿登记表")
    header = ["记录编号", "旅客姓名", "证件号码", "入住时间"]
    first = wb.add_worksheet("1月")
    first.write_row(0, 0, ["某市酒店住宿登记表 2024年5月"])
    first.write_row(1, 0, header)
    first.write_row(2, 0, ["H1", "张伟", "110105194912310021", "2024-05-01"])
    first.write_row(3, 0, ["H2", "王芳"])
    first.write_number(3, 2, 110105194912310021)  # a number cell: lost
    first.write_string(3, 3, "2024-05-01")
    cont = wb.add_worksheet("2月")  # no header row: the export simply goes on
    cont.write_row(0, 0, ["H3", "李娜"])
    cont.write_number(0, 2, 110105194912310021)
    cont.write_string(0, 3, "2024-05-02")
    cont.write_row(1, 0, ["H4", "赵强", "110105194912310000", "2024-05-02"])
    again = wb.add_worksheet("3月")
    again.write_row(0, 0, header)
    again.write_row(1, 0, ["H5", "孙丽", "110105194912310000", "2024-05-03"])
    again.write_row(2, 0, ["H6", "周杰"])
    again.write_number(2, 2, 110105194912310000)
    again.write_string(2, 3, "2024-05-03")
    again.write_row(3, 0, ["H7", "吴敏"])
    again.write_number(3, 2, 310104198001011)  # a 15-digit number survives a double: kept
    again.write_string(3, 3, "2024-05-03")
    wb.close()
    frame = read_dataset(path, "hotel_booking")
    assert frame["record_id"].to_list() == [f"H{i}" for i in range(1, 8)]
    assert frame["id_number"].to_list() == [
        "110105194912310021",
        "1.10105E+17",
        "1.10105E+17",
        "110105194912310000",
        "110105194912310000",
        "1.10105E+17",
        "310104198001011",
    ]
