"""The generic truth table: evaluation reads labels and categories, not a generator's tags.

A table made by hand with categories no generator uses is scored by the same rules; a table
missing a column or carrying an unknown label is refused in one line; the generator's truth of a
real generated world adapts to it with every row labelled as the generator meant.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipelines.errors import InputError
from pipelines.evaluation.metrics import evaluate_hits
from pipelines.evaluation.truth import TRUTH_COLUMNS, TruthLabel, check_truth
from pipelines.synth.truth import read_truth

AGENCY = "school_enrollment"


def _table(rows: list[tuple[str, str, str | None, str, str]]) -> pl.DataFrame:
    """(record_id, role, entry_id, label, category) rows of one agency."""
    return pl.DataFrame(
        [(AGENCY, *r) for r in rows],
        schema={c: pl.String for c in TRUTH_COLUMNS},
        orient="row",
    )


def test_a_truth_table_from_any_source_is_scored_by_label_and_category() -> None:
    truth = _table(
        [
            ("S1", "guardian", "E1", "match", "clean|list_id15"),
            ("S2", "guardian", "E2", "match", "homophone"),
            ("S3", "guardian2", "E3", "removed", "paid"),
            ("S4", "guardian", None, "hard_negative", "masked_id_collision"),
            ("S5", "guardian", None, "none", "none"),
        ]
    )
    hits = pl.DataFrame(
        {
            "record_id": ["S1", "S3", "S4"],
            "role": ["guardian", "guardian2", "guardian"],
            "entry_id": ["E1", "E3", "E9"],
            "match_decision": ["match", "match", "review"],
            "intercept": ["true", "true", "false"],
        }
    )
    fig = evaluate_hits(hits, truth, AGENCY, n_records=5)
    m, mr = fig["match"], fig["match+review"]
    assert (m["tp"], m["fp"], m["fn"], m["removed_entry_hits"]) == (1, 0, 1, 1)
    assert (mr["tp"], mr["fp"]) == (1, 1)
    assert fig["by_noise"]["clean|list_id15"]["recall_match"] == 1.0
    assert fig["by_noise"]["homophone"]["recall_match"] == 0.0
    assert fig["by_noise"]["paid"]["n"] == 1  # removed rows: was the right person found
    assert fig["negatives"] == {
        "masked_id_collision": {"n": 1, "hit_match": 0, "hit_match+review": 1}
    }
    assert fig["removed_entry_intercepts"] == 1  # the failure that must stay at 0


def test_a_table_without_its_columns_or_with_unknown_labels_is_refused() -> None:
    good = _table([("S1", "guardian", "E1", "match", "x")])
    assert check_truth(good) is good
    with pytest.raises(InputError, match="lacks column.*label"):
        check_truth(good.drop("label"))
    with pytest.raises(InputError, match="unknown label.*positive"):
        check_truth(good.with_columns(pl.lit("positive").alias("label")))


def test_a_generated_worlds_truth_adapts_to_the_table(tmp_path: Path) -> None:
    from pipelines.synth import generate

    generate(tmp_path, size=300, seed=3, formats="parquet")
    raw = pl.read_parquet(tmp_path / "truth" / "matches.parquet")
    table = check_truth(read_truth(tmp_path / "truth" / "matches.parquet"))
    assert table.height == raw.height
    assert set(table["label"]) <= {str(label) for label in TruthLabel}
    both = pl.concat(
        [raw.select("noise", "entry_id"), table.select("label", "category")], how="horizontal"
    )
    assert both["noise"].equals(both["category"], check_names=False)
    removed = both.filter(pl.col("noise") == "removed_entry")
    assert removed.height and set(removed["label"]) == {"removed"}
    negatives = both.filter(pl.col("noise").str.ends_with("_negative"))
    assert negatives.height and set(negatives["label"]) == {"hard_negative"}
    assert negatives["entry_id"].is_null().all()
    listed = both.filter(pl.col("entry_id").is_not_null() & (pl.col("noise") != "removed_entry"))
    assert listed.height and set(listed["label"]) == {"match"}
    rest = both.filter(pl.col("entry_id").is_null() & ~pl.col("noise").str.ends_with("_negative"))
    assert set(rest["label"]) == {"none"}
