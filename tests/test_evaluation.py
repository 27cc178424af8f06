"""Matching evaluation: exact counts on hand-made frames, and a saved-figure regression test.

The regression test sweeps a fixed generated world (size 3000, seed 11, all four agencies, through
the real `run_sweep` path) and compares with `tests/data/evaluation_figures.json`: precision,
recall and F1 at `match` and at `match+review` may not drop by more than TOLERANCE, the review
rate may not rise by more than TOLERANCE, and no removed list entry may be intercepted.

When the matcher improves on purpose, re-save the figures with either of

    CREDSWEEP_UPDATE_FIGURES=1 .venv/bin/pytest tests/test_evaluation.py -k saved_figures
    .venv/bin/credsweep evaluate --size 3000 --seed 11 --json tests/data/evaluation_figures.json

(both write the same document; the pytest form re-saves from one test, so -n 2 is fine)
and commit the JSON with the matcher change. See docs/evaluation.md.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from data_contracts.schemas import AGENCY_DATASETS
from matching.evaluation import evaluate_hits, format_figures
from pipelines.cli import app
from pipelines.evaluate_command import (
    _default_run_date,
    check_agencies,
    evaluation_document,
    locate,
    run_evaluation,
)
from pipelines.settings import default_settings

SAVED = Path(__file__).parent / "data" / "evaluation_figures.json"
SIZE, SEED = 3000, 11
TOLERANCE = 0.005
UPDATE = os.environ.get("CREDSWEEP_UPDATE_FIGURES") == "1"


def _truth(rows: list[tuple[str, str, str | None, str]], agency: str = "hotel_booking"):
    """Truth frame from (record_id, role, entry_id, noise) tuples."""
    return pl.DataFrame(
        {
            "agency": [agency] * len(rows),
            "record_id": [r[0] for r in rows],
            "role": [r[1] for r in rows],
            "entry_id": [r[2] for r in rows],
            "list_role": ["debtor" if r[2] else None for r in rows],
            "noise": [r[3] for r in rows],
        },
        schema={
            c: pl.String for c in ("agency", "record_id", "role", "entry_id", "list_role", "noise")
        },
    )


def _hits(rows: list[tuple], columns=("record_id", "role", "entry_id", "match_decision")):
    return pl.DataFrame([dict(zip(columns, r, strict=True)) for r in rows])


TRUTH = _truth(
    [
        ("R1", "guest", "E1", "exact"),
        ("R2", "guest", "E2", "homophone"),
        ("R3", "guest", "E3", "homophone"),
        ("R4", "guest", "E4", "removed_entry"),
        ("R5", "guest", None, "homonym_negative"),
        ("R6", "guest", None, "birthdate_negative"),
        ("R7", "guest", None, "none"),
    ]
)


def test_counts_at_each_level_are_exact() -> None:
    hits = _hits(
        [
            ("R1", "guest", "E1", "match"),  # tp at both levels
            ("R2", "guest", "E2", "review"),  # tp only at match+review
            ("R5", "guest", "E9", "match"),  # hard negative hit: fp
            ("R7", "guest", "E8", "review"),  # plain record hit: fp at match+review
            ("R4", "guest", "E4", "match"),  # the right person on a removed entry: neither
        ]
    )
    fig = evaluate_hits(hits, TRUTH, "hotel_booking", n_records=10)
    assert fig["positives"] == 3
    m, mr = fig["match"], fig["match+review"]
    assert (m["tp"], m["fp"], m["fn"], m["removed_entry_hits"]) == (1, 1, 2, 1)
    assert (mr["tp"], mr["fp"], mr["fn"]) == (2, 2, 1)
    assert m["precision"] == pytest.approx(0.5) and m["recall"] == pytest.approx(1 / 3)
    assert m["f1"] == pytest.approx(0.4)
    assert mr["precision"] == pytest.approx(0.5) and mr["recall"] == pytest.approx(2 / 3)
    assert fig["reviews"] == 2 and fig["review_rate"] == pytest.approx(0.2)
    assert fig["by_noise"]["homophone"] == {
        "n": 2,
        "recall_match": 0.0,
        "recall_match+review": 0.5,
    }
    assert fig["negatives"]["homonym_negative"] == {"n": 1, "hit_match": 1, "hit_match+review": 1}
    assert fig["negatives"]["birthdate_negative"]["hit_match+review"] == 0
    assert "intercepts" not in fig  # no intercept column, no intercept figures


def test_positives_on_quarantined_records_are_counted_apart() -> None:
    hits = _hits([("R1", "guest", "E1", "match")])
    screened = pl.Series(["R1", "R3", "R4", "R5", "R6", "R7"])  # R2 never reached matching
    fig = evaluate_hits(hits, TRUTH, "hotel_booking", n_records=7, screened=screened)
    assert fig["positives_not_screened"] == 1
    assert fig["by_noise"]["homophone"]["not_screened"] == 1
    assert fig["match"]["fn"] == 2  # still a miss: the sweep never intercepts it
    assert "1 quarantined" in format_figures(fig)


def test_wrong_entry_for_a_true_record_is_a_false_positive_and_a_miss() -> None:
    hits = _hits([("R1", "guest", "E2", "match")])
    m = evaluate_hits(hits, TRUTH, "hotel_booking", n_records=7)["match"]
    assert (m["tp"], m["fp"], m["fn"]) == (0, 1, 3)


def test_screened_role_comes_from_query_role_when_present() -> None:
    truth = _truth([("S1", "guardian2", "E1", "exact"), ("S1", "guardian", None, "none")])
    cols = ("record_id", "role", "entry_id", "match_decision", "query_role")
    hits = _hits([("S1", "legal_rep", "E1", "match", "guardian2")], cols)
    assert evaluate_hits(hits, truth, "hotel_booking", n_records=1)["match"]["tp"] == 1
    wrong = _hits([("S1", "legal_rep", "E1", "match", "guardian")], cols)
    assert evaluate_hits(wrong, truth, "hotel_booking", n_records=1)["match"]["tp"] == 0


def test_rewritten_legal_rep_role_is_recovered_without_query_role() -> None:
    """Without query_role, the truth slot of that (record, entry) names the screened role."""
    truth = _truth(
        [
            ("S1", "guardian2", "E1", "exact"),
            ("S1", "guardian", None, "none"),
            ("H1", "guest", None, "homonym_negative"),
        ]
    )
    hits = _hits([("S1", "legal_rep", "E1", "match"), ("H1", "legal_rep", "E7", "review")])
    fig = evaluate_hits(hits, truth, "hotel_booking", n_records=2)
    assert fig["match"]["tp"] == 1
    # a single-slot record's rewritten hit still lands on its hard-negative slot
    assert fig["negatives"]["homonym_negative"]["hit_match+review"] == 1


def test_intercepts_on_removed_entries_are_counted_from_text_or_bool() -> None:
    cols = ("record_id", "role", "entry_id", "match_decision", "intercept")
    for yes, no in (("true", "false"), (True, False)):
        hits = _hits(
            [
                ("R1", "guest", "E1", "match", yes),
                ("R4", "guest", "E4", "match", yes),
                ("R5", "guest", "E9", "match", no),
            ],
            cols,
        )
        fig = evaluate_hits(hits, TRUTH, "hotel_booking", n_records=7)
        assert (fig["intercepts"], fig["removed_entry_intercepts"]) == (2, 1)
        assert fig["false_intercepts"] == 1


def test_other_agencies_truth_is_ignored_and_no_hits_is_vacuous() -> None:
    truth = pl.concat(
        [TRUTH, _truth([("X1", "candidate", "E1", "exact")], "civil_service_candidate")]
    )
    empty = pl.DataFrame(
        schema={c: pl.String for c in ("record_id", "role", "entry_id", "match_decision")}
    )
    fig = evaluate_hits(empty, truth, "civil_service_candidate", n_records=1)
    assert fig["positives"] == 1 and fig["match"]["fn"] == 1
    assert fig["match"]["precision"] == 1.0 and fig["match"]["recall"] == 0.0
    assert fig["match"]["f1"] == 0.0 and fig["negatives"] == {}


def test_format_figures_shows_every_level_and_noise() -> None:
    hits = _hits([("R1", "guest", "E1", "match")])
    text = format_figures(evaluate_hits(hits, TRUTH, "hotel_booking", n_records=7))
    for word in ("hotel_booking", "match+review", "homophone", "homonym_negative", "1.0000"):
        assert word in text


def test_unknown_agency_is_one_line() -> None:
    result = CliRunner().invoke(app, ["evaluate", "--agency", "casino"])
    assert result.exit_code == 2
    assert "unknown agency 'casino'" in result.stderr and len(result.stderr.splitlines()) == 1
    assert check_agencies(None) == check_agencies(list(check_agencies(None)))


def test_missing_truth_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "lists").mkdir()
    result = CliRunner().invoke(app, ["evaluate", "--data", str(tmp_path), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "truth/matches.parquet is missing" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def _regressions(saved: dict, now: dict) -> list[str]:
    """Every figure that got worse than the saved one by more than TOLERANCE."""
    bad = []
    for agency, old in saved["agencies"].items():
        new = now["agencies"].get(agency)
        if new is None:
            bad.append(f"{agency}: not evaluated")
            continue
        for level in ("match", "match+review"):
            for metric in ("precision", "recall", "f1"):
                was, got = old[level][metric], new[level][metric]
                if got < was - TOLERANCE:
                    bad.append(f"{agency} {level} {metric}: {got:.4f} < saved {was:.4f}")
        if new["review_rate"] > old["review_rate"] + TOLERANCE:
            bad.append(
                f"{agency} review_rate: {new['review_rate']:.4f} > saved {old['review_rate']:.4f}"
            )
        if new.get("removed_entry_intercepts", 0) != 0:
            bad.append(f"{agency}: {new['removed_entry_intercepts']} intercepts on removed entries")
    return bad


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixed small world, generated once per worker (about a second)."""
    from pipelines.synth import generate

    root = tmp_path_factory.mktemp("evaluation") / "data"
    generate(root, SIZE, SEED, formats="parquet")
    return root


