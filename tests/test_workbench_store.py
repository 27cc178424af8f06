"""Store-level behaviour: idempotent pushes, suppression, outcomes, decisions under a held lock."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.review.models import Decision, DecisionRefused, QueueFilter, Role, User
from pipelines.review.store import ReviewStore, SweepThresholds
from tests.workbench_fixtures import AGENCY, OTHER_AGENCY, hit, hits_frame

RUN = date(2025, 3, 14)  # a Friday: deadlines skip the weekend
ANALYST = User("li", Role.ANALYST)
BOSS = User("wang", Role.SUPERVISOR)


@pytest.fixture()
def store(tmp_path: Path) -> ReviewStore:
    made = ReviewStore(tmp_path / "review.duckdb", retry_s=10)
    made.migrate()
    return made


def _item_of(store: ReviewStore, pair_key: str) -> str:
    queue = store.queue(QueueFilter(include_escalated=True))
    rows = [r for r in queue if r["pair_key"] == pair_key]
    assert rows, f"no open item for {pair_key}"
    return str(rows[0]["item_id"])


def test_push_queues_only_review_rows_and_is_idempotent(store: ReviewStore) -> None:
    frame = hits_frame(hit("p1", "r1"), hit("p2", "r2", decision="match", score=0.99))
    assert store.push_review_items(AGENCY, RUN, frame) == 1
    assert store.push_review_items(AGENCY, RUN, frame) == 0
    queue = store.queue(QueueFilter())
    assert [r["pair_key"] for r in queue] == ["p1"]
    assert queue[0]["deadline"] == date(2025, 3, 17)


def test_push_ignores_other_agencies_rows(store: ReviewStore) -> None:
    frame = hits_frame(hit("p1", "r1"), hit("p9", "r9", agency=OTHER_AGENCY))
    assert store.push_review_items(AGENCY, RUN, frame) == 1


def test_negative_decision_suppresses_pair_for_good(store: ReviewStore) -> None:
    store.push_review_items(AGENCY, RUN, hits_frame(hit("p1", "r1"), hit("p3", "r3")))
    p1, p3 = _item_of(store, "p1"), _item_of(store, "p3")
    store.decide(ANALYST, [p1], Decision.NEGATIVE, note="不同人", client_ip="10.0.0.1")
    store.decide(ANALYST, [p3], Decision.POSITIVE, note=None, client_ip="10.0.0.1")
    assert store.suppressed_pair_keys() == {"p1"}
    assert store.confirmed_pair_keys() == {"p3"}
    # A later night sees the same pair on a new booking: it is not queued again.
    later = hits_frame(hit("p1", "r7"), hit("p3", "r8"))
    assert store.push_review_items(AGENCY, date(2025, 3, 17), later) == 0
    assert store.queue(QueueFilter()) == []


def test_decision_closes_every_item_of_the_pair(store: ReviewStore) -> None:
    store.push_review_items(AGENCY, RUN, hits_frame(hit("p1", "r1"), hit("p1", "r2")))
    assert len(store.queue(QueueFilter())) == 2
    written = store.decide(
        ANALYST,
        [r["item_id"] for r in store.queue(QueueFilter())],
        Decision.POSITIVE,
        note=None,
        client_ip="1.2.3.4",
    )
    assert written == 1
    assert store.queue(QueueFilter()) == []


def test_unsure_escalates_and_only_supervisor_may_overrule(store: ReviewStore) -> None:
    store.push_review_items(AGENCY, RUN, hits_frame(hit("p1", "r1")))
    item = _item_of(store, "p1")
    store.decide(ANALYST, [item], Decision.UNSURE, note="需核实", client_ip="1.1.1.1")
    assert store.queue(QueueFilter()) == []
    assert len(store.queue(QueueFilter(include_escalated=True))) == 1
    with pytest.raises(DecisionRefused):
        store.decide(ANALYST, [item], Decision.POSITIVE, note=None, client_ip="1.1.1.1")
    store.decide(BOSS, [item], Decision.POSITIVE, note=None, client_ip="1.1.1.2")
    with pytest.raises(DecisionRefused):
        store.decide(ANALYST, [item], Decision.NEGATIVE, note=None, client_ip="1.1.1.1")
    store.decide(BOSS, [item], Decision.NEGATIVE, note="改判", client_ip="1.1.1.2")
    assert store.suppressed_pair_keys() == {"p1"}
    history = store.view_pair(BOSS, item, "1.1.1.2")
    assert history is not None
    decisions = history["history"]["decisions"]
    assert [d["decision"] for d in decisions] == ["unsure", "positive", "negative"]
    assert decisions[-1]["overrules"] == decisions[1]["decision_id"]


def test_labels_carry_evidence_and_latest_decision(store: ReviewStore) -> None:
    store.push_review_items(AGENCY, RUN, hits_frame(hit("p1", "r1", score=0.7), hit("p2", "r2")))
    store.decide(ANALYST, [_item_of(store, "p1")], Decision.NEGATIVE, note=None, client_ip="x")
    labels = store.labels()
    assert labels.columns[:3] == ["pair_key", "evidence", "decision"]
    assert labels.select("pair_key", "decision", "match_score").rows() == [("p1", "negative", 0.7)]
    assert '"field": "name"' in labels["evidence"][0]


def test_false_match_outcome_becomes_a_dispute_once(store: ReviewStore) -> None:
    store.push_review_items(AGENCY, RUN, hits_frame(hit("p2", "r2", decision="match", score=0.99)))
    rows = [
        {"alert_id": "A-p2-r2", "outcome": "false_match", "note": "证件照不符"},
        {"alert_id": "A-unknown", "outcome": "intercepted", "note": None},
    ]
    summary = store.record_outcomes(AGENCY, rows)
    assert (summary.recorded, summary.disputed, summary.unknown_alerts) == (2, 1, 1)
    assert store.record_outcomes(AGENCY, rows).disputed == 0
    queue = store.queue(QueueFilter())
    assert [(r["pair_key"], r["kind"]) for r in queue] == [("p2", "disputed")]


def test_outcome_for_another_agencys_alert_is_not_a_dispute(store: ReviewStore) -> None:
    store.push_review_items(AGENCY, RUN, hits_frame(hit("p2", "r2", decision="match")))
    disputes = [{"alert_id": "A-p2-r2", "outcome": "false_match"}]
    summary = store.record_outcomes(OTHER_AGENCY, disputes)
    assert (summary.disputed, summary.unknown_alerts) == (0, 1)


def test_bad_outcome_value_is_refused(store: ReviewStore) -> None:
    with pytest.raises(ValueError, match="unknown outcome"):
        store.record_outcomes(AGENCY, [{"alert_id": "A1", "outcome": "maybe"}])


def test_agency_hits_exclude_suppressed_and_include_confirmed(store: ReviewStore) -> None:
    frame = hits_frame(hit("p1", "r1"), hit("p2", "r2", decision="match"), hit("p3", "r3"))
    store.push_review_items(AGENCY, RUN, frame)
    store.decide(ANALYST, [_item_of(store, "p3")], Decision.POSITIVE, note=None, client_ip="x")
    got = store.agency_hits(AGENCY, None, None)
    assert sorted(got["record_id"].to_list()) == ["r2", "r3"]
    assert store.agency_hits(OTHER_AGENCY, None, None).is_empty()


def _hold(path: Path, seconds: float) -> subprocess.Popen[str]:
    """A separate process holding a DuckDB file open for writing, like a running sweep."""
    code = textwrap.dedent(
        f"""
        import duckdb, time
        con = duckdb.connect({str(path)!r})
        con.execute("CREATE TABLE IF NOT EXISTS held (x INTEGER)")
        print("holding", flush=True)
        time.sleep({seconds})
        con.close()
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
    return proc


