"""What the workbench may do to the review file: the queue, pair views, decisions, the agency's
hits, the audit log and the users. Every view of a pair and every decision is audited."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import duckdb
import polars as pl

from pipelines.review import accounts, queries, queue_view, reads
from pipelines.review.auth import hash_password, needs_rehash, verify_password
from pipelines.review.base import ReviewFile
from pipelines.review.models import Decision, DecisionRefused, QueueFilter, Role, User
from pipelines.review.password_policy import check_password

# A real hash of a throw-away password, so that an unknown user costs as much as a wrong password.
_DUMMY_HASH = hash_password("not-a-real-password-0")


class WebReview(ReviewFile):
    """The review file as the analyst workbench and the `credsweep review` commands see it."""

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
