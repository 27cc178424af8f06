"""End to end through the `credsweep sweep` contract of docs/cli.md, over generated data."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli.app import app
from pipelines.settings import agency_settings, default_settings

AGENCIES = ("hotel_booking", "school_enrollment", "subsidy_application", "civil_service_candidate")
RUN_DATE = "2026-11-20"


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipelines.synth import generate

    out = tmp_path_factory.mktemp("synth")
    generate(out, size=1500, seed=11)
    return out


def _lists(root: Path) -> list[str]:
    files = sorted((root / "lists").iterdir())
    snap = [p for p in files if p.stem.startswith("snapshot")]
    return [str(p) for p in snap + [p for p in files if p not in snap]]


def _input(root: Path, agency: str) -> str:
    return str(next((root / "agencies").glob(f"{agency}.*")))


def _sweep(root: Path, agency: str, out: Path, *extra: str):
    args = [
        "sweep",
        "--agency",
        agency,
        "--input",
        _input(root, agency),
        "--out",
        str(out),
        "--run-date",
        RUN_DATE,
        *extra,
    ]
    for path in _lists(root):
        args += ["--list", path]
    return CliRunner().invoke(app, args)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("agency", AGENCIES)
def test_sweep_writes_the_contracted_outputs(synth_dir: Path, tmp_path: Path, agency: str) -> None:
    result = _sweep(synth_dir, agency, tmp_path / "out")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    hits = _rows(tmp_path / "out" / "hits.csv")
    quarantine = _rows(tmp_path / "out" / "quarantine.csv")
    assert summary["records_in"] == summary["records_processed"] + summary["records_quarantined"]
    assert summary["records_quarantined"] == len(quarantine)
    assert summary["matches"] + summary["reviews"] == len(hits)
    assert summary["intercepts"] == sum(h["intercept"] == "true" for h in hits)
    assert summary["matches"] > 0
    required = {
        "agency",
        "record_id",
        "role",
        "entry_id",
        "match_decision",
        "match_score",
        "intercept",
        "rule_id",
        "reason",
    }
    assert required <= set(hits[0])
    assert {h["agency"] for h in hits} == {agency}
    assert all(0.0 <= float(h["match_score"]) <= 1.0 for h in hits)
    assert {h["match_decision"] for h in hits} <= {"match", "review"}
    assert all(q["reason"] for q in quarantine)
    # `role` names the listed capacity (legal_rep); `query_role` the person screened in the record
    screened = {r.role for r in agency_settings(default_settings(), agency).roles}
    assert {h["query_role"] for h in hits} <= screened
    assert all(h["query_role"] == h["role"] for h in hits if h["role"] != "legal_rep")


def test_rerun_on_same_warehouse_is_idempotent(synth_dir: Path, tmp_path: Path) -> None:
    wh = tmp_path / "wh.duckdb"
    first = _sweep(synth_dir, "hotel_booking", tmp_path / "a", "--warehouse", str(wh))
    second = _sweep(synth_dir, "hotel_booking", tmp_path / "b", "--warehouse", str(wh))
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert (tmp_path / "a" / "hits.csv").read_bytes() == (tmp_path / "b" / "hits.csv").read_bytes()
    import duckdb

    con = duckdb.connect(str(wh), read_only=True)
    total, distinct = con.execute(
        "select count(*), count(distinct alert_id) from alerts"
    ).fetchall()[0]
    con.close()
    intercepts = sum(h["intercept"] == "true" for h in _rows(tmp_path / "a" / "hits.csv"))
    assert total == distinct == intercepts > 0

    def stable(name: str) -> dict:
        summary = json.loads((tmp_path / name / "summary.json").read_text(encoding="utf-8"))
        # timings and memory vary run to run; everything else must not
        volatile = ("duration_s", "reports", "match_stats", "stage_s", "peak_rss_mb")
        volatile += ("peak_rss_after_stage_mb",)
        return {k: v for k, v in summary.items() if k not in volatile}

    assert stable("a") == stable("b")


def test_removed_entries_are_never_intercepted(synth_dir: Path, tmp_path: Path) -> None:
    import polars as pl

    truth = pl.read_parquet(synth_dir / "truth" / "matches.parquet")
    removed = set(
        truth.filter(pl.col("noise") == "removed_entry").get_column("entry_id").drop_nulls()
    )
    assert removed, "the generator must plant hits on removed entries"
    for agency in ("hotel_booking", "school_enrollment"):
        out = tmp_path / agency
        assert _sweep(synth_dir, agency, out).exit_code == 0
        hits = _rows(out / "hits.csv")
        assert not [h for h in hits if h["entry_id"] in removed and h["intercept"] == "true"]


def test_unknown_agency_is_a_one_line_error(synth_dir: Path, tmp_path: Path) -> None:
    result = _sweep(
        synth_dir, "hotel_booking", tmp_path / "o", "--settings", str(tmp_path / "nope.yaml")
    )
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    bad = CliRunner().invoke(
        app,
        [
            "sweep",
            "--agency",
            "casino",
            "--list",
            _lists(synth_dir)[0],
            "--input",
            _input(synth_dir, "hotel_booking"),
            "--out",
            str(tmp_path),
        ],
    )
    assert bad.exit_code == 2
    assert "unknown agency" in bad.output and len(bad.output.strip().splitlines()) == 1


def test_missing_required_column_stops_with_one_line(tmp_path: Path, synth_dir: Path) -> None:
    broken = tmp_path / "hotel.csv"
    broken.write_text(
        "record_id,hotel_name,check_in\nH1,某酒店,2026-11-20 10:00\n", encoding="utf-8"
    )
    result = CliRunner().invoke(
        app,
        [
            "sweep",
            "--agency",
            "hotel_booking",
            "--list",
            _lists(synth_dir)[0],
            "--input",
            str(broken),
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 2
    assert "guest_name" in result.output and "Traceback" not in result.output


def test_summary_times_every_stage(synth_dir: Path, tmp_path: Path) -> None:
    result = _sweep(synth_dir, "hotel_booking", tmp_path / "t")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "t" / "summary.json").read_text(encoding="utf-8"))
    stages = summary["stage_s"]
    for name in ("read_list", "contract_list", "listing", "contract_agency", "match", "reports"):
        assert stages[name] >= 0.0
    # the stages (with `other`) account for the whole run, to rounding
    assert abs(sum(stages.values()) - summary["duration_s"]) < 0.05
    assert summary["peak_rss_mb"] > 0


def test_rerun_persists_hits_quarantine_and_run_once(synth_dir: Path, tmp_path: Path) -> None:
    wh = tmp_path / "wh.duckdb"
    for out in ("a", "b"):
        result = _sweep(synth_dir, "hotel_booking", tmp_path / out, "--warehouse", str(wh))
        assert result.exit_code == 0, result.output
    import duckdb

    con = duckdb.connect(str(wh), read_only=True)
    hits, distinct = con.execute(
        "select count(*), count(distinct (record_id, role, entry_id)) from hits"
    ).fetchall()[0]
    quarantined = con.execute("select count(*) from quarantine").fetchall()[0][0]
    runs = con.execute("select run_id, summary from runs").fetchall()
    con.close()
    summary = json.loads((tmp_path / "b" / "summary.json").read_text(encoding="utf-8"))
    assert hits == distinct == len(_rows(tmp_path / "b" / "hits.csv")) > 0
    rejected = len(_rows(tmp_path / "b" / "quarantine.csv"))
    assert quarantined == summary["records_quarantined"] == rejected
    assert len(runs) == 1 and json.loads(runs[0][1])["records_in"] == summary["records_in"]
