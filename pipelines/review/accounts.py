"""Account changes on an open review connection: create, reset, change a password.

Any change to an existing account (password, role, agency) revokes all of its sessions in the same
transaction, so a cookie issued before the change is refused on its next request.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from pipelines.review import queries, reads
from pipelines.review.auth import hash_password, verify_password
from pipelines.review.db import ReviewDb
from pipelines.review.models import Role, User
from pipelines.review.password_policy import PasswordRejected, check_password
from pipelines.review.security import DDL as SECURITY_DDL
from pipelines.review.security import revoke_user_sessions


class UserExists(ValueError):
    """`add-user` on a name that exists, without asking for a reset."""


def create_security_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Sessions and throttle tables (idempotent)."""
    for statement in SECURITY_DDL:
        con.execute(statement)


def save_user(
    con: duckdb.DuckDBPyConnection,
    username: str,
    password_hash: str,
    role: Role,
    agency: str | None,
    now: datetime,
    reset: bool,
) -> None:
    """Create the user, or with `reset` replace password, role and agency and end its sessions."""
    exists = reads.user_row(con, username) is not None
    if exists and not reset:
        raise UserExists(f"user {username} exists: pass --reset to change its password and role")
    reads.upsert_user(con, username, password_hash, role, agency, now)
    if exists:
        create_security_tables(con)
        revoke_user_sessions(con, username, now, "reset")


def set_password(
    con: duckdb.DuckDBPyConnection, username: str, password_hash: str, now: datetime
) -> None:
    """A new password for the user, ending every session it has (the caller's too)."""
    reads.set_password(con, username, password_hash)
    revoke_user_sessions(con, username, now, "password")


def change_password(
    db: ReviewDb, user: User, old: str, new: str, now: datetime, client_ip: str
) -> None:
    """The user's own change: the current password must be right and the new one pass the policy.

    Every session of the user ends, the one making the change too; the caller opens a fresh one.
    """
    row = db.run(lambda con: reads.user_row(con, user.username))
    if row is None or not verify_password(row["password_hash"], old):
        raise PasswordRejected("当前密码不正确", "the current password is wrong")
    if old == new:
        raise PasswordRejected("新密码不能与当前密码相同", "the new password equals the old one")
    check_password(user.username, new)
    hashed = hash_password(new)

    def _change(con: duckdb.DuckDBPyConnection) -> None:
        set_password(con, user.username, hashed, now)
        queries.audit(con, now, user.username, "password_changed", None, None, client_ip)

    db.run(_change)
