"""An alert is `sent` by the sweep that writes its report, and a rerun of the night keeps it so.

Generated data through the real sweep (`run_sweep`, a warehouse file): after the night every
alert of the agency's intercepts is `sent` on that night, and the outbox report the agency
receives says 已发送; the same night again adds no alert, no transition and no second send.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from pipelines.sanctions.alert_lifecycle import transitions_of
from pipelines.sanctions.alerts import STATUS_ZH, alerts_of
from pipelines.settings import default_settings
from pipelines.storage.warehouse import Warehouse
from pipelines.sweep.run import SweepRequest, SweepResult, run_sweep
from tests.sweep_helpers import generated_world

AGENCY = "hotel_booking"
NIGHT = date(2026, 11, 20)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_world(tmp_path_factory, size=1500, seed=5, formats="csv")


def _sweep(world: Path, base: Path) -> SweepResult:
    return run_sweep(
        SweepRequest(
            agency=AGENCY,
            lists=[world / "lists/snapshot.csv", world / "lists/delta_001.csv"],
            input=world / "agencies/hotel_booking.csv",
            out=base / "out",
            run_date=NIGHT,
            settings=default_settings(),
            warehouse=base / "wh.duckdb",
        )
    )


def _report_statuses(base: Path) -> dict[str, str]:
    report = base / "out" / "outbox" / AGENCY / NIGHT.isoformat() / "hits.csv"
    with report.open(encoding="utf-8-sig") as fh:
        return {row["预警编号"]: row["预警状态"] for row in csv.DictReader(fh)}


def test_alerts_are_sent_with_their_report_and_stay_sent_on_a_rerun(
    world: Path, tmp_path: Path
) -> None:
    first = _sweep(world, tmp_path)
    intercepted = set(first.hits.filter(first.hits["intercept"])["alert_id"])
    assert intercepted, "the generated night must intercept someone"
    ledger = alerts_of(Warehouse(tmp_path / "wh.duckdb"), AGENCY)
    assert set(ledger["alert_id"]) == intercepted
    assert set(ledger["status"]) == {"sent"}
    assert set(ledger["sent_run"]) == {NIGHT}
    assert first.summary["alerts_new"] == first.summary["alerts_sent"] == len(intercepted)
    # the report the agency receives states the status it is in
    statuses = _report_statuses(tmp_path)
    assert set(statuses) == intercepted
    assert set(statuses.values()) == {STATUS_ZH["sent"]}
    steps = transitions_of(Warehouse(tmp_path / "wh.duckdb"), AGENCY)

    again = _sweep(world, tmp_path)
    wh = Warehouse(tmp_path / "wh.duckdb")
    assert alerts_of(wh, AGENCY).equals(ledger)  # no duplicate, nothing re-sent or re-dated
    assert (
        transitions_of(wh, AGENCY)
        .drop("at_ts", strict=False)
        .equals(steps.drop("at_ts", strict=False))
    )
    assert again.summary["alerts_sent"] == first.summary["alerts_sent"]
    assert again.summary["alerts_new"] == first.summary["alerts_new"]
    assert _report_statuses(tmp_path) == statuses
