"""Workbench misuse: foreign outcomes, revoked sessions, login throttling, audit, parameters."""

from __future__ import annotations

import re
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pipelines.review.accounts import UserExists
from pipelines.review.models import QueueFilter, Role
from pipelines.review.store import ReviewStore
from pipelines.workbench.app import create_app
from pipelines.workbench.settings import WorkbenchSettings
from tests.workbench_fixtures import AGENCY, OTHER_AGENCY, hit, hits_frame

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "violet-lantern-harbour"
TITLES = {AGENCY: "酒店住宿登记", OTHER_AGENCY: "学校招生"}
# personal data the fixture hits carry: none of it may reach the audit log
PERSONAL = ("张伟", "张玮", "110105198503122315", "1101051985****2315")


class StoreClock:
    """The review store's clock (UTC), moved by the tests instead of sleeping."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 17, 2, 0, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Users and hits of two agencies, hashed once per module (argon2 is deliberately slow)."""
    path = tmp_path_factory.mktemp("seed") / "review.duckdb"
    made = ReviewStore(path, retry_s=5)
    made.migrate()
    made.add_user("li", PASSWORD, Role.ANALYST, None)
    made.add_user("wang", PASSWORD, Role.SUPERVISOR, None)
    made.add_user("hotel", PASSWORD, Role.AGENCY, AGENCY)
    made.add_user("school", PASSWORD, Role.AGENCY, OTHER_AGENCY)
    frame = hits_frame(
        hit("p1", "r1", score=0.75),
        hit("p2", "r2", decision="match", score=0.99),
        hit("p5", "s5", agency=OTHER_AGENCY, decision="match", score=0.99),
    )
    made.push_review_items(AGENCY, date(2025, 3, 14), frame)
    made.push_review_items(OTHER_AGENCY, date(2025, 3, 14), frame)
    return path


@pytest.fixture()
def clock() -> StoreClock:
    return StoreClock()


@pytest.fixture()
def store(seeded_db: Path, tmp_path: Path, clock: StoreClock) -> ReviewStore:
    copy = tmp_path / "review.duckdb"
    shutil.copyfile(seeded_db, copy)
    return ReviewStore(copy, retry_s=5, clock=clock)


def _settings(store: ReviewStore) -> WorkbenchSettings:
    return WorkbenchSettings(
        review_db=store.db.path,
        secret_key="security-test",
        login_delay_after_failures=3,
        login_delay_base_s=10,
        login_lockout_after_failures=5,
        login_lockout_minutes=15,
    )


@pytest.fixture()
def client(store: ReviewStore) -> TestClient:
    return TestClient(create_app(store, _settings(store), agency_titles=TITLES))


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF field"
    return found.group(1)


