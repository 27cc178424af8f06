"""HTTP-level workbench tests: login, CSRF, agency isolation, session expiry, decisions, audit."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pipelines.review.models import QueueFilter, Role
from pipelines.review.store import ReviewStore
from pipelines.workbench.app import create_app
from pipelines.workbench.settings import WorkbenchSettings
from tests.workbench_fixtures import AGENCY, OTHER_AGENCY, hit, hits_frame

PASSWORD = "correct-horse-battery"
TITLES = {AGENCY: "酒店住宿登记", OTHER_AGENCY: "学校招生"}


class Clock:
    """A settable clock so a test can let a session expire without sleeping."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Users and hits built once per module: argon2 hashing is deliberately slow."""
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
def store(seeded_db: Path, tmp_path: Path) -> ReviewStore:
    copy = tmp_path / "review.duckdb"
    shutil.copyfile(seeded_db, copy)
    return ReviewStore(copy, retry_s=5)


@pytest.fixture()
def client(store: ReviewStore, clock: Clock) -> TestClient:
    settings = WorkbenchSettings(
        review_db=store.db.path, secret_key="test-secret", session_max_age_s=600
    )
    return TestClient(create_app(store, settings, agency_titles=TITLES, clock=clock))


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF field"
    return found.group(1)


def _shown(html: str) -> str:
    """The page without its random CSRF values, which may spell a short record id by chance."""
    return re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token"', html)


def login(client: TestClient, username: str) -> str:
    """Log in and return the session's CSRF token."""
    token = _csrf(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"},
    )
    assert response.status_code == 200, response.text
    return _csrf(response.text)


def _item(store: ReviewStore, pair_key: str) -> str:
    return next(r["item_id"] for r in store.queue(QueueFilter()) if r["pair_key"] == pair_key)


