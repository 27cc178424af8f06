"""Contract acceptance inputs, file to verdict: a one-line error or quarantine rows."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlsxwriter
from stdnum.cn import ric

from data_contracts import validate
from data_contracts.config import ContractSettings
from pipelines.errors import CredsweepError
from pipelines.ingest import read_dataset

HEAD = "记录编号,旅客姓名,证件类型,证件号码,酒店名称,星级,房价,入住时间\n"
GOOD = "11010519850101231" + ric.calc_check_digit("11010519850101231" + "0")


def _row(rid: str, id_number: str = GOOD, check_in: str = "2024-05-01 14:00") -> str:
    return f"{rid},张伟,身份证,{id_number},某某大酒店,4,388,{check_in}\n"


def sweep(path: Path) -> tuple[str | None, dict[int, str]]:
    """(one-line error, or None) and {row: reason} for one hotel file, as the sweep would see it."""
    try:
        raw = read_dataset(path, "hotel_booking")
        res = validate("hotel_booking", raw, run_id="2024-05-02", settings=ContractSettings())
    except CredsweepError as exc:
        assert "\n" not in str(exc)
        return str(exc), {}
    assert raw.height == res.clean.height + res.quarantine.height
    return None, dict(zip(res.quarantine["row"], res.quarantine["reason"], strict=True))


def _csv(tmp_path: Path, body: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "hotel.csv"
    path.write_bytes((HEAD + body).encode(encoding))
    return path


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", "0 bytes"),
        ("记录编号,证件号码,入住时间\nH1,x,2024-05-01\n".encode(), "guest_name (旅客姓名)"),
        (
            (HEAD + "".join(_row(f"H{i}", "12345") for i in range(3)) + _row("H9")).encode(),
            "unusable",
        ),
        ((HEAD + _row("H1", check_in="x") + _row("H2", check_in="y")).encode(), "all 2 rows"),
    ],
    ids=["empty", "required-missing", "mostly-bad-ids", "nothing-left"],
)
def test_refusals(tmp_path: Path, content: bytes, error: str) -> None:
    path = tmp_path / "hotel.csv"
    path.write_bytes(content)
    message, _ = sweep(path)
    assert message is not None and error in message


def test_gbk_file_with_bad_rows(tmp_path: Path) -> None:
    body = (
        _row("H1")
        + _row("H2", "1101051985****2315")
        + _row("H3", "11010519850101")
        + _row("H1")
        + _row("H5", check_in="2023-13-45")
        + _row("H6")
    )
    message, reasons = sweep(_csv(tmp_path, body, "gbk"))
    assert message is None
    # rows 2 and 3 keep their place (their numbers are lost evidence, flagged, not quarantined)
    assert reasons == {
        4: "duplicate:record_id 编号重复",
        5: "bad_date:check_in 日期无效",
    }


def test_xlsx_with_title_row_and_mangled_id(tmp_path: Path) -> None:
    path = tmp_path / "hotel.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet()
    ws.merge_range(0, 0, 0, 7, "某市旅馆业住宿登记（2024年5月）")
    ws.write_row(1, 0, HEAD.strip().split(","))
    ws.write_row(2, 0, _row("H1").strip().split(","))
    ws.write_row(3, 0, _row("H2").strip().split(","))
    ws.write_number(3, 3, 110105198501012315)
    wb.close()
    message, reasons = sweep(path)
    assert message is None
    assert reasons == {}  # the mangled number is lost evidence; the booking is still screened
