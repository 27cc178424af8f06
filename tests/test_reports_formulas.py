"""Reports safe to open: no text cell of any CSV we write can start a spreadsheet formula.

A crafted court list and agency file put `=HYPERLINK(...)`, `+`, `-`, `@`, tab and CR at the
start of ids, names, case numbers and court names; the sweep's outbox CSVs, its XLSX, its
machine `hits.csv` and the agency download must carry none of them live, and the machine file
must give the original values back through `restore`.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from stdnum.cn import ric

from pipelines.sanctions.reports import download_rows
from pipelines.settings import default_settings
from pipelines.storage.cellsafe import TRIGGERS, neutral, restore, restore_frame
from pipelines.sweep.run import SweepRequest, run_sweep

EVIL = '=HYPERLINK("http://evil.example/x","点我")'
NIGHT = date(2026, 11, 20)


def _rid(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


@pytest.mark.parametrize(
    "value",
    ["=1+1", "+86", "-3", "@SUM(A1)", "\tx", "\rx", "'=x", "''+x", "'plain", "plain", "", "中文"],
)
def test_neutral_is_safe_and_reversible(value: str) -> None:
    shown = neutral(value)
    assert shown is not None and not shown.startswith(TRIGGERS)
    assert restore(shown) == value
    if not value.lstrip("'").startswith(TRIGGERS):
        assert shown == value  # ordinary values are written exactly as they are


def _world(tmp: Path) -> tuple[Path, Path]:
    ids = [_rid("11010519850307231"), _rid("33020219900202001")]
    lists = tmp / "list.csv"
    lists.write_text(
        "名单编号,主体类型,被执行人姓名/名称,身份证号码/组织机构代码,执行法院,案号\n"
        f'"@E1",自然人,张伟,{ids[0]},"{EVIL.replace(chr(34), chr(34) * 2)}",-（2024）执1号\n'
        f"+E2,自然人,=王芳,{ids[1]},+某法院,@案\n",
        encoding="utf-8",
    )
    hotel = tmp / "hotel.csv"
    hotel.write_text(
        "记录编号,旅客姓名,证件类型,证件号码,星级,入住时间\n"
        f'"{EVIL.replace(chr(34), chr(34) * 2)}",张伟,身份证,{ids[0]},4,2026-11-19 20:00\n'
        f"-H2,=王芳,身份证,{ids[1]},5,2026-11-19 21:00\n",
        encoding="utf-8",
    )
    return lists, hotel


def _cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [cell for row in csv.reader(fh) for cell in row]


def test_sweep_outputs_carry_no_live_formula(tmp_path: Path) -> None:
    lists, hotel = _world(tmp_path)
    out = tmp_path / "out"
    summary = run_sweep(
        SweepRequest("hotel_booking", [lists], hotel, out, NIGHT, default_settings())
    ).summary
    assert summary["intercepts"] == 2
    folder = out / "outbox" / "hotel_booking" / NIGHT.isoformat()
    written = [out / "hits.csv", out / "quarantine.csv", *folder.glob("*.csv")]
    for path in written:
        assert not [c for c in _cells(path) if c.startswith(TRIGGERS)], path.name
    report = _cells(folder / "hits.csv")
    assert "'" + EVIL in report and "'-H2" in report and "'+某法院" in report
    book = openpyxl.load_workbook(folder / "hits.xlsx")
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
    values = {c.value for c in book.worksheets[0][3]} | {c.value for c in book.worksheets[0][2]}
    assert EVIL in values  # as text: shown, never evaluated
    machine = restore_frame(pl.read_csv(out / "hits.csv", infer_schema=False))
    assert sorted(machine["record_id"].to_list()) == sorted([EVIL, "-H2"])
    assert sorted(machine["entry_id"].to_list()) == ["+E2", "@E1"]


def test_agency_download_is_masked_like_the_outbox_and_neutral() -> None:
    hits = pl.DataFrame(
        {
            "record_id": [EVIL],
            "query_name": ["张伟"],
            "query_id_number": [_rid("11010519850307231")],
            "list_name": ["=王芳"],
            "list_id_number": ["1101051985****2315"],
            "match_score": [0.99],
        }
    )
    settings = default_settings()
    hotel = download_rows(hits, settings.agencies["hotel_booking"]).row(0, named=True)
    assert hotel["record_id"] == "'" + EVIL
    assert hotel["query_name"] != "张伟" and "伟" not in hotel["query_name"]
    assert hotel["query_id_number"] != hits["query_id_number"][0]
    assert not hotel["list_name"].startswith(TRIGGERS)
    full = [n for n, a in settings.agencies.items() if a.needs_full_id][0]
    kept = download_rows(hits, settings.agencies[full]).row(0, named=True)
    assert kept["query_id_number"] == hits["query_id_number"][0]
