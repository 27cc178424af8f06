"""End to end: analyst decisions change the next sweep.

A pair rejected as a false match never raises an alert again; a confirmed pair is acted on and
reaches the agency's report.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pipelines.review.models import Decision, QueueFilter, Role, User
from pipelines.review.store import ReviewStore
from tests.sweep_helpers import cli_sweep, generated_world, hit_rows

NIGHT_1, NIGHT_2 = "2025-07-01", "2025-07-02"
ANALYST = User("analyst1", Role.ANALYST)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_world(tmp_path_factory, size=2500, seed=5, formats="csv")


def _sweep(world: Path, out: Path, night: str, wh: Path, review: Path) -> list[dict[str, str]]:
    return hit_rows(cli_sweep(world, out, night, wh, review))


def _report_alerts(out: Path, night: str) -> set[str]:
    with (out / "outbox" / "hotel_booking" / night / "hits.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    column = rows[0].index("预警编号")
    return {r[column] for r in rows[1:]}


def test_decisions_feed_the_next_sweep(world: Path, tmp_path: Path) -> None:
    wh, review = tmp_path / "wh.duckdb", tmp_path / "review.duckdb"
    first = _sweep(world, tmp_path / "n1", NIGHT_1, wh, review)
    store = ReviewStore(review)
    queue = store.queue(QueueFilter(agency="hotel_booking"))
    reviewable = [q for q in queue if q["kind"] == "borderline"]
    # a pair whose only missing condition is the analyst's word (a star hotel, an active entry)
    starred = {
        h["pair_key"]
        for h in first
        if h["match_decision"] == "review" and h["reason"].startswith("待人工复核")
    }
    confirm = next(q for q in reviewable if q["pair_key"] in starred)
    reject = next(q for q in reviewable if q["pair_key"] != confirm["pair_key"])
    store.decide(
        ANALYST, [reject["item_id"]], Decision.NEGATIVE, note="不同人", client_ip="127.0.0.1"
    )
    store.decide(ANALYST, [confirm["item_id"]], Decision.POSITIVE, note=None, client_ip="127.0.0.1")

    second = _sweep(world, tmp_path / "n2", NIGHT_2, wh, review)
    assert reject["pair_key"] not in {h["pair_key"] for h in second}
    promoted = [h for h in second if h["pair_key"] == confirm["pair_key"]]
    assert promoted and all(h["match_decision"] == "match" for h in promoted)
    assert any(h["intercept"] == "true" for h in promoted)
    assert {h["alert_id"] for h in promoted if h["intercept"] == "true"} <= _report_alerts(
        tmp_path / "n2", NIGHT_2
    )
    # the rejected pair is not queued again either
    assert reject["pair_key"] not in {
        q["pair_key"] for q in store.queue(QueueFilter(agency="hotel_booking"))
    }