def _try_login(client: TestClient, username: str, password: str) -> tuple[int, str]:
    token = _csrf(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    return response.status_code, response.text


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in and return the session's CSRF token."""
    status, text = _try_login(client, username, password)
    assert status == 303, text
    return _csrf(client.get("/account/password").text)


def _twin(client: TestClient) -> TestClient:
    """A second browser holding a copy of the first one's cookie (a stolen or shared cookie)."""
    other = TestClient(client.app)
    other.cookies.update(dict(client.cookies))
    return other


def _signed_in(client: TestClient, path: str = "/agency") -> bool:
    return client.get(path, follow_redirects=False).status_code == 200


def _audit(store: ReviewStore) -> list[tuple[str, str, str | None]]:
    return [(e["username"], e["action"], e["target"]) for e in store.audit_entries()]


# ---- outcomes only for the agency's own alerts -------------------------------------------------


def test_outcome_for_another_agencys_alert_is_refused_and_audited(
    client: TestClient, store: ReviewStore
) -> None:
    token = login(client, "hotel")
    response = client.post(
        "/agency/outcome",
        data={"alert_id": "A-p5-s5", "outcome": "released", "csrf_token": token},
    )
    assert response.status_code == 403 and "只能反馈本机构的预警" in response.text
    assert ("hotel", "denied", "/agency/outcome") in _audit(store)
    unknown = client.post(
        "/agency/outcome",
        data={"alert_id": "A-made-up", "outcome": "released", "csrf_token": token},
    )
    assert unknown.status_code == 403
    written = store.db.run(
        lambda con: con.execute("SELECT alert_id FROM agency_outcomes").fetchall()
    )
    assert written == []
    own = client.post(
        "/agency/outcome",
        data={"alert_id": "A-p2-r2", "outcome": "intercepted", "csrf_token": token},
    )
    assert own.status_code == 200 and "已提交反馈" in own.text


def test_an_import_cannot_overwrite_another_agencys_outcome(store: ReviewStore) -> None:
    store.record_outcomes(OTHER_AGENCY, [{"alert_id": "A-p5-s5", "outcome": "intercepted"}])
    store.record_outcomes(AGENCY, [{"alert_id": "A-p5-s5", "outcome": "intercepted", "note": "x"}])
    rows = store.db.run(
        lambda con: con.execute("SELECT agency, note FROM agency_outcomes").fetchall()
    )
    assert rows == [(OTHER_AGENCY, None)]


# ---- server-side sessions ------------------------------------------------------------------------


def test_logout_revokes_the_session_for_every_copy_of_the_cookie(
    client: TestClient, store: ReviewStore
) -> None:
    token = login(client, "li")
    copy = _twin(client)
    assert _signed_in(copy, "/queue")
    client.post("/logout", data={"csrf_token": token})
    assert not _signed_in(copy, "/queue")
    assert ("li", "logout", None) in _audit(store)


def test_password_change_revokes_every_other_session(
    client: TestClient, store: ReviewStore
) -> None:
    token = login(client, "li")
    elsewhere = TestClient(client.app)
    login(elsewhere, "li")
    copy = _twin(client)
    changed = client.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "new": NEW_PASSWORD,
            "repeat": NEW_PASSWORD,
            "csrf_token": token,
        },
    )
    assert changed.status_code == 200 and "密码已修改" in changed.text
    assert not _signed_in(elsewhere, "/queue") and not _signed_in(copy, "/queue")
    assert _signed_in(client, "/queue")  # the browser that changed it got a fresh session
    assert store.authenticate("li", PASSWORD) is None
    assert store.authenticate("li", NEW_PASSWORD) is not None
    assert ("li", "password_changed", None) in _audit(store)


def test_password_change_applies_the_policy(client: TestClient) -> None:
    token = login(client, "li")
    for new, message in (
        ("1111111111", "太容易猜到"),
        ("li-li-li-li-2025", "不能包含用户名"),
        ("short", "至少需要"),
    ):
        response = client.post(
            "/account/password",
            data={"current": PASSWORD, "new": new, "repeat": new, "csrf_token": token},
        )
        assert response.status_code == 400 and message in response.text, new
    wrong = client.post(
        "/account/password",
        data={
            "current": "not-my-password",
            "new": NEW_PASSWORD,
            "repeat": NEW_PASSWORD,
            "csrf_token": token,
        },
    )
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.text
    assert _signed_in(client, "/queue")


