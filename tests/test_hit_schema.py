"""One hit schema: hits.csv order, both tables and every header derive from it."""

from __future__ import annotations

from pathlib import Path

from pipelines.review.db import ReviewDb
from pipelines.sanctions.reports import HIT_FIELDS
from pipelines.storage import hit_schema
from pipelines.storage.hit_schema import CSV, REVIEW, WAREHOUSE, header, names_of
from pipelines.storage.warehouse import MEMORY, Warehouse
from pipelines.sweep.outputs import HIT_COLUMNS
from pipelines.workbench.vocab import DOWNLOAD_HEADERS

# hits.csv is a published file: its column order must never drift by accident.
CSV_ORDER = (
    "agency", "record_id", "role", "query_role", "entry_id", "match_decision", "score_basis",
    "match_score", "intercept", "rule_id", "reason", "alert_id", "list_role", "list_type",
    "entry_status", "pair_key", "explanation_zh", "evidence",
)  # fmt: skip


def test_hits_csv_order_is_the_schema_order() -> None:
    assert HIT_COLUMNS == names_of(CSV) == CSV_ORDER


def test_warehouse_hits_table_is_made_from_the_schema() -> None:
    wh = Warehouse(MEMORY)
    wh.migrate()
    assert wh.columns("hits") == ["agency", "run_date", *names_of(WAREHOUSE)[1:]]
    keys = wh.query(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_name = 'hits' AND is_nullable = 'NO' ORDER BY ordinal_position"
    )["column_name"].to_list()
    assert keys == ["agency", "run_date", "record_id", "role", "entry_id"]
    wh.close()


def test_review_pushed_hits_is_made_from_the_schema(tmp_path: Path) -> None:
    db = ReviewDb(tmp_path / "review.duckdb")
    db.migrate()
    cols = db.run(
        lambda con: [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_name = 'pushed_hits' ORDER BY ordinal_position"
            ).fetchall()
        ]
    )
    assert cols == ["hit_id", *names_of(REVIEW), "first_run", "last_run"]


def test_one_chinese_header_per_hit_column_everywhere() -> None:
    report = dict(HIT_FIELDS)
    assert report["match_score"] == header("match_score") == DOWNLOAD_HEADERS["match_score"]
    assert report["name"] == header("query_name") and report["id_number"] == header(
        "query_id_number"
    )
    for key, label in DOWNLOAD_HEADERS.items():
        if key in {c.name for c in hit_schema.HIT_SCHEMA}:
            assert label == header(key)
    assert len({c.zh for c in hit_schema.HIT_SCHEMA}) == len(hit_schema.HIT_SCHEMA)


def test_personal_columns_are_masked() -> None:
    assert set(hit_schema.masked("name")) == {"query_name", "list_name"}
    assert set(hit_schema.masked("id")) == {"query_id_number", "list_id_number"}
