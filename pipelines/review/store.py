"""ReviewStore: the one owner of the review database, and the sweep's integration API.

The sweep calls `suppressed_pair_keys` / `confirmed_pair_keys` at its start and
`push_review_items` at its end; the web views call the rest. Every method is one short
transaction (see `db.ReviewDb`), so a decision never waits on a running sweep for longer than
the sweep's own brief visit to this file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines.review import accounts, queries, queue_view, reads
from pipelines.review.auth import hash_password, needs_rehash, verify_password
from pipelines.review.db import HIT_COLUMNS, ReviewDb
from pipelines.review.models import (
    Decision,
    DecisionRefused,
    Outcome,
    OutcomeSummary,
    QueueFilter,
    Role,
    User,
)
from pipelines.review.password_policy import check_password
from pipelines.runtime.workdays import add_working_days

Clock = Callable[[], datetime]
_REQUIRED = ("pair_key", "record_id", "match_decision", "match_score")
_BOOL_COLUMNS = ("intercept", "would_intercept")
_TEXT_COLUMNS = [name for name, _ in HIT_COLUMNS if name not in ("match_score", *_BOOL_COLUMNS)]
# The cut-offs each sweep decided with, per agency and night: in target mode they differ from the
# written ones every night, and the precision page must show what was used, not what is written.
_THRESHOLDS_DDL = """CREATE TABLE IF NOT EXISTS sweep_thresholds (
  agency VARCHAR NOT NULL,
  run_date DATE NOT NULL,
  match DOUBLE NOT NULL,
  review DOUBLE NOT NULL,
  source VARCHAR NOT NULL,
  mode VARCHAR NOT NULL,
  expected_precision_match DOUBLE,
  recorded_at TIMESTAMP NOT NULL,
  PRIMARY KEY (agency, run_date)
)"""
_THRESHOLD_FIELDS = (
    "agency",
    "run_date",
    "match",
    "review",
    "source",
    "mode",
    "expected_precision_match",
    "recorded_at",
)
# A real hash of a throw-away password, so that an unknown user costs as much as a wrong password.
_DUMMY_HASH = hash_password("not-a-real-password-0")


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _prepare_hits(agency: str, hits: pl.DataFrame) -> pl.DataFrame:
    """Hits in the stored shape: every hit column present and typed, one row per hit_id."""
    missing = [c for c in _REQUIRED if c not in hits.columns]
    if missing:
        raise ValueError(f"hits frame lacks columns: {', '.join(missing)}")
    frame = hits if "agency" in hits.columns else hits.with_columns(pl.lit(agency).alias("agency"))
    frame = frame.filter(pl.col("agency") == agency)
    for name in _TEXT_COLUMNS:
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(name))
    for name in _BOOL_COLUMNS:
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.Boolean).alias(name))
    frame = frame.select(
        *[pl.col(c).cast(pl.String) for c in _TEXT_COLUMNS],
        pl.col("match_score").cast(pl.Float64),
        *[_as_bool(frame, name) for name in _BOOL_COLUMNS],
    ).filter(pl.col("pair_key").is_not_null() & pl.col("record_id").is_not_null())
    # One row per (pair_key, agency, record_id): keep the strongest if several roles share it.
    return frame.sort("match_score", descending=True, nulls_last=True).unique(
        ["pair_key", "agency", "record_id"], keep="first", maintain_order=True
    )


def _as_bool(frame: pl.DataFrame, name: str) -> pl.Expr:
    """`intercept` arrives as bool or as the text `true`/`false` (hits.csv); store a bool."""
    if frame.schema[name] in (pl.Boolean, pl.Null):
        return pl.col(name).cast(pl.Boolean)
    return pl.col(name).cast(pl.String).str.to_lowercase().is_in(["true", "1", "yes"]).alias(name)


@dataclass(frozen=True)
class SweepThresholds:
    """The cut-offs one agency's sweep used on one night, and where they came from."""

    agency: str
    run_date: date
    match: float
    review: float
    source: str
    """`target` (derived from the target precision), `labels` (moved by analysts), `settings`."""
    mode: str
    """`thresholds.source` of the settings: `target` or `fixed`."""
    expected_precision_match: float | None = None
    recorded_at: datetime | None = None

    @classmethod
    def from_feedback(
        cls, agency: str, run_date: date, feedback: Mapping[str, Any]
    ) -> SweepThresholds:
        """From the sweep's `summary.json` feedback figures (`pipelines.review.feedback`)."""
        used = feedback["thresholds_after"]
        claimed = feedback.get("expected_precision_match")
        return cls(
            agency=agency,
            run_date=run_date,
            match=float(used["match"]),
            review=float(used["review"]),
            source=str(feedback.get("thresholds_source") or "settings"),
            mode=str(feedback.get("thresholds_mode") or "fixed"),
            expected_precision_match=None if claimed is None else float(claimed),
        )


def _create_thresholds_table(con: duckdb.DuckDBPyConnection) -> None:
    # Also run on every write and read, not only in migrate(): a review file made before this
    # table existed gains it at the sweep's next push, which never calls migrate() itself.
    con.execute(_THRESHOLDS_DDL)


