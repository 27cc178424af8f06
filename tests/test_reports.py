"""Agency reports: Chinese headers, frozen header, autofilter, BOM CSV, masking, isolation."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from pipelines.ingest.listing import apply_list
from pipelines.sanctions.alerts import alert_id_expr, mark_sent, sync_alerts
from pipelines.sanctions.config import AgencySettings
from pipelines.sanctions.reports import write_agency_reports
from pipelines.settings import default_settings
from pipelines.storage.warehouse import Warehouse

FRI, MON = date(2024, 3, 1), date(2024, 3, 4)
FULL_ID = "110105198503072315"


def agency(name: str) -> AgencySettings:
    return default_settings().agencies[name]  # type: ignore[index]


def hits(agency_name: str, role: str = "guest", *rows: tuple[str, str, bool]) -> pl.DataFrame:
    frame = pl.DataFrame(
        [
            {
                "agency": agency_name,
                "record_id": r,
                "role": role,
                "query_role": role,
                "entry_id": e,
                "list_role": "debtor",
                "match_score": 0.991234,
                "match_decision": "match",
                "pair_key": f"{r}|{e}",
                "intercept": hit,
                "rule_id": "X",
                "reason": "确认匹配；应予拦截",
                "legal_basis": "第三条",
                "action": "拒绝办理",
                "deadline_working_days": 1,
                "explanation_zh": "身份证号一致",
                "list_type": "dishonest",
                "case_no": "(2023)京01执1号",
                "court": "北京市第一中级人民法院",
                "query_name": "张小伟",
                "query_id_number": FULL_ID,
            }
            for r, e, hit in rows
        ]
    )
    return frame.with_columns(alert_id_expr().alias("alert_id"))


@pytest.fixture
def wh() -> Warehouse:
    w = Warehouse(":memory:")
    w.migrate()
    apply_list(
        w,
        pl.DataFrame({"entry_id": ["E1", "E2"], "party_type": ["person"] * 2}),
        run_date=FRI,
        mode="snapshot",
        source="s.csv",
    )
    return w


def run_night(
    wh: Warehouse, outbox: Path, agency_name: str, frame: pl.DataFrame, run_date: date = FRI
) -> list[Path]:
    sync_alerts(wh, agency_name, run_date, frame.filter(pl.col("intercept")), set())
    return write_agency_reports(wh, agency_name, run_date, frame, agency(agency_name), outbox)


def test_excel_report_has_chinese_frozen_filtered_header_and_masked_id(
    wh: Warehouse, tmp_path: Path
) -> None:
    frame = hits("hotel_booking", "guest", ("R1", "E1", True), ("R2", "E2", False))
    paths = run_night(wh, tmp_path, "hotel_booking", frame)
    folder = tmp_path / "hotel_booking" / "2024-03-01"
    assert {p.name for p in paths} == {
        "hits.xlsx",
        "hits.csv",
        "hits.json",
        "withdrawals.csv",
        "withdrawals.json",
    }
    assert all(p.parent == folder for p in paths)
    book = openpyxl.load_workbook(folder / "hits.xlsx")
    sheet = book["拦截预警"]
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["预警编号", "预警状态", "记录编号", "身份", "姓名/名称", "证件号码"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref is not None and sheet.auto_filter.ref.startswith("A1:")
    assert sheet.max_row == 2  # only the intercepted hit
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert row["身份"] == "旅客" and row["匹配结论"] == "自动匹配" and row["预警状态"] == "新增"
    assert row["姓名/名称"] == "张*伟" and row["证件号码"] == "110105********2315"
    assert row["匹配概率"] == 0.991 and row["处置期限"].date() == MON
    assert sheet.column_dimensions["L"].width > 10
    assert "撤回预警" in book.sheetnames


def test_csv_starts_with_bom_and_json_keeps_chinese(wh: Warehouse, tmp_path: Path) -> None:
    run_night(wh, tmp_path, "hotel_booking", hits("hotel_booking", "guest", ("R1", "E1", True)))
    folder = tmp_path / "hotel_booking" / "2024-03-01"
    raw = (folder / "hits.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").splitlines()[0].startswith("预警编号,预警状态,记录编号")
    text = (folder / "hits.json").read_text(encoding="utf-8")
    assert "确认匹配" in text  # ensure_ascii=False
    doc = json.loads(text)
    assert (doc["agency"], doc["count"], doc["hits"][0]["deadline"]) == (
        "hotel_booking",
        1,
        "2024-03-04",
    )


def test_full_id_only_for_agencies_that_need_it(wh: Warehouse, tmp_path: Path) -> None:
    run_night(
        wh,
        tmp_path,
        "civil_service_candidate",
        hits("civil_service_candidate", "candidate", ("R1", "E1", True)),
    )
    doc = json.loads(
        (tmp_path / "civil_service_candidate" / "2024-03-01" / "hits.json").read_text(
            encoding="utf-8"
        )
    )
    assert doc["hits"][0]["id_number"] == FULL_ID
    assert doc["hits"][0]["name"] == "张*伟"


def test_foreign_agency_row_stops_the_report(wh: Warehouse, tmp_path: Path) -> None:
    mixed = pl.concat(
        [
            hits("hotel_booking", "guest", ("R1", "E1", True)),
            hits("school_enrollment", "guardian", ("R9", "E1", True)),
        ]
    )
    with pytest.raises(ValueError, match="do not belong"):
        write_agency_reports(wh, "hotel_booking", FRI, mixed, agency("hotel_booking"), tmp_path)
    assert not (tmp_path / "hotel_booking").exists()


def test_rerun_overwrites_cleanly_and_withdrawals_are_reported(
    wh: Warehouse, tmp_path: Path
) -> None:
    frame = hits("hotel_booking", "guest", ("R1", "E1", True))
    first = [
        p.read_bytes()
        for p in run_night(wh, tmp_path, "hotel_booking", frame)
        if p.suffix != ".xlsx"
    ]
    again = [
        p.read_bytes()
        for p in run_night(wh, tmp_path, "hotel_booking", frame)
        if p.suffix != ".xlsx"
    ]
    assert first == again
    assert not list((tmp_path / "hotel_booking" / "2024-03-01").glob(".*tmp"))
    mark_sent(wh, "hotel_booking", FRI)
    apply_list(
        wh,
        pl.DataFrame({"entry_id": ["E1"], "status": ["removed"], "removed_on": [date(2024, 3, 2)]}),
        run_date=MON,
        mode="delta",
        source="d.csv",
    )
    empty = frame.clear()
    run_night(wh, tmp_path, "hotel_booking", empty, MON)
    folder = tmp_path / "hotel_booking" / "2024-03-04"
    withdrawn = json.loads((folder / "withdrawals.json").read_text(encoding="utf-8"))
    assert withdrawn["count"] == 1
    assert withdrawn["withdrawals"][0]["reason"] == "名单已撤销（2024-03-02），撤回预警"
    sheet = openpyxl.load_workbook(folder / "hits.xlsx")["撤回预警"]
    assert [c.value for c in sheet[1]][-1] == "撤回原因" and sheet.max_row == 2
