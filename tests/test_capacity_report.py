"""Court reports (XLSX per court, HTML with inline SVG) and reading sweep hits."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import polars as pl

from data_contracts.config import ContractSettings
from matching.config import MatchThresholds
from pipelines.capacity import assess
from pipelines.capacity.inputs import read_consumption
from pipelines.capacity.report import write_reports
from tests.test_capacity_helpers import AS_OF
from tests.test_capacity_model import MODEL, _scenario


def test_xlsx_per_court_and_html(tmp_path: Path) -> None:
    ents, wel, ast, cons = _scenario()
    ents = ents.with_columns(
        pl.when(pl.col("entry_id") == "NONE")
        .then(pl.lit("上海市浦东新区人民法院"))
        .otherwise(pl.col("court"))
        .alias("court")
    )
    table, _ = assess(
        ents,
        welfare=wel,
        assets=ast,
        consumption=cons,
        as_of=AS_OF,
        model=MODEL,
        match_thresholds=MatchThresholds(),
    )
    paths = write_reports(table, ents, tmp_path, as_of=AS_OF, model=MODEL)
    xlsx = sorted(p.name for p in paths if p.suffix == ".xlsx")
    assert xlsx == ["上海市浦东新区人民法院.xlsx", "北京市朝阳区人民法院.xlsx"]
    ws = openpyxl.load_workbook(tmp_path / "reports" / "北京市朝阳区人民法院.xlsx").active
    assert ws is not None
    assert [c.value for c in ws[2]][:3] == ["名单编号", "被执行人", "证件号码（脱敏）"]
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref is not None
    first = [c.value for c in ws[3]]
    assert first[0] == "RICH" and first[5] == "失信"  # 失信 first, for priority enforcement
    assert "11010519850312231X" not in str(first[2])  # IDs masked
    html = (tmp_path / "capacity_report.html").read_text(encoding="utf-8")
    assert html.count("<svg") == 3 and "各法院分类情况" in html and "<script" not in html
    # the legend states the cut-offs in force, not fixed bands
    cut = MODEL.thresholds
    assert f"失信（评分≥{cut.dishonest:g}）" in html and f"失能（评分≤{cut.incapable:g}）" in html
    # every court is listed and has a drill-down page with its debtors
    for court in ("上海市浦东新区人民法院", "北京市朝阳区人民法院"):
        assert f'href="reports/{court}.html"' in html
        page = (tmp_path / "reports" / f"{court}.html").read_text(encoding="utf-8")
        assert court in page and "未履行金额合计" in page


def test_other_thresholds_change_the_legend(tmp_path: Path) -> None:
    ents, wel, ast, cons = _scenario()
    model = MODEL.model_copy(
        update={"thresholds": MODEL.thresholds.model_copy(update={"dishonest": 66.5})}
    )
    table, _ = assess(
        ents,
        welfare=wel,
        assets=ast,
        consumption=cons,
        as_of=AS_OF,
        model=model,
        match_thresholds=MatchThresholds(),
    )
    write_reports(table, ents, tmp_path, as_of=AS_OF, model=model)
    html = (tmp_path / "capacity_report.html").read_text(encoding="utf-8")
    assert "失信（评分≥66.5）" in html and "评分 ≥ 66.5" in html


def test_hits_read_with_details_or_from_the_rule_verdict(tmp_path: Path) -> None:
    with_details = tmp_path / "hotel"
    with_details.mkdir()
    (with_details / "hits.csv").write_text(
        "agency,record_id,role,entry_id,match_decision,match_score,intercept,rule_id,reason,"
        "hotel_star,room_rate,check_in\n"
        "hotel_booking,H1,guest,E1,match,0.99,true,R,x,5,1800,2025-06-01 20:00:00\n"
        "hotel_booking,H2,guest,E2,review,0.70,true,R,x,5,1800,2025-06-01 20:00:00\n",
        encoding="utf-8",
    )
    bare = tmp_path / "school"
    bare.mkdir()
    (bare / "hits.csv").write_text(
        "agency,record_id,role,entry_id,match_decision,match_score,intercept,rule_id,reason\n"
        "school_enrollment,S1,guardian,E3,match,0.99,true,R,x\n",
        encoding="utf-8",
    )
    (bare / "summary.json").write_text('{"run_date": "2025-06-20"}', encoding="utf-8")
    cons = read_consumption([with_details, bare], ContractSettings.model_validate({}))
    rows = {r["entry_id"]: r for r in cons.iter_rows(named=True)}
    assert set(rows) == {"E1", "E3"}  # review pairs are not yet the debtor
    assert rows["E1"]["hotel_star"] == 5 and str(rows["E1"]["event_date"]) == "2025-06-01"
    assert rows["E3"]["school_type"] == "private" and str(rows["E3"]["event_date"]) == "2025-06-20"


def test_future_enrolment_is_dated_by_the_sweep_that_found_it(tmp_path: Path) -> None:
    school = tmp_path / "school"
    school.mkdir()
    (school / "hits.csv").write_text(
        "agency,record_id,role,entry_id,match_decision,match_score,intercept,rule_id,reason,"
        "school_type,annual_fee,enrolled_on\n"
        "school_enrollment,S1,guardian,E1,match,0.99,true,R,x,private,28300,2025-09-01\n",
        encoding="utf-8",
    )
    (school / "summary.json").write_text('{"run_date": "2025-06-30"}', encoding="utf-8")
    cons = read_consumption([school], ContractSettings.model_validate({}))
    assert str(cons["event_date"][0]) == "2025-06-30" and cons["annual_fee"][0] == 28300.0
