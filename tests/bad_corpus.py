"""A corpus of bad source files, generated: every kind of damage the readers and contracts meet.

Each case is (file name, dataset, bytes, records the file holds or None when it cannot be read as
a table at all). The corpus test reads and checks every one; none may end in a traceback or lose
a row without a reason.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import polars as pl
import xlsxwriter
from stdnum.cn import ric

NAMES = ["张伟", "王芳", "李娜", "刘德华", "欧阳明", "陈小明", "买买提·艾力", "孙强"]
HOTEL = ["record_id", "guest_name", "id_type", "id_number", "hotel_star", "check_in"]
HOTEL_ZH = ["记录编号", "旅客姓名", "证件类型", "证件号码", "星级", "入住时间"]
LIST = ["entry_id", "party_type", "name", "id_number", "court", "status"]


def rid(i: int) -> str:
    body = f"110105198{i % 10}01{i % 28 + 1:02d}23{i % 10}"
    return body + ric.calc_check_digit(body + "0")


def hotel_rows(n: int = 8) -> list[list[str]]:
    return [
        [f"H{i}", NAMES[i % len(NAMES)], "身份证", rid(i), str(i % 6), "2024-05-01 14:00"]
        for i in range(n)
    ]


def list_rows(n: int = 6) -> list[list[str]]:
    return [[f"E{i}", "自然人", NAMES[i % len(NAMES)], rid(i), "某法院", "有效"] for i in range(n)]


def text(rows: list[list[str]], header: list[str] = HOTEL, sep: str = ",", end: str = "\n") -> str:
    return end.join(sep.join(r) for r in [header, *rows]) + end


def _with(rows: list[list[str]], i: int, col: int, value: str) -> list[list[str]]:
    out = [list(r) for r in rows]
    out[i][col] = value
    return out


def _xlsx(sheets: list[tuple[str, list[list[object]]]], numbers: bool = False) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    for name, rows in sheets:
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if numbers and isinstance(v, str) and v.isdigit() and len(v) == 18:
                    ws.write_number(r, c, float(v))
                else:
                    ws.write(r, c, v)
    wb.close()
    return buf.getvalue()


def _parquet(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.write_parquet(buf)
    return buf.getvalue()


def _mojibake(s: str, codec: str) -> str:
    return s.encode("utf-8").decode(codec, errors="replace")


Case = tuple[str, str, bytes, int | None]


def _csv_cases() -> list[Case]:
    rows = hotel_rows()
    u = lambda s: s.encode("utf-8")  # noqa: E731
    extra = [list(r) for r in rows]
    extra[2] = [*extra[2], "x", "y"]
    short = [list(r) for r in rows]
    short[4] = short[4][:3]
    return [
        ("bare_cr.csv", "hotel_booking", u(text(rows, end="\r")), 8),
        ("crlf.csv", "hotel_booking", u(text(rows, end="\r\n")), 8),
        (
            "mixed_ends.csv",
            "hotel_booking",
            u(text(rows[:4]) + text(rows[4:], end="\r")[len(",".join(HOTEL)) + 1 :]),
            8,
        ),
        ("utf8_bom.csv", "hotel_booking", b"\xef\xbb\xbf" + u(text(rows)), 8),
        ("utf16.csv", "hotel_booking", text(rows).encode("utf-16"), 8),
        ("utf16_bare_cr.csv", "hotel_booking", text(rows, end="\r").encode("utf-16"), 8),
        ("gbk.csv", "hotel_booking", text(rows, HOTEL_ZH).replace("·", "").encode("gbk"), 8),
        ("gb18030.csv", "hotel_booking", text(rows, HOTEL_ZH).encode("gb18030"), 8),
        ("mojibake_gbk.csv", "hotel_booking", u(_mojibake(text(rows), "gbk")), None),
        ("mojibake_cp1252.csv", "hotel_booking", u(_mojibake(text(rows), "cp1252")), None),
        (
            "undecodable.csv",
            "hotel_booking",
            u(",".join(HOTEL) + "\n") + b"H1,\xff\xfe\x81\x30,x\n",
            None,
        ),
        ("empty.csv", "hotel_booking", b"", None),
        ("blank_lines.csv", "hotel_booking", b"\n\n \n", None),
        ("header_only.csv", "hotel_booking", u(text([])), 0),
        ("headerless.csv", "hotel_booking", u(text(rows[1:], rows[0])), None),
        (
            "no_id_columns.csv",
            "hotel_booking",
            u(text(rows, ["编号", "旅客", "证件", "号码", "星", "时间"])),
            None,
        ),
        ("semicolons.csv", "hotel_booking", u(text(rows, sep=";")), 8),
        ("tabs.tsv", "hotel_booking", u(text(rows, sep="\t")), 8),
        ("pipes.txt", "hotel_booking", u(text(rows, sep="|")), 8),
        ("too_many_fields.csv", "hotel_booking", u(text(extra)), 8),
        ("too_few_fields.csv", "hotel_booking", u(text(short)), 8),
        ("stray_quote_open.csv", "hotel_booking", u(text(_with(rows, 3, 1, '"' + NAMES[3]))), 8),
        ("stray_quote_mid.csv", "hotel_booking", u(text(_with(rows, 3, 1, '张"伟'))), 8),
        ("quoted_newline.csv", "hotel_booking", u(text(_with(rows, 1, 1, '"王\n芳"'))), 8),
        (
            "nul_in_id.csv",
            "hotel_booking",
            u(text(_with(rows, 2, 3, rid(2)[:5] + "\x00" + rid(2)[5:]))),
            8,
        ),
        ("bom_in_name.csv", "hotel_booking", u(text(_with(rows, 2, 1, "\ufeff李娜"))), 8),
        ("bell_in_name.csv", "hotel_booking", u(text(_with(rows, 2, 1, "李\x07娜"))), 8),
        ("huge_name.csv", "hotel_booking", u(text(_with(rows, 5, 1, "王" * 3_000_000))), 8),
        (
            "formula_cells.csv",
            "hotel_booking",
            u(
                text(
                    _with(
                        _with(rows, 0, 0, '"=HYPERLINK(""http://x"")"'), 1, 1, "=cmd|' /C calc'!A0"
                    )
                )
            ),
            8,
        ),
        (
            "fullwidth_id.csv",
            "hotel_booking",
            u(
                text(
                    _with(
                        rows,
                        1,
                        3,
                        "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in rid(1)),
                    )
                )
            ),
            8,
        ),
        (
            "spaced_id.csv",
            "hotel_booking",
            u(text(_with(rows, 1, 3, rid(1)[:6] + " " + rid(1)[6:14] + "-" + rid(1)[14:]))),
            8,
        ),
        ("excel_mangled_id.csv", "hotel_booking", u(text(_with(rows, 1, 3, "1.10105E+17"))), 8),
        ("legacy_15.csv", "hotel_booking", u(text(_with(rows, 1, 3, "110105850101231"))), 8),
        (
            "masked_id_in_agency.csv",
            "hotel_booking",
            u(text(_with(rows, 1, 3, "1101051985****2315"))),
            8,
        ),
        (
            "bad_check_digit.csv",
            "hotel_booking",
            u(text(_with(rows, 1, 3, rid(1)[:-1] + ("0" if rid(1)[-1] != "0" else "1")))),
            8,
        ),
        (
            "bad_dates.csv",
            "hotel_booking",
            u(text(_with(_with(rows, 1, 5, "不是日期"), 2, 5, "2024-13-45"))),
            8,
        ),
        ("future_date.csv", "hotel_booking", u(text(_with(rows, 1, 5, "2099-01-01"))), 8),
        ("bad_star.csv", "hotel_booking", u(text(_with(rows, 1, 4, "七星"))), 8),
        ("negative_star.csv", "hotel_booking", u(text(_with(rows, 1, 4, "-3"))), 8),
        ("duplicate_ids.csv", "hotel_booking", u(text(_with(rows, 3, 0, "H1"))), 8),
        ("empty_required.csv", "hotel_booking", u(text(_with(rows, 2, 1, "  "))), 8),
        (
            "all_rows_bad.csv",
            "hotel_booking",
            u(text([[f"H{i}", "", "", "", "", "x"] for i in range(5)])),
            5,
        ),
        (
            "mostly_bad_ids.csv",
            "hotel_booking",
            u(text([_with([r], 0, 3, "12345")[0] for r in rows])),
            8,
        ),
        ("duplicate_header.csv", "hotel_booking", u(text(rows, [*HOTEL[:5], "guest_name"])), None),
        ("binary_png.csv", "hotel_booking", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, None),
    ]


def _other_cases() -> list[Case]:
    rows = hotel_rows()
    lines = [json.dumps(dict(zip(HOTEL, r, strict=True)), ensure_ascii=False) for r in rows]
    broken = [*lines[:3], '{"record_id": "H3", "guest_name": ', *lines[4:]]
    lst = list_rows()
    u = lambda s: s.encode("utf-8")  # noqa: E731
    return [
        ("broken_line.jsonl", "hotel_booking", u("\n".join(broken)), None),
        ("not_objects.json", "hotel_booking", u("[1, 2, 3]"), None),
        (
            "mixed_types.jsonl",
            "hotel_booking",
            u(
                "\n".join(
                    [
                        *lines[:4],
                        json.dumps(
                            {"record_id": 5, "guest_name": "王芳", "check_in": "2024-05-01"},
                            ensure_ascii=False,
                        ),
                    ]
                )
            ),
            5,
        ),
        (
            "float_ids.parquet",
            "hotel_booking",
            _parquet(
                pl.DataFrame(
                    {
                        "record_id": ["H1"],
                        "guest_name": ["张伟"],
                        "check_in": ["2024-05-01"],
                        "id_number": [1.1010519850101e17],
                    }
                )
            ),
            1,
        ),
        ("truncated.parquet", "hotel_booking", _parquet(pl.DataFrame({"a": [1]}))[:20], None),
        ("zip_not_xlsx.xlsx", "hotel_booking", b"PK\x03\x04" + b"\x00" * 64, None),
        (
            "cover_sheet.xlsx",
            "hotel_booking",
            _xlsx([("封面", [["酒店住宿登记表"]]), ("数据", [HOTEL, *rows])]),
            8,
        ),
        (
            "split_sheets.xlsx",
            "hotel_booking",
            _xlsx([("一", [HOTEL, *rows[:4]]), ("二", rows[4:])]),
            8,
        ),
        (
            "split_sheets_headed.xlsx",
            "hotel_booking",
            _xlsx([("一", [HOTEL_ZH, *rows[:4]]), ("二", [HOTEL, *rows[4:]])]),
            8,
        ),
        (
            "no_dataset_sheet.xlsx",
            "hotel_booking",
            _xlsx([("封面", [["说明"]]), ("其它", [["甲", "乙"], ["1", "2"]])]),
            None,
        ),
        ("empty_workbook.xlsx", "hotel_booking", _xlsx([("Sheet1", [])]), None),
        (
            "title_row_numbers.xlsx",
            "hotel_booking",
            _xlsx([("表", [["某市酒店住宿登记表"], HOTEL, *rows])], numbers=True),
            8,
        ),
        ("list_removals_only.csv", "dishonest_list", u("名单编号,状态\nE1,撤销\nE2,删除\n"), 2),
        ("list_active_missing_name.csv", "dishonest_list", u(text(_with(lst, 1, 2, ""), LIST)), 6),
        (
            "list_masked_layouts.csv",
            "dishonest_list",
            u(
                text(
                    [
                        _with([r], 0, 3, m)[0]
                        for r, m in zip(
                            lst,
                            [
                                "1101051985****2315",
                                "3302**********0016",
                                "110105********2315",
                                "11010519850312****",
                                "1****************5",
                                "11010585****231",
                            ],
                            strict=True,
                        )
                    ],
                    LIST,
                )
            ),
            6,
        ),
        ("list_bad_party_type.csv", "dishonest_list", u(text(_with(lst, 2, 1, "外星人"), LIST)), 6),
        (
            "list_bare_cr_gbk.csv",
            "dishonest_list",
            text(lst, LIST, end="\r").replace("·", "").encode("gbk"),
            6,
        ),
    ]


def corpus() -> list[Case]:
    """Every bad file, in a stable order."""
    return _csv_cases() + _other_cases()


def write(case: Case, folder: Path) -> Path:
    name, _, data, _ = case
    path = folder / name
    path.write_bytes(data)
    return path


__all__: list[str | Callable] = ["corpus", "write", "NAMES", "rid"]
