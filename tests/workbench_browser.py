"""Browser-test helpers: a workbench served by uvicorn in a thread, and realistic demo data."""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
import uvicorn
from stdnum.cn import ric

from pipelines.review.models import Role
from pipelines.review.store import ReviewStore
from pipelines.workbench.app import create_app
from pipelines.workbench.settings import WorkbenchSettings
from tests.workbench_fixtures import AGENCY, OTHER_AGENCY, hit, hits_frame

PASSWORD = "correct-horse-battery"
TITLES = {
    AGENCY: "公安旅馆业治安管理（酒店住宿登记）",
    OTHER_AGENCY: "教育部门（民办学校招生）",
}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """Debian's chromium; skip without it locally, fail in CI where it must be installed."""
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("chromium not found in CI: run .ci/install-browser.sh first")
    pytest.skip("chromium not installed (run .ci/install-browser.sh); browser tests need it")


def valid_id(body17: str) -> str:
    """An 18-digit resident ID with a correct check character."""
    # stdnum ignores the last character it is given (it expects the check slot to be present).
    return body17 + ric.calc_check_digit(body17 + "0")


def seed(store: ReviewStore) -> None:
    """Users and a handful of borderline pairs, as a nightly sweep would push them."""
    store.add_user("analyst", PASSWORD, Role.ANALYST, None)
    store.add_user("boss", PASSWORD, Role.SUPERVISOR, None)
    store.add_user("hotel", PASSWORD, Role.AGENCY, AGENCY)
    people = [
        ("p-zhang", "H-20250314-0007", "张伟", "张玮", valid_id("11010519850312231"), 0.91),
        (
            "p-maimaiti",
            "H-20250314-0112",
            "买买提·艾力",
            "买买提艾丽",
            valid_id("65010219790606101"),
            0.83,
        ),
        ("p-ouyang", "H-20250314-0420", "欧阳娜娜", "欧阳娜", valid_id("44030419920101002"), 0.66),
    ]
    rows = []
    for pair_key, record_id, left, right, full_id, score in people:
        masked = full_id[:10] + "****" + full_id[14:]
        evidence = json.dumps(
            [
                {"field": "姓名", "level": "拼音相同", "left": left, "right": right, "weight": 1.8},
                {
                    "field": "出生日期",
                    "level": "一致",
                    "left": full_id[6:14],
                    "right": full_id[6:14],
                    "weight": 4.1,
                },
                {
                    "field": "身份证号",
                    "level": "可见位一致",
                    "left": full_id,
                    "right": masked,
                    "weight": 3.2,
                },
                {"field": "性别", "level": "一致", "left": "男", "right": "男", "weight": 0.4},
                {
                    "field": "地区",
                    "level": "不一致",
                    "left": full_id[:6],
                    "right": "110108",
                    "weight": -0.9,
                },
            ],
            ensure_ascii=False,
        )
        rows.append(
            hit(
                pair_key,
                record_id,
                score=score,
                query_name=left,
                list_name=right,
                query_id_number=full_id,
                list_id_number=masked,
                evidence=evidence,
                explanation_zh=f"姓名{left}与{right}读音相同，出生日期一致，身份证可见位一致",
            )
        )
    rows.append(hit("p-auto", "H-20250314-0999", decision="match", score=0.995))
    store.push_review_items(AGENCY, date(2025, 3, 14), hits_frame(*rows))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_workbench(db_path: Path, page_size: int = 200) -> Iterator[tuple[str, ReviewStore]]:
    """Serve a seeded workbench on 127.0.0.1 in a background thread; yields its base URL."""
    store = ReviewStore(db_path, retry_s=10)
    store.migrate()
    seed(store)
    settings = WorkbenchSettings(
        review_db=str(db_path), secret_key="browser-test", page_size=page_size
    )
    app = create_app(store, settings, agency_titles=TITLES)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("workbench server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", store
    finally:
        server.should_exit = True
        thread.join(timeout=10)