def test_decision_while_sweep_holds_the_warehouse(store: ReviewStore, tmp_path: Path) -> None:
    store.push_review_items(AGENCY, RUN, hits_frame(hit("p1", "r1")))
    sweep = _hold(tmp_path / "warehouse.duckdb", 5)
    try:
        started = time.monotonic()
        store.decide(ANALYST, [_item_of(store, "p1")], Decision.NEGATIVE, note=None, client_ip="x")
        assert time.monotonic() - started < 2
        assert store.suppressed_pair_keys() == {"p1"}
    finally:
        sweep.kill()
        sweep.wait()


def test_decision_waits_out_a_brief_writer_on_the_review_db(store: ReviewStore) -> None:
    store.push_review_items(AGENCY, RUN, hits_frame(hit("p1", "r1")))
    item = _item_of(store, "p1")
    writer = _hold(Path(store.db.path), 1.0)
    try:
        with pytest.raises(duckdb.IOException):  # really locked: a plain connect fails
            duckdb.connect(store.db.path)
        started = time.monotonic()
        store.decide(ANALYST, [item], Decision.POSITIVE, note=None, client_ip="x")
        assert time.monotonic() - started >= 0.3  # it waited for the writer, then succeeded
    finally:
        writer.wait()
    assert store.confirmed_pair_keys() == {"p1"}


