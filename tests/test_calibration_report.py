"""Is `match_score` a calibrated probability? The reliability table, and the name-screen mark.

Exact figures on a hand-made hits/truth frame, then a small generated world swept through the
`credsweep sweep` contract: name-screened hits say so in `hits.csv` (`score_basis`).
"""

from __future__ import annotations

import csv
import json

import polars as pl
import pytest
from typer.testing import CliRunner

from matching.explain import NO_ID_ZH
from pipelines.cli.app import app
from pipelines.evaluation.metrics import evaluate_hits, format_figures
from pipelines.evaluation.reliability import NAME_SCREEN, reliability
from pipelines.evaluation.tables import calibration_table
from pipelines.sweep.outputs import HIT_COLUMNS
from pipelines.synth.truth import truth_table

AGENCY = "hotel_booking"
TRUTH = truth_table(
    pl.DataFrame(
        [
            ("R1", "guest", "E1", "exact"),
            ("R2", "guest", "E2", "exact"),
            ("R3", "guest", "E3", "homophone"),
            ("R4", "guest", "E4", "removed_entry"),
            ("R5", "guest", None, "homonym_negative"),
            ("R6", "guest", "E6", "romanised"),
            ("R7", "guest", None, "none"),
            ("R8", "guest", "E8", "exact"),
        ],
        schema={c: pl.String for c in ("record_id", "role", "entry_id", "noise")},
        orient="row",
    ).with_columns(pl.lit(AGENCY).alias("agency"))
)
COLUMNS = ("record_id", "role", "query_role", "entry_id", "match_decision", "score_basis")
HITS = pl.DataFrame(
    [
        ("R1", "guest", "guest", "E1", "match", "model", "0.995"),  # [0.99, 0.999): right
        ("R1", "guest", "guest", "E1", "review", "model", "0.5"),  # weaker copy: not counted
        ("R2", "guest", "guest", "E2", "match", "model", "0.98"),  # [0.97, 0.99): right
        ("R5", "guest", "guest", "E9", "match", "model", "0.975"),  # [0.97, 0.99): a namesake
        ("R3", "legal_rep", "guest", "E3", "review", "model", "0.85"),  # screened role: guest
        ("R7", "guest", "guest", "E7", "review", "model", "0.7"),  # [0.6, 0.8): wrong
        ("R4", "guest", "guest", "E4", "match", "model", "0.9995"),  # removed entry: left out
        ("R8", "guest", "guest", "E8", "match", "model", "1.0"),  # [0.999, 1.0]: right
        ("R6", "guest", "guest", "E6", "review", NAME_SCREEN, "0.6"),  # floored, right
        ("R8", "guest", "guest", "E5", "review", NAME_SCREEN, "0.6"),  # floored, wrong entry
    ],
    schema=[*COLUMNS, "match_score"],  # text, as read from hits.csv
    orient="row",
)


def test_reliability_bands_ece_and_name_screen_are_exact() -> None:
    cal = reliability(HITS, TRUTH, AGENCY)
    assert (cal["n"], cal["tp"], cal["expected_tp"]) == (6, 4, 5.5)
    assert cal["bands"] == [
        {"lo": 0.6, "hi": 0.8, "n": 1, "tp": 0, "mean_score": 0.7, "precision": 0.0, "gap": 0.7},
        {"lo": 0.8, "hi": 0.9, "n": 1, "tp": 1, "mean_score": 0.85, "precision": 1.0, "gap": -0.15},
        {
            "lo": 0.97,
            "hi": 0.99,
            "n": 2,
            "tp": 1,
            "mean_score": 0.9775,
            "precision": 0.5,
            "gap": 0.4775,
        },
        {
            "lo": 0.99,
            "hi": 0.999,
            "n": 1,
            "tp": 1,
            "mean_score": 0.995,
            "precision": 1.0,
            "gap": -0.005,
        },
        {"lo": 0.999, "hi": 1.0, "n": 1, "tp": 1, "mean_score": 1.0, "precision": 1.0, "gap": 0.0},
    ]
    # n-weighted |gap|: (0.7 + 0.15 + 2 x 0.4775 + 0.005 + 0) / 6
    assert cal["ece"] == pytest.approx(1.81 / 6, abs=1e-6)
    assert cal[NAME_SCREEN] == {"n": 2, "tp": 1, "precision": 0.5}


