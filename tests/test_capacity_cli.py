"""`credsweep capacity` end to end on small files: the docs/cli.md contract and its errors."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

LIST_HEADER = (
    "名单编号,主体类型,被执行人姓名/名称,性别,年龄,身份证号码/组织机构代码,执行法院,案号,"
    "失信被执行人行为具体情形,发布时间,未履行金额,已履行金额,状态\n"
)
LIST_ROWS = [
    "E1,自然人,张伟,男,40,11010519850312231X,北京市朝阳区人民法院,(2023)京0105执1号,隐匿、转移财产,2023-06-30,100000,0,有效",
    "E2,自然人,王芳,女,75,110105195001011236,北京市朝阳区人民法院,(2023)京0105执2号,违反财产报告制度,2023-06-30,50000,0,有效",
    "E3,自然人,刘洋,男,30,3302**********0016,上海市浦东新区人民法院,(2024)沪0115执3号,有履行能力而拒不履行,2024-01-10,20000,0,有效",
    "E4,自然人,李娜,女,33,110105199001011234,北京市朝阳区人民法院,(2022)京0105执4号,有履行能力而拒不履行,2022-01-10,20000,0,有效",
]


def write_inputs(root: Path) -> dict[str, Path]:
    """A snapshot, a delta removing E4, welfare, assets and one sweep's hits."""
    root.mkdir(parents=True, exist_ok=True)
    snap, delta = root / "snapshot.csv", root / "delta_001.csv"
    snap.write_text(LIST_HEADER + "\n".join(LIST_ROWS) + "\n", encoding="utf-8-sig")
    delta.write_text(
        "名单编号,主体类型,被执行人姓名/名称,状态,撤销日期\nE4,自然人,李娜,撤销,2025-06-01\n",
        encoding="utf-8",
    )
    welfare = root / "welfare_status.csv"
    welfare.write_text(
        "身份证号,姓名,类型,起始日期,终止日期\n110105195001011236,王芳,低保,2022-01-01,\n",
        encoding="gb18030",
    )
    assets = root / "asset_inquiry.csv"
    assets.write_text(
        "id_number,name,asset_type,value,queried_on\n"
        "11010519850312231X,张伟,real_estate,1000000,2025-06-01\n"
        "11010519850312231X,张伟,real_estate,800000,2025-06-01\n"
        "110105195001011236,王芳,none,,2025-06-01\n",
        encoding="utf-8",
    )
    hits = root / "hotel"
    hits.mkdir(exist_ok=True)
    (hits / "hits.csv").write_text(
        "agency,record_id,role,entry_id,match_decision,match_score,intercept,rule_id,reason,"
        "hotel_star,room_rate,check_in\n"
        + "".join(
            f"hotel_booking,H{d},guest,E1,match,0.99,true,R,x,5,1800,2025-06-{d:02d} 20:00:00\n"
            for d in (1, 8, 15)
        ),
        encoding="utf-8",
    )
    return {"snap": snap, "delta": delta, "welfare": welfare, "assets": assets, "hits": hits}


def _app():  # the registered CLI when present, else the command under the same error wrapper
    import typer

    from pipelines.capacity.command import capacity
    from pipelines.cli.app import one_line_errors

    app = typer.Typer()
    app.command()(one_line_errors(capacity))
    return app


def _run(args: list[str]):
    return CliRunner().invoke(_app(), args)


def test_capacity_contract(tmp_path: Path) -> None:
    f = write_inputs(tmp_path / "in")
    out = tmp_path / "out"
    result = _run(
        [
            "--list",
            str(f["snap"]),
            "--list",
            str(f["delta"]),
            "--welfare",
            str(f["welfare"]),
            "--assets",
            str(f["assets"]),
            "--hits",
            str(f["hits"]),
            "--out",
            str(out),
            "--as-of",
            "2025-06-30",
        ]
    )
    assert result.exit_code == 0, result.output
    with (out / "capacity.csv").open(encoding="utf-8-sig") as fh:
        rows = {r["entry_id"]: r for r in csv.DictReader(fh)}
    assert set(rows) == {"E1", "E2", "E3"}  # E4 removed by the delta
    assert {"entry_id", "capacity_score", "capacity_class", "evidence", "action"} <= set(rows["E1"])
    assert all(0 <= float(r["capacity_score"]) <= 100 for r in rows.values())
    assert rows["E1"]["capacity_class"] == "dishonest" and "五星级酒店3次" in rows["E1"]["evidence"]
    assert rows["E2"]["capacity_class"] == "incapable"
    assert rows["E3"]["capacity_class"] == "uncertain"
    assert (
        len(list((out / "reports").glob("*.xlsx"))) == 2
        and (out / "capacity_report.html").is_file()
    )
    # one summary line naming the report, not every file written
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].endswith(str(out / "capacity_report.html"))


def test_rerun_gives_the_same_file(tmp_path: Path) -> None:
    f = write_inputs(tmp_path / "in")
    base = [
        "--list",
        str(f["snap"]),
        "--welfare",
        str(f["welfare"]),
        "--assets",
        str(f["assets"]),
        "--no-reports",
    ]
    a, b = tmp_path / "a", tmp_path / "b"
    assert _run([*base, "--out", str(a)]).exit_code == 0
    assert _run([*base, "--out", str(b)]).exit_code == 0
    assert (a / "capacity.csv").read_bytes() == (b / "capacity.csv").read_bytes()


@pytest.mark.parametrize(
    ("bad", "needle"),
    [("missing_file", "not found"), ("bad_date", "--as-of"), ("bad_hits", "hits.csv")],
)
def test_bad_input_is_one_line_non_zero(tmp_path: Path, bad: str, needle: str) -> None:
    f = write_inputs(tmp_path / "in")
    args = [
        "--list",
        str(f["snap"]),
        "--welfare",
        str(f["welfare"]),
        "--assets",
        str(f["assets"]),
        "--out",
        str(tmp_path / "out"),
    ]
    if bad == "missing_file":
        args[1] = str(tmp_path / "nope.csv")
    elif bad == "bad_date":
        args += ["--as-of", "30/06/2025"]
    else:
        args += ["--hits", str(tmp_path)]
    result = _run(args)
    assert result.exit_code != 0
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in result.output
