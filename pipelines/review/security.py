"""Server-side sessions and login throttling, kept in the review database.

The signed cookie only carries a random session token; the `sessions` table says whether it still
counts. Logout revokes that session, and a password, role or agency change revokes every session
of the user, at once: a copied cookie stops working on its next request. Tokens are stored as
SHA-256 digests, so the review file alone does not let anyone sign in.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

import duckdb

from pipelines.review import queries
from pipelines.review.db import ReviewDb
from pipelines.review.models import Role, User
from pipelines.review.throttle import (
    ThrottlePolicy,
    ThrottleState,
    Verdict,
    after_failure,
    verdict,
)

DDL = (
    """CREATE TABLE IF NOT EXISTS sessions (
  token_hash VARCHAR PRIMARY KEY,
  username VARCHAR NOT NULL,
  role VARCHAR NOT NULL,
  agency VARCHAR,
  created_at TIMESTAMP NOT NULL,
  expires_at TIMESTAMP NOT NULL,
  revoked_at TIMESTAMP,
  revoked_why VARCHAR
)""",
    # keyed by a digest of the typed login name: unknown names are throttled too, never stored
    """CREATE TABLE IF NOT EXISTS login_throttle (
  login_key VARCHAR PRIMARY KEY,
  failures INTEGER NOT NULL,
  last_failure TIMESTAMP NOT NULL,
  locked_until TIMESTAMP
)""",
)
# A session is good while not revoked, not expired, and its user still has the role and agency
# it was opened with (a change revokes it anyway; this also covers a user deleted by hand).
_SESSION_USER = """
SELECT s.username, s.role, s.agency FROM sessions s JOIN users u USING (username)
WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ?
  AND u.role = s.role AND u.agency IS NOT DISTINCT FROM s.agency
"""
ANONYMOUS = "-"


def token_digest(token: str) -> str:
    """What the sessions table keeps of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def login_key(username: str) -> str:
    """The throttle key of a typed login name (case and surrounding space ignored)."""
    return hashlib.sha256(username.strip().casefold().encode()).hexdigest()


def revoke_user_sessions(
    con: duckdb.DuckDBPyConnection, username: str, now: datetime, why: str
) -> int:
    """Revoke every live session of a user; returns how many."""
    rows = con.execute(
        "UPDATE sessions SET revoked_at = ?, revoked_why = ?"
        " WHERE username = ? AND revoked_at IS NULL RETURNING token_hash",
        [now, why, username],
    ).fetchall()
    return len(rows)


class SecurityStore:
    """Sessions and throttle state; every method is one short transaction on the review file."""

    def __init__(
        self, db: ReviewDb, clock: Callable[[], datetime], policy: ThrottlePolicy | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self.policy = policy or ThrottlePolicy()

    def migrate(self) -> None:
        """Create the session and throttle tables."""

        def _ddl(con: duckdb.DuckDBPyConnection) -> None:
            for statement in DDL:
                con.execute(statement)

        self.db.run(_ddl)

    # ---- sessions ----------------------------------------------------------------------------

    def open_session(self, user: User, max_age_s: int, client_ip: str) -> str:
        """A new session for the user (login is audited with it); returns the cookie's token."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        expires = now + timedelta(seconds=max_age_s)

        def _open(con: duckdb.DuckDBPyConnection) -> None:
            con.execute(
                "INSERT INTO sessions (token_hash, username, role, agency, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [token_digest(token), user.username, user.role.value, user.agency, now, expires],
            )
            con.execute(
                "DELETE FROM login_throttle WHERE login_key = ?", [login_key(user.username)]
            )
            queries.audit(con, now, user.username, "login", None, None, client_ip)

        self.db.run(_open)
        return token

    def session_user(self, token: str, client_ip: str, viewed: str | None = None) -> User | None:
        """The user of a live session, else None; `viewed` (a path) is audited as a page view."""
        now = self.clock()

        def _lookup(con: duckdb.DuckDBPyConnection) -> User | None:
            row = con.execute(_SESSION_USER, [token_digest(token), now]).fetchone()
            if row is None:
                return None
            user = User(row[0], Role(row[1]), row[2])
            if viewed is not None:
                queries.audit(con, now, user.username, "view_page", viewed, None, client_ip)
            return user

        return self.db.run(_lookup)

    def close_session(self, token: str | None, username: str | None, client_ip: str) -> None:
        """Logout: revoke this session and audit it (an unknown or old token is still audited)."""
        now = self.clock()

        def _close(con: duckdb.DuckDBPyConnection) -> None:
            if token:
                con.execute(
                    "UPDATE sessions SET revoked_at = ?, revoked_why = 'logout'"
                    " WHERE token_hash = ? AND revoked_at IS NULL",
                    [now, token_digest(token)],
                )
            queries.audit(con, now, username or ANONYMOUS, "logout", None, None, client_ip)

        self.db.run(_close)

    def audit_denial(self, username: str | None, path: str, reason: str, client_ip: str) -> None:
        """An HTTP 403: who (if signed in) was refused which path, and why."""
        now = self.clock()
        who = username or ANONYMOUS
        self.db.run(lambda con: queries.audit(con, now, who, "denied", path, reason, client_ip))

    # ---- throttling --------------------------------------------------------------------------

    def login_verdict(self, username: str) -> Verdict:
        """May this login name try a password now?"""
        state = self.db.run(lambda con: _throttle_state(con, login_key(username)))
        return verdict(self.policy, state, self.clock())

    def login_failed(self, username: str, client_ip: str) -> Verdict:
        """Count a failed try, audit it, and say what the next try must wait."""
        now = self.clock()
        key = login_key(username)

        def _fail(con: duckdb.DuckDBPyConnection) -> ThrottleState:
            who, known = _audit_name(con, username)
            state = after_failure(self.policy, _throttle_state(con, key), now)
            con.execute(
                "INSERT INTO login_throttle (login_key, failures, last_failure, locked_until)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (login_key) DO UPDATE SET"
                " failures = excluded.failures, last_failure = excluded.last_failure,"
                " locked_until = excluded.locked_until",
                [key, state.failures, state.last_failure, state.locked_until],
            )
            detail = "未知用户名" if not known else f"连续第 {state.failures} 次失败"
            if state.locked_until is not None:
                detail += "，已锁定"
            queries.audit(con, now, who, "login_failed", None, detail, client_ip)
            return state

        state = self.db.run(_fail)
        return verdict(self.policy, state, now)

    def audit_refused_try(self, username: str, client_ip: str, wait: Verdict) -> None:
        """A try refused by the throttle, before any password check."""
        now = self.clock()
        detail = f"{'已锁定' if wait.locked else '需等待'}，剩余 {wait.wait_s:.0f} 秒"

        def _refused(con: duckdb.DuckDBPyConnection) -> None:
            who, _ = _audit_name(con, username)
            queries.audit(con, now, who, "login_throttled", None, detail, client_ip)

        self.db.run(_refused)


def _audit_name(con: duckdb.DuckDBPyConnection, username: str) -> tuple[str, bool]:
    """The typed name if it is an account, else a placeholder: an unknown name may be a password
    typed in the wrong box, and the audit log never holds one."""
    name = username.strip()
    known = con.execute("SELECT 1 FROM users WHERE username = ?", [name]).fetchone() is not None
    return (name if known else ANONYMOUS), known


def _throttle_state(con: duckdb.DuckDBPyConnection, key: str) -> ThrottleState:
    row = con.execute(
        "SELECT failures, last_failure, locked_until FROM login_throttle WHERE login_key = ?",
        [key],
    ).fetchone()
    return ThrottleState(*row) if row else ThrottleState()