def test_agency_change_by_reset_revokes_the_session(client: TestClient, store: ReviewStore) -> None:
    login(client, "hotel")
    assert _signed_in(client)
    with pytest.raises(UserExists):
        store.add_user("hotel", NEW_PASSWORD, Role.AGENCY, OTHER_AGENCY)
    assert _signed_in(client)
    store.add_user("hotel", NEW_PASSWORD, Role.AGENCY, OTHER_AGENCY, reset=True)
    response = client.get("/agency", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


# ---- throttling and lockout ----------------------------------------------------------------------


def test_repeated_failures_slow_down_then_lock_the_name(
    client: TestClient, store: ReviewStore, clock: StoreClock
) -> None:
    for _ in range(3):
        assert _try_login(client, "li", "wrong-password-x")[0] == 401
    # the 4th try comes too early: refused before the password is even checked
    status, text = _try_login(client, "li", PASSWORD)
    assert status == 429 and "秒后再试" in text
    clock.advance(11)
    assert _try_login(client, "li", "wrong-password-x")[0] == 401  # 4th failure
    clock.advance(11)
    assert _try_login(client, "li", PASSWORD)[0] == 429  # the wait doubled to 20 s
    clock.advance(10)
    status, text = _try_login(client, "li", "wrong-password-x")  # 5th failure: locked
    assert status == 401 and "已临时锁定" in text
    clock.advance(10 * 60)
    status, text = _try_login(client, "li", PASSWORD)
    assert status == 429 and "5 分钟后再试" in text
    clock.advance(6 * 60)
    assert _try_login(client, "li", PASSWORD)[0] == 303
    actions = [a for u, a, _ in _audit(store) if u == "li"]
    assert actions.count("login_failed") == 5 and actions.count("login_throttled") == 3


def test_a_success_clears_the_count_and_other_names_are_unaffected(
    client: TestClient, clock: StoreClock
) -> None:
    for _ in range(2):
        _try_login(client, "li", "wrong-password-x")
    assert _try_login(client, "li", PASSWORD)[0] == 303
    for _ in range(2):
        assert _try_login(client, "li", "wrong-password-x")[0] == 401  # counted from zero again
    for _ in range(3):
        _try_login(client, "wang", "wrong-password-x")
    assert _try_login(client, "wang", PASSWORD)[0] == 429
    assert _try_login(client, "hotel", PASSWORD)[0] == 303


def test_unknown_names_are_throttled_alike_and_never_written_to_the_audit(
    client: TestClient, store: ReviewStore
) -> None:
    typed = "correct-horse-battery-typed-as-name"
    for _ in range(3):
        assert _try_login(client, typed, "whatever-else")[0] == 401
    assert _try_login(client, typed, "whatever-else")[0] == 429
    rows = store.audit_entries()
    assert all(typed not in str(value) for row in rows for value in row.values())
    assert ("-", "login_failed", None) in _audit(store)


# ---- audit of page views and denials, without personal data --------------------------------------


def test_page_views_and_denials_are_audited_without_personal_data(
    client: TestClient, store: ReviewStore
) -> None:
    login(client, "li")
    item = next(r["item_id"] for r in store.queue(QueueFilter()) if r["pair_key"] == "p1")
    client.get("/queue?agency=hotel_booking")
    client.get(f"/pair/{item}")
    client.get(f"/agency/hits.csv?agency={AGENCY}")
    assert client.get("/audit").status_code == 403
    actions = _audit(store)
    assert ("li", "view_page", "/queue") in actions
    assert ("li", "view_page", f"/pair/{item}") in actions
    assert ("li", "denied", "/audit") in actions
    anonymous = TestClient(client.app)
    anonymous.get("/login")
    assert anonymous.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert ("-", "denied", "/logout") in _audit(store)
    text = " ".join(str(v) for row in store.audit_entries() for v in row.values())
    assert not any(value in text for value in PERSONAL)
    assert "agency=" not in text  # paths only, no query strings


# ---- validated parameters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    ['hotel_booking"; filename="x.exe', "hotel_booking\r\nSet-Cookie: a=b", "../etc", "nope"],
)
def test_agency_parameter_is_validated_before_use(client: TestClient, bad: str) -> None:
    login(client, "li")
    for path in ("/agency/hits.csv", "/agency", "/queue"):
        response = client.get(path, params={"agency": bad})
        assert response.status_code == 400, (path, bad)
        assert bad not in response.text
        assert "content-disposition" not in response.headers


def test_download_names_the_file_after_the_checked_code(client: TestClient) -> None:
    login(client, "li")
    response = client.get("/agency/hits.csv", params={"agency": AGENCY})
    assert response.headers["content-disposition"] == f'attachment; filename="{AGENCY}_hits.csv"'


def test_the_audit_page_reads_in_chinese(client: TestClient, store: ReviewStore) -> None:
    _try_login(client, "li", "wrong-password-x")
    login(client, "wang")
    client.get("/queue")
    page = client.get("/audit").text
    cells = re.findall(r"<td>([^<]*)</td>", page)
    assert "登录失败" in cells and "浏览页面" in cells and "登录" in cells
    raw = {"login", "login_failed", "view_page", "unknown user"}
    assert not raw & set(cells)


def test_an_id_number_typed_into_a_path_is_masked_in_the_audit(
    client: TestClient, store: ReviewStore
) -> None:
    login(client, "li")
    assert client.get("/pair/110105198503122315").status_code == 404
    targets = [e["target"] or "" for e in store.audit_entries()]
    assert not [t for t in targets if "110105198503122315" in t]
    assert any(t.startswith("/pair/") for t in targets)
