"""Real-browser test: log in, open the queue, decide a pair by keyboard, see it leave the queue.

Drives Debian chromium through Playwright against uvicorn on 127.0.0.1. Screenshots of the queue
and the pair page go to a temporary folder, or to docs/screenshots/ when
CREDSWEEP_UPDATE_SCREENSHOTS=1 (that is how the committed screenshots are regenerated).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.review.models import QueueFilter, Role, User
from tests.workbench_browser import CHROMIUM_ARGS, PASSWORD, chromium_path, running_workbench

playwright_api = pytest.importorskip("playwright.sync_api")
ANALYST = User("analyst", Role.ANALYST)
DOCS_SHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


@pytest.fixture()
def shots(tmp_path: Path) -> Path:
    if os.environ.get("CREDSWEEP_UPDATE_SCREENSHOTS") == "1":
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        return DOCS_SHOTS
    return tmp_path


@pytest.fixture()
def browser_page() -> Iterator[playwright_api.Page]:
    executable = chromium_path()
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
        context.set_default_timeout(10_000)
        yield context.new_page()
        browser.close()


def test_review_by_keyboard_removes_pair_from_queue(
    tmp_path: Path, shots: Path, browser_page: playwright_api.Page
) -> None:
    page = browser_page
    with running_workbench(tmp_path / "review.duckdb") as (base, store):
        page.goto(f"{base}/queue")
        page.fill("input[name=username]", "analyst")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/queue")
        rows = page.locator("table.queue tbody tr.row")
        assert rows.count() == 3
        page.screenshot(path=str(shots / "queue.png"), full_page=True)

        first = store.queue(QueueFilter())[0]
        page.keyboard.press("Enter")  # opens the focused (first) row
        page.wait_for_url(f"{base}/pair/{first['item_id']}")
        assert page.locator(".seg.diff").count() >= 1
        assert "出生日期" in page.content()
        page.screenshot(path=str(shots / "pair.png"), full_page=True)

        page.keyboard.press("m")
        page.keyboard.type("出生日期一致但地区不同，非同一人")
        page.keyboard.press("Escape")
        page.keyboard.press("n")
        page.wait_for_selector(".flash")
        assert first["pair_key"] in store.suppressed_pair_keys()

        page.goto(f"{base}/queue")
        assert page.locator("table.queue tbody tr.row").count() == 2
        assert f"/pair/{first['item_id']}" not in page.content()
        history = store.view_pair(ANALYST, first["item_id"], "127.0.0.1")
        assert history is not None
        decision = history["history"]["decisions"][-1]
        assert (decision["decision"], decision["note"]) == (
            "negative",
            "出生日期一致但地区不同，非同一人",
        )