@pytest.mark.parametrize("agency", AGENCY_DATASETS)
def test_saved_figures_do_not_regress(agency: str, world: Path, tmp_path: Path) -> None:
    if UPDATE:
        if agency != AGENCY_DATASETS[0]:
            pytest.skip("figures are re-saved once, by the first agency's test")
        doc = evaluation_document(
            tmp_path, AGENCY_DATASETS, _default_run_date(), default_settings(), size=SIZE, seed=SEED
        )
        SAVED.parent.mkdir(parents=True, exist_ok=True)
        SAVED.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        pytest.skip(f"figures re-saved to {SAVED}")
    saved = json.loads(SAVED.read_text(encoding="utf-8"))
    assert saved["source"] == {"generated": True, "size": SIZE, "seed": SEED}
    assert saved["run_date"] == _default_run_date().isoformat()
    now = {
        "agencies": run_evaluation(
            locate(world), [agency], tmp_path, _default_run_date(), default_settings()
        )
    }
    mine = {"agencies": {agency: saved["agencies"][agency]}}
    bad = _regressions(mine, now)
    assert not bad, "matching got worse (re-save on purpose: see module docstring):\n" + "\n".join(
        bad
    )
    # the data is fixed, so these must be equal; a change means the generator or contracts moved
    for key in ("records", "positives", "records_quarantined"):
        assert now["agencies"][agency][key] == saved["agencies"][agency][key], key


def test_regression_check_flags_drops_and_tolerates_noise() -> None:
    fig = {"match": {"precision": 1.0, "recall": 0.9, "f1": 0.95}, "review_rate": 0.003}
    fig["match+review"] = dict(fig["match"])
    saved = {"agencies": {"hotel_booking": fig}}
    slightly = json.loads(json.dumps(saved))
    slightly["agencies"]["hotel_booking"]["match"]["recall"] = 0.897
    assert _regressions(saved, slightly) == []
    worse = json.loads(json.dumps(saved))
    worse["agencies"]["hotel_booking"]["match+review"]["precision"] = 0.99
    worse["agencies"]["hotel_booking"]["review_rate"] = 0.01
    worse["agencies"]["hotel_booking"]["removed_entry_intercepts"] = 1
    assert len(_regressions(saved, worse)) == 3
