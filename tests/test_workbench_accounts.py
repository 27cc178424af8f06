"""Password policy, `add-user` on an existing name, and `review serve` on a missing database."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.review.password_policy import PasswordRejected, check_password
from pipelines.review.store import ReviewStore
from pipelines.workbench.command import review_app

PASSWORD = "correct-horse-battery"


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short-1", "at least 10"),
        ("1111111111", "too easy"),  # long enough, but a repeat
        ("qwertyuiop", "common"),  # zxcvbn's leaked-password list
        ("password123", "common"),
        ("HOTEL-hotel-2024", "username"),
        ("hotelhotel", "username"),
    ],
)
def test_policy_refuses(password: str, why: str) -> None:
    with pytest.raises(PasswordRejected, match=why):
        check_password("hotel", password)


def test_policy_accepts_a_passphrase() -> None:
    check_password("hotel", PASSWORD)


def _add(db: Path, *extra: str, password: str = PASSWORD, username: str = "li") -> tuple[int, str]:
    result = CliRunner().invoke(
        review_app,
        [
            "add-user",
            "--username",
            username,
            "--role",
            "analyst",
            "--password-stdin",
            "--db",
            str(db),
            *extra,
        ],
        input=password + "\n",
    )
    return result.exit_code, result.output


def test_add_user_refuses_an_existing_name_unless_reset(tmp_path: Path) -> None:
    db = tmp_path / "review.duckdb"
    assert _add(db)[0] == 0
    code, output = _add(db, password="violet-lantern-harbour")
    assert code == 1 and "exists" in output and "--reset" in output
    assert len(output.strip().splitlines()) == 1
    store = ReviewStore(db)
    assert store.authenticate("li", PASSWORD) is not None  # unchanged
    assert _add(db, "--reset", password="violet-lantern-harbour")[0] == 0
    assert store.authenticate("li", "violet-lantern-harbour") is not None


def test_add_user_refuses_a_weak_password(tmp_path: Path) -> None:
    db = tmp_path / "review.duckdb"
    code, output = _add(db, password="1111111111")
    assert code == 1 and "too easy" in output
    assert ReviewStore(db).authenticate("li", "1111111111") is None


def test_serve_refuses_a_missing_database_without_creating_it(tmp_path: Path) -> None:
    missing = tmp_path / "typo" / "reveiw.duckdb"
    result = CliRunner().invoke(review_app, ["serve", "--db", str(missing), "--port", "1"])
    assert result.exit_code == 1
    assert "review database not found" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not missing.exists() and not missing.parent.exists()
