"""The review queue tells the truth: total and pages, sanction impact, the compared person, Chinese
labels; first on literal hits, then on a sweep of generated data."""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from pipelines.cli.app import app as cli_app
from pipelines.review.models import QueueFilter, Role
from pipelines.review.store import ReviewStore
from pipelines.sanctions.rules import apply_rule
from pipelines.settings import default_settings
from pipelines.workbench.app import create_app
from pipelines.workbench.settings import WorkbenchSettings
from tests.workbench_fixtures import AGENCY, hit, hits_frame

PASSWORD = "correct-horse-battery"
RAW_CODES = ("guardian2", "masked_weak", "consumption_restriction", "_flags", "legal_rep", "debtor")


class _Text(HTMLParser):
    """The words a reader sees: text nodes only, not attributes, scripts or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def _client(store: ReviewStore, page_size: int = 10) -> TestClient:
    settings = WorkbenchSettings(
        review_db=store.db.path, secret_key="queue-test", page_size=page_size
    )
    client = TestClient(create_app(store, settings, agency_titles={AGENCY: "酒店住宿登记"}))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    response = client.post(
        "/login", data={"username": "li", "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert response.status_code == 200
    return client


@pytest.fixture(scope="module")
def users_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("users") / "review.duckdb"
    made = ReviewStore(path)
    made.migrate()
    made.add_user("li", PASSWORD, Role.ANALYST, None)
    return path


@pytest.fixture()
def store(users_db: Path, tmp_path: Path) -> ReviewStore:
    copy = tmp_path / "review.duckdb"
    copy.write_bytes(users_db.read_bytes())
    return ReviewStore(copy)


def _rows(page: str) -> list[str]:
    return re.findall(r'data-href="/pair/([^"]+)"', page)


def test_the_queue_shows_the_true_total_and_pages_through_it(store: ReviewStore) -> None:
    rows = [hit(f"p{i:02d}", f"r{i:02d}", score=0.6 + i / 100) for i in range(25)]
    store.push_review_items(AGENCY, date(2025, 3, 14), hits_frame(*rows))
    client = _client(store, page_size=10)
    first = client.get("/queue").text
    assert re.search(r'共 <span class="total">25</span> 项', first)
    assert "第 1 / 3 页" in first and 'rel="next"' in first
    seen = [_rows(client.get(f"/queue?page={n}").text) for n in (1, 2, 3)]
    assert [len(s) for s in seen] == [10, 10, 5]
    assert len({item for page in seen for item in page}) == 25
    assert client.get("/queue?page=99").status_code == 200  # clamped to the last page
    assert client.get("/queue?page=abc").status_code == 400
    assert client.get("/queue?sort=nonsense").status_code == 400


def test_intercept_column_and_impact_sort_follow_the_rule_not_the_decision(
    store: ReviewStore,
) -> None:
    # review hits are never intercepted yet; the rule says which would be once confirmed
    early = [
        hit(f"n{i}", f"rn{i}", intercept=False, would_intercept=False, score=0.9) for i in range(4)
    ]
    late = [
        hit(f"y{i}", f"ry{i}", intercept=False, would_intercept=True, score=0.7) for i in range(3)
    ]
    store.push_review_items(AGENCY, date(2025, 3, 14), hits_frame(*early))
    store.push_review_items(AGENCY, date(2025, 3, 20), hits_frame(*late))
    client = _client(store)
    by_deadline = client.get("/queue").text
    impact_cells = re.findall(r'<td class="impact">(.*?)</td>', by_deadline, flags=re.S)
    assert [c.startswith("是") for c in impact_cells] == [False] * 4 + [True] * 3
    assert "确认后拦截" in by_deadline
    by_impact = client.get("/queue?sort=impact").text
    impact_cells = re.findall(r'<td class="impact">(.*?)</td>', by_impact, flags=re.S)
    assert [c.startswith("是") for c in impact_cells] == [True] * 3 + [False] * 4
    assert "拦截影响优先" in visible(by_impact)


def _rule_hit(record_id: str, decision: str) -> dict[str, object]:
    return {
        "record_id": record_id,
        "role": "guest",
        "entry_id": "E1",
        "list_role": "debtor",
        "match_score": 0.8,
        "match_decision": decision,
        "pair_key": record_id,
    }


def test_the_rule_says_what_confirming_a_review_hit_would_do() -> None:
    hits = pl.DataFrame(
        [_rule_hit("R1", "review"), _rule_hit("R2", "review"), _rule_hit("R3", "match")]
    )
    records = pl.DataFrame({"record_id": ["R1", "R2", "R3"], "hotel_star": [5, 0, 4]})
    entries = pl.DataFrame(
        {
            "entry_id": ["E1"],
            "list_type": ["dishonest"],
            "status": ["active"],
            "removed_on": [None],
        },
        schema_overrides={"removed_on": pl.Date},
    )
    rules = default_settings().agencies["hotel_booking"]  # type: ignore[index]
    out = apply_rule(hits, records, entries, rules).sort("record_id").to_dicts()
    assert [(r["record_id"], r["intercept"], r["would_intercept"]) for r in out] == [
        ("R1", False, True),  # five stars: once confirmed, intercepted
        ("R2", False, False),  # unrated hotel: not even when confirmed
        ("R3", True, True),
    ]


def test_legal_rep_pair_compares_the_representative_with_the_person(store: ReviewStore) -> None:
    entry = {
        "list_type": "consumption_restriction",
        "party_type": "org",
        "name": "北京某某科技有限公司",
        "legal_rep": "张伟",
        "legal_rep_id_number": "1101051985****2315",
        "court": "北京市朝阳区人民法院",
    }
    evidence = json.dumps(
        [{"field": "id", "level": "masked_weak", "left": "1101**", "right": "1101**", "weight": 1}]
    )
    store.push_review_items(
        AGENCY,
        date(2025, 3, 14),
        hits_frame(
            hit(
                "lr",
                "r-lr",
                role="guardian2",
                list_role="legal_rep",
                list_name="北京某某科技有限公司",
                list_id_number="91110105MA01ABCD2X",
                entry_json=json.dumps(entry, ensure_ascii=False),
                record_json=json.dumps({"hotel_star": 5, "_flags": "入住时间晚于离店时间"}),
                evidence=evidence,
            )
        ),
    )
    client = _client(store)
    item = store.queue(QueueFilter())[0]["item_id"]
    page = client.get(f"/pair/{item}").text
    name_row = re.search(r"<tr><th>姓名/名称</th>(.*?)</tr>", page, flags=re.S)
    id_row = re.search(r"<tr><th>证件号码</th>(.*?)</tr>", page, flags=re.S)
    assert name_row and id_row
    assert "北京某某科技有限公司" not in name_row.group(1)
    assert visible(name_row.group(1)).replace(" ", "").count("张") == 2  # person vs person
    assert "91110105MA01ABCD2X" not in id_row.group(1)
    assert "被执行单位 北京某某科技有限公司 的法定代表人" in visible(page)
    queue = client.get("/queue").text
    assert "张伟" in visible(queue) and "北京某某科技有限公司的法定代表人" in visible(queue)
    for shown in (page, queue):
        text = visible(shown)
        assert not [code for code in RAW_CODES if code in text], text
    assert "监护人2" in visible(page) and "限制消费" in visible(page)
    assert "身份证号少量可见位一致（脱敏）" in visible(page) and "校验提示" in visible(page)


# ---- end to end: a sweep of generated data feeds the queue ----


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory, users_db: Path) -> tuple[Path, Path]:
    from pipelines.synth import generate

    world = tmp_path_factory.mktemp("world")
    generate(world, size=2500, seed=5, formats="csv")
    out = world / "out"
    review = world / "review.duckdb"
    review.write_bytes(users_db.read_bytes())
    args = [
        "sweep", "--agency", "hotel_booking",
        "--list", str(world / "lists/snapshot.csv"),
        "--input", str(world / "agencies/hotel_booking.csv"),
        "--out", str(out), "--run-date", "2025-07-01",
        "--warehouse", str(world / "wh.duckdb"), "--review-db", str(review),
    ]  # fmt: skip
    result = CliRunner().invoke(cli_app, args)
    assert result.exit_code == 0, result.output
    return out / "hits.csv", review


def test_a_swept_night_fills_the_queue_with_its_real_impact(swept: tuple[Path, Path]) -> None:
    hits_csv, review = swept
    with hits_csv.open(encoding="utf-8") as fh:
        reviews = [r for r in csv.DictReader(fh) if r["match_decision"] == "review"]
    would = {r["record_id"] for r in reviews if r["reason"].endswith("确认匹配后应予拦截")}
    store = ReviewStore(review)
    client = _client(store, page_size=5000)
    page = client.get("/queue?sort=impact").text
    total = int(re.search(r'class="total">(\d+)<', page).group(1))  # type: ignore[union-attr]
    assert total == len(store.queue(QueueFilter(), limit=100_000)) > 0
    cells = re.findall(r'<td class="impact">(.*?)</td>', page, flags=re.S)
    flagged = [c.startswith("是") for c in cells]
    assert len(cells) == total and 0 < sum(flagged) < total
    assert flagged == sorted(flagged, reverse=True)  # the impact sort puts them first
    queued = {r["record_id"]: r for r in store.queue(QueueFilter(), limit=100_000)}
    impact = store.queue_page(QueueFilter(), "impact", 1, 100_000).rows
    assert {r["record_id"] for r in impact if r["would_intercept"]} == would & set(queued)
    text = visible(page)
    assert not [code for code in RAW_CODES if code in text]
