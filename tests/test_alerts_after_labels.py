"""End to end: after analyst labels, the ledger and the agency's outbox still agree.

Night 1 raises alerts. The agency disputes one as a false match and the analyst confirms that
through the review store (as the workbench does); with calibration settings that let a handful
of labels move the thresholds, that label raises the match threshold, so night 2 no longer
intercepts some pairs it intercepted on night 1. Every alert that leaves the report must then be
withdrawn with a reason, and the ledger's open alerts must be exactly the ones night 2 reports.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml

from pipelines.review.models import Decision, QueueFilter, Role, User
from pipelines.review.store import ReviewStore
from pipelines.sanctions.alert_lifecycle import OPEN, transitions_of
from pipelines.sanctions.alerts import alerts_of
from pipelines.settings import DEFAULT_SETTINGS
from pipelines.storage.warehouse import Warehouse
from tests.sweep_helpers import cli_sweep, generated_world

AGENCY = "hotel_booking"
NIGHT_1, NIGHT_2 = "2025-07-01", "2025-07-02"
ANALYST = User("analyst1", Role.ANALYST)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_world(tmp_path_factory, size=2500, seed=5, formats="csv")


@pytest.fixture()
def few_labels_move(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings where one decided label is enough to move the thresholds."""
    raw = yaml.safe_load(DEFAULT_SETTINGS.read_text(encoding="utf-8"))
    raw["calibration"]["min_labels"] = 1
    raw["calibration"]["labels_move_thresholds"] = True
    path = tmp_path / "credsweep.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("CREDSWEEP_SETTINGS", str(path))


def _sweep(world: Path, base: Path, night: str) -> dict:
    out = cli_sweep(world, base / night, night, base / "wh.duckdb", base / "review.duckdb")
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def _report_alerts(base: Path, night: str) -> set[str]:
    path = base / night / "outbox" / AGENCY / night / "hits.csv"
    with path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    column = rows[0].index("预警编号")
    return {r[column] for r in rows[1:]}


def _matched_hits(base: Path, night: str) -> list[dict[str, str]]:
    with (base / night / "hits.csv").open(encoding="utf-8") as fh:
        return [h for h in csv.DictReader(fh) if h["intercept"] == "true"]


@pytest.mark.usefixtures("few_labels_move")
def test_alerts_leaving_the_report_are_withdrawn(world: Path, tmp_path: Path) -> None:
    _sweep(world, tmp_path, NIGHT_1)
    night_1 = _report_alerts(tmp_path, NIGHT_1)
    assert night_1, "the generated night should raise alerts"

    # The agency disputes an automatic intercept a quarter of the way up the score scale; the
    # analyst confirms it is a false match. That label disproves the match threshold and raises
    # it above the disputed pair, taking the intercepts scored below it along.
    intercepts = sorted(
        (h for h in _matched_hits(tmp_path, NIGHT_1) if h["match_decision"] == "match"),
        key=lambda h: float(h["match_score"]),
    )
    disputed = intercepts[len(intercepts) // 4]
    store = ReviewStore(tmp_path / "review.duckdb")
    outcome = {"alert_id": disputed["alert_id"], "outcome": "false_match", "note": "证件照不符"}
    assert store.record_outcomes(AGENCY, [outcome], username="hotel1").disputed == 1
    queue = store.queue(QueueFilter(agency=AGENCY))
    item = next(q for q in queue if q["kind"] == "disputed")
    store.decide(
        ANALYST, [item["item_id"]], Decision.NEGATIVE, note="不同人", client_ip="127.0.0.1"
    )

    summary = _sweep(world, tmp_path, NIGHT_2)
    feedback = summary["feedback"]
    assert feedback["labels_used"] >= 1
    assert feedback["thresholds_source"] == "labels", feedback
    night_2 = _report_alerts(tmp_path, NIGHT_2)
    gone = night_1 - night_2
    # the label moved more than the one pair: other alerts left the report too
    assert len(gone) > 1, "the raised threshold should demote more than the disputed pair"

    wh = Warehouse(tmp_path / "wh.duckdb")
    ledger = alerts_of(wh, AGENCY)
    open_ids = set(ledger.filter(ledger["status"].is_in([s.value for s in OPEN]))["alert_id"])
    assert open_ids == night_2
    steps = transitions_of(wh, AGENCY)
    withdrawn = steps.filter(
        steps["to_status"].is_in(["withdrawn", "suppressed"])
        & (steps["on_date"].cast(str) == NIGHT_2)
    )
    reasons = {r["alert_id"]: r["note"] for r in withdrawn.iter_rows(named=True)}
    # the disputed alert was closed by the agency's own outcome before night 2 screened it
    closed = ledger.filter(ledger["alert_id"] == disputed["alert_id"])
    assert closed["status"].to_list() == ["false_match"]
    pulled = gone - {disputed["alert_id"]}
    assert pulled <= set(reasons), sorted(pulled - set(reasons))
    assert all(reasons[a] for a in pulled)
    # the withdrawal report tells the agency which alerts left and why
    path = tmp_path / NIGHT_2 / "outbox" / AGENCY / NIGHT_2 / "withdrawals.csv"
    with path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert {r[rows[0].index("预警编号")] for r in rows[1:]} >= pulled
    # a rerun of night 2 changes nothing
    again = _sweep(world, tmp_path, NIGHT_2)
    assert again["alerts_withdrawn"] == summary["alerts_withdrawn"] == len(pulled)
    assert _report_alerts(tmp_path, NIGHT_2) == night_2