def test_hits_without_score_basis_count_every_score_as_the_models() -> None:
    """An older hits.csv: the floored rows fall into the lowest band with the rest."""
    cal = reliability(HITS.drop("score_basis"), TRUTH, AGENCY)
    assert cal["n"] == 8 and cal[NAME_SCREEN] == {"n": 0, "tp": 0, "precision": 1.0}
    assert cal["bands"][0] == {
        "lo": 0.6,
        "hi": 0.8,
        "n": 3,
        "tp": 1,
        "mean_score": pytest.approx(1.9 / 3, abs=1e-6),
        "precision": pytest.approx(1 / 3, abs=1e-6),
        "gap": pytest.approx(0.9 / 3, abs=1e-6),
    }


def test_evaluate_hits_reports_calibration_only_with_scores() -> None:
    fig = evaluate_hits(HITS, TRUTH, AGENCY, n_records=8)
    assert fig["calibration"] == reliability(HITS, TRUTH, AGENCY)
    # tp/fp keying is the same: the model-scored band tps plus the screened tp are the hits' tps
    cal = fig["calibration"]
    assert cal["tp"] + cal[NAME_SCREEN]["tp"] == fig["match+review"]["tp"]
    text = format_figures(fig)
    assert "ece=0.3017" in text and "[0.999, 1]" in text and "name-screened" in text
    assert "calibration" not in evaluate_hits(HITS.drop("match_score"), TRUTH, AGENCY, n_records=8)


def test_calibration_table_has_one_row_per_agency() -> None:
    from rich.console import Console

    fig = evaluate_hits(HITS, TRUTH, AGENCY, n_records=8)
    console = Console(width=200, record=True)
    console.print(calibration_table({AGENCY: fig}))
    text = console.export_text()
    assert AGENCY in text and "0.3017" in text and "[0.6,0.8) +0.700" in text  # the largest |gap|


@pytest.fixture(scope="module")
def hotel_sweep(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, str]], float]:
    """hits.csv of a hotel sweep over a small generated world (passport guests included), and
    the review threshold it used."""
    from pipelines.synth import generate

    root = tmp_path_factory.mktemp("calib")
    generate(root / "data", size=1500, seed=11, formats="parquet")
    lists = sorted((root / "data" / "lists").iterdir())
    snapshot = [p for p in lists if p.stem.startswith("snapshot")]
    args = ["sweep", "--agency", AGENCY, "--out", str(root / "out"), "--run-date", "2025-07-02"]
    args += ["--input", str(next((root / "data" / "agencies").glob(f"{AGENCY}.*")))]
    for path in snapshot + [p for p in lists if p not in snapshot]:
        args += ["--list", str(path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    with (root / "out" / "hits.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    summary = json.loads((root / "out" / "summary.json").read_text(encoding="utf-8"))
    # the review threshold this sweep used (target mode derives it from the sweep's own scores)
    return rows, summary["feedback"]["thresholds_after"]["review"]


def test_sweep_marks_name_screened_hits(
    hotel_sweep: tuple[list[dict[str, str]], float],
) -> None:
    hotel_hits, review = hotel_sweep
    assert list(hotel_hits[0])[: len(HIT_COLUMNS)] == list(HIT_COLUMNS)
    assert list(HIT_COLUMNS).index("score_basis") == list(HIT_COLUMNS).index("match_decision") + 1
    screened = [h for h in hotel_hits if h["score_basis"] == NAME_SCREEN]
    assert {h["score_basis"] for h in hotel_hits} <= {"model", NAME_SCREEN}
    # a name alone never enters review: a screened name needs an agreeing birth date or age
    for h in screened:
        levels = {e["field"]: e["level"] for e in json.loads(h["evidence"])}
        assert levels.get("birth") not in (None, "different"), levels
    for h in screened:  # the floor, never a match, and the explanation says no ID backs it
        assert float(h["match_score"]) == review and h["match_decision"] == "review"
        assert NO_ID_ZH in h["explanation_zh"]
    # the model's own scores still reach `match`, and every written score is at least review
    assert any(h["match_decision"] == "match" for h in hotel_hits if h["score_basis"] == "model")
    assert min(float(h["match_score"]) for h in hotel_hits) >= review
