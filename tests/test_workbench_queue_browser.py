"""Real browser on the queue: the true total, paging, and the sanction-impact sort.

Drives Debian chromium through Playwright against uvicorn on 127.0.0.1 (see
tests/test_workbench_browser.py for the harness).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.workbench_browser import CHROMIUM_ARGS, PASSWORD, chromium_path, running_workbench
from tests.workbench_fixtures import AGENCY, hit, hits_frame

playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture()
def browser_page() -> Iterator[playwright_api.Page]:
    executable = chromium_path()
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
        context.set_default_timeout(10_000)
        yield context.new_page()
        browser.close()


def test_queue_pages_and_sorts_by_sanction_impact(
    tmp_path: Path, browser_page: playwright_api.Page
) -> None:
    page = browser_page
    with running_workbench(tmp_path / "review.duckdb", page_size=10) as (base, store):
        # a later night's review hits that the rule would intercept once confirmed
        later = [
            hit(f"w{i}", f"H-20250320-{i:04d}", intercept=False, would_intercept=True, score=0.7)
            for i in range(4)
        ]
        plain = [
            hit(f"n{i}", f"H-20250314-{i:04d}", intercept=False, would_intercept=False)
            for i in range(8)
        ]
        store.push_review_items(AGENCY, date(2025, 3, 14), hits_frame(*plain))
        store.push_review_items(AGENCY, date(2025, 3, 20), hits_frame(*later))
        page.goto(f"{base}/queue")
        page.fill("input[name=username]", "analyst")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/queue")
        assert page.locator("h1 .total").inner_text() == "15"
        rows = page.locator("table.queue tbody tr.row")
        assert rows.count() == 10
        assert "第 1 / 2 页" in page.locator("nav.pages").inner_text()

        page.select_option("select[name=sort]", "impact")
        page.click("form.filters button[type=submit]")
        page.wait_for_url("**sort=impact**")
        impact = page.locator("table.queue tbody tr.row td.impact")
        flags = [impact.nth(i).inner_text().startswith("是") for i in range(impact.count())]
        # the seeded fixture hits count too: every would-be intercept comes first
        assert flags == sorted(flags, reverse=True) and flags[:4] == [True] * 4
        first_page = set(
            page.locator("table.queue tbody tr.row").evaluate_all(
                "rows => rows.map(r => r.dataset.href)"
            )
        )

        page.click("nav.pages a[rel=next]")
        page.wait_for_url("**page=2**")
        assert "sort=impact" in page.url
        second = page.locator("table.queue tbody tr.row")
        assert second.count() == 5
        second_page = set(second.evaluate_all("rows => rows.map(r => r.dataset.href)"))
        assert not first_page & second_page
        assert all(
            not second.nth(i).locator("td.impact").inner_text().startswith("是") for i in range(5)
        )