def _upsert_thresholds(con: duckdb.DuckDBPyConnection, used: SweepThresholds) -> None:
    """One row per (agency, run_date): a rerun of the night replaces it."""
    _create_thresholds_table(con)
    values = [getattr(used, name) for name in _THRESHOLD_FIELDS]
    updates = ", ".join(f"{name} = excluded.{name}" for name in _THRESHOLD_FIELDS[2:])
    con.execute(
        f"INSERT INTO sweep_thresholds ({', '.join(_THRESHOLD_FIELDS)}) "
        f"VALUES ({', '.join('?' for _ in values)}) "
        f"ON CONFLICT (agency, run_date) DO UPDATE SET {updates}",
        values,
    )


def _latest_thresholds(con: duckdb.DuckDBPyConnection, agency: str | None) -> list[SweepThresholds]:
    """Per agency, the row of its latest run date (a backfill of an old night does not win)."""
    _create_thresholds_table(con)
    rows = con.execute(
        f"""
        SELECT {", ".join(_THRESHOLD_FIELDS)} FROM sweep_thresholds
        WHERE ? IS NULL OR agency = ?
        QUALIFY row_number() OVER (PARTITION BY agency ORDER BY run_date DESC) = 1
        ORDER BY agency
        """,
        [agency, agency],
    ).fetchall()
    return [SweepThresholds(*row) for row in rows]