def test_pages_need_login(client: TestClient) -> None:
    response = client.get("/queue", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_wrong_password_is_refused(client: TestClient) -> None:
    token = _csrf(client.get("/login").text)
    response = client.post(
        "/login", data={"username": "li", "password": "nope-nope-nope", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text


def test_login_without_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "li", "password": PASSWORD})
    assert response.status_code == 403


def test_decision_with_forged_csrf_is_refused_and_not_written(
    client: TestClient, store: ReviewStore
) -> None:
    login(client, "li")
    item = _item(store, "p1")
    response = client.post(
        f"/pair/{item}/decide", data={"decision": "negative", "csrf_token": "forged"}
    )
    assert response.status_code == 403
    assert store.suppressed_pair_keys() == set()


def test_analyst_decides_and_the_pair_leaves_the_queue(
    client: TestClient, store: ReviewStore
) -> None:
    token = login(client, "li")
    queue = client.get("/queue")
    item = _item(store, "p1")
    assert f"/pair/{item}" in queue.text
    page = client.get(f"/pair/{item}")
    assert page.status_code == 200
    assert "配对复核" in page.text and "出生日期" in page.text
    response = client.post(
        f"/pair/{item}/decide",
        data={"decision": "negative", "note": "出生日期不同", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert store.suppressed_pair_keys() == {"p1"}
    assert f"/pair/{item}" not in client.get("/queue").text
    actions = [(e["username"], e["action"], e["target"]) for e in store.audit_entries()]
    assert ("li", "view_pair", item) in actions and ("li", "decide", item) in actions
    assert all(e["client_ip"] for e in store.audit_entries())


def test_analyst_cannot_overrule_but_supervisor_can(client: TestClient, store: ReviewStore) -> None:
    token = login(client, "li")
    item = _item(store, "p1")
    client.post(f"/pair/{item}/decide", data={"decision": "positive", "csrf_token": token})
    again = client.post(f"/pair/{item}/decide", data={"decision": "negative", "csrf_token": token})
    assert again.status_code == 409
    boss = TestClient(client.app)
    boss_token = login(boss, "wang")
    assert (
        boss.post(
            f"/pair/{item}/decide", data={"decision": "negative", "csrf_token": boss_token}
        ).status_code
        == 200
    )
    assert store.suppressed_pair_keys() == {"p1"}


def test_bulk_decision(client: TestClient, store: ReviewStore) -> None:
    store.push_review_items(AGENCY, date(2025, 3, 17), hits_frame(hit("p7", "r7"), hit("p8", "r8")))
    token = login(client, "li")
    items = [_item(store, "p7"), _item(store, "p8")]
    response = client.post(
        "/queue/bulk", data={"decision": "positive", "item_id": items, "csrf_token": token}
    )
    assert response.status_code == 200
    assert "已批量记录 2 个配对的决定" in response.text
    assert store.confirmed_pair_keys() == {"p7", "p8"}


def test_agency_user_sees_only_own_hits(client: TestClient) -> None:
    login(client, "hotel")
    own = client.get("/agency")
    page = _shown(own.text)
    assert own.status_code == 200 and "r2" in page and "s5" not in page
    assert client.get(f"/agency?agency={OTHER_AGENCY}").status_code == 403
    assert client.get(f"/agency/hits.csv?agency={OTHER_AGENCY}").status_code == 403
    assert client.get("/queue").status_code == 403


def test_agency_download_is_excel_ready_csv_of_own_hits(client: TestClient) -> None:
    login(client, "hotel")
    response = client.get(f"/agency/hits.csv?agency={AGENCY}")
    assert response.status_code == 200
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff预警编号")
    assert "A-p2-r2" in body and "s5" not in body


def test_agency_user_cannot_open_another_agencys_pair(
    client: TestClient, store: ReviewStore
) -> None:
    login(client, "school")
    assert client.get(f"/pair/{_item(store, 'p1')}").status_code == 403


def test_agency_false_match_feedback_enters_the_queue(
    client: TestClient, store: ReviewStore
) -> None:
    token = login(client, "hotel")
    response = client.post(
        "/agency/outcome",
        data={
            "alert_id": "A-p2-r2",
            "outcome": "false_match",
            "note": "非本人",
            "csrf_token": token,
        },
    )
    assert response.status_code == 200 and "已转人工复核" in response.text
    assert [r["kind"] for r in store.queue(QueueFilter()) if r["pair_key"] == "p2"] == ["disputed"]


def test_session_expires(client: TestClient, clock: Clock) -> None:
    login(client, "li")
    assert client.get("/queue").status_code == 200
    clock.now += 601
    response = client.get("/queue", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def _queued(page: str, record_id: str) -> bool:
    """Whether the queue page lists `record_id` (its row cell, not any text: the random CSRF
    token in the page can contain `r1`)."""
    return f"<small>{record_id} · " in page


def test_queue_filters_by_agency_and_date(client: TestClient, store: ReviewStore) -> None:
    store.push_review_items(
        OTHER_AGENCY, date(2025, 4, 1), hits_frame(hit("q1", "s1", agency=OTHER_AGENCY))
    )
    login(client, "li")
    everything = client.get("/queue").text
    assert _queued(everything, "s1") and _queued(everything, "r1")
    school = client.get(f"/queue?agency={OTHER_AGENCY}").text
    assert _queued(school, "s1") and not _queued(school, "r1")
    april = client.get("/queue?date_from=2025-04-01").text
    assert _queued(april, "s1") and not _queued(april, "r1")
    assert client.get("/queue?date_from=not-a-date").status_code == 400


def test_precision_page_counts_decisions(client: TestClient, store: ReviewStore) -> None:
    token = login(client, "li")
    client.post(
        f"/pair/{_item(store, 'p1')}/decide", data={"decision": "positive", "csrf_token": token}
    )
    page = client.get("/precision").text
    assert "0.70 – 0.80" in page and "100.0%" in page


def test_security_headers_and_supervisor_only_audit(client: TestClient) -> None:
    login(client, "li")
    response = client.get("/queue")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert client.get("/audit").status_code == 403