def test_concurrent_decisions_in_threads_do_not_lose_writes(store: ReviewStore) -> None:
    keys = [f"p{i}" for i in range(8)]
    store.push_review_items(AGENCY, RUN, hits_frame(*[hit(k, f"r{k}") for k in keys]))
    items = {k: _item_of(store, k) for k in keys}
    errors: list[BaseException] = []

    def decide(key: str) -> None:
        try:
            store.decide(ANALYST, [items[key]], Decision.NEGATIVE, note=None, client_ip="x")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=decide, args=(k,)) for k in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.suppressed_pair_keys() == set(keys)


def test_push_to_a_fresh_file_needs_no_explicit_migrate(tmp_path: Path) -> None:
    fresh = ReviewStore(tmp_path / "fresh.duckdb")
    assert fresh.push_review_items(AGENCY, RUN, hits_frame(hit("p1", "r1"))) == 1


# ---- thresholds each sweep used (the precision page shows them, not the written ones) ---------

NOON = datetime(2025, 3, 14, 4, 0)


def _used(agency: str = AGENCY, night: date = RUN, match: float = 0.84) -> SweepThresholds:
    return SweepThresholds(agency, night, match, 0.30, "target", "target", 0.9991)


def _threshold_rows(store: ReviewStore) -> list[tuple]:
    return store.db.run(
        lambda con: con.execute(
            "SELECT agency, run_date, match FROM sweep_thresholds ORDER BY agency, run_date"
        ).fetchall()
    )


def test_thresholds_round_trip(tmp_path: Path) -> None:
    store = ReviewStore(tmp_path / "review.duckdb", clock=lambda: NOON)
    store.migrate()
    assert store.latest_thresholds() == []
    store.record_thresholds(_used())
    (back,) = store.latest_thresholds()
    assert back == SweepThresholds(
        AGENCY, RUN, 0.84, 0.30, "target", "target", 0.9991, recorded_at=NOON
    )


def test_rerun_of_a_night_replaces_its_thresholds(store: ReviewStore) -> None:
    store.record_thresholds(_used(match=0.84))
    store.record_thresholds(_used(match=0.86))
    assert _threshold_rows(store) == [(AGENCY, RUN, 0.86)]


def test_latest_thresholds_per_agency_by_run_date(store: ReviewStore) -> None:
    later = date(2025, 3, 17)
    store.record_thresholds(_used(night=later, match=0.88))
    store.record_thresholds(_used(night=RUN, match=0.84))  # a backfill, recorded last
    store.record_thresholds(
        SweepThresholds(OTHER_AGENCY, RUN, 0.97, 0.60, "settings", "fixed", None)
    )
    latest = {t.agency: t for t in store.latest_thresholds()}
    assert (latest[AGENCY].run_date, latest[AGENCY].match) == (later, 0.88)
    assert (latest[OTHER_AGENCY].source, latest[OTHER_AGENCY].expected_precision_match) == (
        "settings",
        None,
    )
    assert [t.agency for t in store.latest_thresholds(OTHER_AGENCY)] == [OTHER_AGENCY]
    assert store.latest_thresholds("civil_service_candidate") == []


def test_push_records_thresholds_even_without_hits(tmp_path: Path) -> None:
    fresh = ReviewStore(tmp_path / "fresh.duckdb")  # no migrate(): the sweep never calls it
    empty = hits_frame(hit("p1", "r1")).clear()
    assert fresh.push_review_items(AGENCY, RUN, empty, _used()) == 0
    assert fresh.push_review_items(AGENCY, RUN, hits_frame(hit("p1", "r1")), _used()) == 1
    assert fresh.push_review_items(AGENCY, RUN, hits_frame(hit("p1", "r1")), _used()) == 0
    assert _threshold_rows(fresh) == [(AGENCY, RUN, 0.84)]


def test_thresholds_from_the_sweeps_feedback_figures() -> None:
    feedback = {
        "thresholds_mode": "target",
        "thresholds_source": "labels",
        "thresholds_before": {"match": 0.97, "review": 0.6},
        "thresholds_after": {"match": 0.9, "review": 0.35},
        "expected_precision_match": 0.9987,
    }
    used = SweepThresholds.from_feedback(AGENCY, RUN, feedback)
    assert (used.match, used.review, used.source, used.mode) == (0.9, 0.35, "labels", "target")
    assert used.expected_precision_match == 0.9987 and used.recorded_at is None