def _outcome_rows(rows: pl.DataFrame | Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Agency feedback rows, validated: alert_id, outcome (enum), optional note."""
    items = rows.to_dicts() if isinstance(rows, pl.DataFrame) else [dict(r) for r in rows]
    checked = []
    for number, row in enumerate(items, start=1):
        alert_id = str(row.get("alert_id") or "").strip()
        outcome = str(row.get("outcome") or "").strip()
        if not alert_id:
            raise ValueError(f"outcome row {number}: alert_id is empty")
        if outcome not in Outcome.__members__.values():
            raise ValueError(f"outcome row {number}: unknown outcome {outcome!r}")
        note = row.get("note")
        checked.append({"alert_id": alert_id, "outcome": Outcome(outcome), "note": note or None})
    return checked


class ReviewStore:
    """Review state in its own DuckDB file, reached only through short transactions."""

    def __init__(
        self,
        path: str | Path,
        *,
        retry_s: float = 30.0,
        review_deadline_days: int = 1,
        dispute_deadline_days: int = 5,
        clock: Clock = _utcnow,
    ) -> None:
        self.db = ReviewDb(path, retry_s=retry_s)
        self.review_deadline_days = review_deadline_days
        self.dispute_deadline_days = dispute_deadline_days
        self.clock = clock

    def migrate(self) -> None:
        """Create or upgrade the review tables."""
        self.db.migrate()
        self.db.run(_create_thresholds_table)
        self.db.run(accounts.create_security_tables)

    # ---- integration API used by the sweep -------------------------------------------------

    def push_review_items(
        self,
        agency: str,
        run_date: date,
        hits: pl.DataFrame,
        used: SweepThresholds | None = None,
    ) -> int:
        """Keep every hit as context and queue undecided `review` hits; returns new items.

        `used`, the cut-offs the sweep decided with, is recorded in the same transaction, so
        the sweep still visits this file only once at its end (even with no hit to push).
        """
        frame = _prepare_hits(agency, hits)
        if frame.is_empty() and used is None:
            return 0
        deadline = add_working_days(run_date, self.review_deadline_days)
        now = self.clock()

        def _push(con: duckdb.DuckDBPyConnection) -> int:
            if used is not None:
                _upsert_thresholds(con, replace(used, recorded_at=now))
            if frame.is_empty():
                return 0
            con.register("incoming", frame)
            try:
                queries.upsert_hits(con, run_date)
                return queries.queue_review_hits(con, deadline, now)
            finally:
                con.unregister("incoming")

        return self.db.run(_push)

    def record_thresholds(self, used: SweepThresholds) -> None:
        """Record the cut-offs a sweep used (upsert by agency and run date)."""
        now = self.clock()
        self.db.run(lambda con: _upsert_thresholds(con, replace(used, recorded_at=now)))

    def latest_thresholds(self, agency: str | None = None) -> list[SweepThresholds]:
        """Per agency (or only `agency`), the cut-offs of its latest recorded sweep."""
        return self.db.run(lambda con: _latest_thresholds(con, agency))

    def suppressed_pair_keys(self) -> set[str]:
        """Pairs whose latest decision is negative: the sweep drops them for good."""
        return self.db.run(lambda con: queries.pairs_with_latest(con, Decision.NEGATIVE))

    def confirmed_pair_keys(self) -> set[str]:
        """Pairs whose latest decision is positive: the sweep treats them as `match`."""
        return self.db.run(lambda con: queries.pairs_with_latest(con, Decision.POSITIVE))

    def labels(self) -> pl.DataFrame:
        """Latest decision per pair with its evidence and score, for refining the matcher."""
        return self.db.run(queries.labels)

    def record_outcomes(
        self,
        agency: str,
        rows: pl.DataFrame | Iterable[Mapping[str, Any]],
        *,
        username: str = "agency-import",
    ) -> OutcomeSummary:
        """Store agency feedback; a false match on a known hit of the agency becomes a dispute."""
        checked = _outcome_rows(rows)
        now = self.clock()
        deadline = add_working_days(now.date(), self.dispute_deadline_days)
        return self.db.run(
            lambda con: queries.record_outcomes(con, agency, checked, username, now, deadline)
        )

    # ---- decisions -------------------------------------------------------------------------

    def decide(
        self,
        user: User,
        item_ids: Sequence[str],
        decision: Decision,
        *,
        note: str | None,
        client_ip: str,
    ) -> int:
        """Write one decision per distinct pair among the items; returns the decisions written."""
        if user.role == Role.AGENCY:
            raise DecisionRefused("机构用户不能作出复核决定")
        now = self.clock()

        def _decide(con: duckdb.DuckDBPyConnection) -> int:
            done: set[str] = set()
            for item_id in item_ids:
                pair_key = queries.decide_item(con, user, item_id, decision, note, now, done)
                if pair_key is not None:
                    done.add(pair_key)
                    queries.audit(
                        con, now, user.username, "decide", item_id, decision.value, client_ip
                    )
            return len(done)

        return self.db.run(_decide)

    # ---- reads for the web views (each audited where it shows a pair) ------------------------

    def queue(self, flt: QueueFilter, limit: int = 200) -> list[dict[str, Any]]:
        """Open review items, most urgent first."""
        return self.db.run(lambda con: reads.queue(con, flt, limit))

    def queue_page(self, flt: QueueFilter, sort: str, page: int, size: int) -> queue_view.QueuePage:
        """One page of open review items in the chosen order, with the true total."""
        return self.db.run(lambda con: queue_view.queue_page(con, flt, sort, page, size))

    def item(self, item_id: str) -> dict[str, Any] | None:
        """One review item with its hit, without auditing (for permission checks)."""
        return self.db.run(lambda con: reads.item(con, item_id))

    def view_pair(self, user: User, item_id: str, client_ip: str) -> dict[str, Any] | None:
        """The item, its hit and the pair's history; the view is written to the audit log."""
        now = self.clock()

        def _view(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
            found = reads.item(con, item_id)
            if found is None or not user.may_see_agency(found["agency"]):
                return found
            found["history"] = reads.pair_history(con, found["pair_key"])
            queries.audit(con, now, user.username, "view_pair", item_id, None, client_ip)
            return found

        return self.db.run(_view)

    def agency_hits(
        self, agency: str, date_from: date | None, date_to: date | None
    ) -> pl.DataFrame:
        """The hits an agency must act on: automatic matches and confirmed pairs, not suppressed."""
        return self.db.run(lambda con: reads.agency_hits(con, agency, date_from, date_to))

    def owns_alert(self, agency: str, alert_id: str) -> bool:
        """Whether the alert is one of the agency's hits (outcomes are taken for those only)."""
        found = self.db.run(
            lambda con: con.execute(
                "SELECT 1 FROM pushed_hits WHERE alert_id = ? AND agency = ? LIMIT 1",
                [alert_id, agency],
            ).fetchone()
        )
        return found is not None

    def audit(
        self,
        user: User,
        action: str,
        target: str | None,
        client_ip: str,
        detail: str | None = None,
    ) -> None:
        """Record an access that is not a pair view or decision (login, download, outcome)."""
        now = self.clock()
        name = user.username
        self.db.run(lambda con: queries.audit(con, now, name, action, target, detail, client_ip))

    def audit_entries(self, limit: int = 500) -> list[dict[str, Any]]:
        """Most recent audit rows first."""
        return self.db.run(lambda con: reads.audit_entries(con, limit))

    # ---- users ---------------------------------------------------------------------------------

    def add_user(
        self,
        username: str,
        password: str,
        role: Role,
        agency: str | None,
        *,
        reset: bool = False,
    ) -> None:
        """Create a user; an existing one only with `reset`, which also ends their sessions."""
        if role == Role.AGENCY and not agency:
            raise ValueError("agency users need --agency")
        if role == Role.COURT and not agency:
            raise ValueError("court users need --court")
        if role not in (Role.AGENCY, Role.COURT):
            agency = None
        check_password(username, password)
        hashed = hash_password(password)
        now = self.clock()
        self.db.run(lambda con: accounts.save_user(con, username, hashed, role, agency, now, reset))

    def authenticate(self, username: str, password: str) -> User | None:
        """The user when the password matches, else None (same cost either way)."""
        row = self.db.run(lambda con: reads.user_row(con, username))
        if row is None:
            verify_password(_DUMMY_HASH, password)
            return None
        if not verify_password(row["password_hash"], password):
            return None
        user = User(row["username"], Role(row["role"]), row["agency"])
        if needs_rehash(row["password_hash"]):
            fresh = hash_password(password)
            self.db.run(lambda con: reads.set_password(con, username, fresh))
        return user
