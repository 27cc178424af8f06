"""The night's self-assessment against truth: `pipelines.evaluation.claims` and the output of
`credsweep evaluate`.

The end-to-end test runs `credsweep evaluate` on a small generated world; each sweep writes its
expected precision/recall to summary.json, and the evaluation must set exactly those claims
beside the figures it measured, with the gap, in its JSON and its console table.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli.app import app
from pipelines.evaluation.claims import CLAIMS, check_claims, claim_name, worst_gap

MEASURED = {
    "match": {"precision": 0.99, "recall": 0.75},
    "match+review": {"precision": 0.9, "recall": 0.8},
}


def test_each_claim_sits_beside_its_measured_figure_with_the_gap() -> None:
    claims = {
        "expected_precision_match": 0.999,
        "expected_recall_match": 0.9,
        "expected_recall_match_review": 0.99,
        "thresholds_mode": "target",  # not a claim: ignored
    }
    got = check_claims(claims, MEASURED)
    assert list(got) == ["precision@match", "recall@match", "recall@match+review"]
    assert got["precision@match"] == {"claimed": 0.999, "measured": 0.99, "gap": 0.009}
    assert got["recall@match"]["gap"] == pytest.approx(0.15)
    assert got["recall@match+review"]["gap"] == pytest.approx(0.19)
    assert worst_gap(got) == ("recall@match+review", pytest.approx(0.19))


def test_a_claim_not_made_has_no_gap_and_an_over_delivery_is_negative() -> None:
    got = check_claims({"expected_recall_match": 0.5, "expected_precision_match": None}, MEASURED)
    assert got["precision@match"] == {"claimed": None, "measured": 0.99, "gap": None}
    assert got["recall@match+review"]["claimed"] is None
    assert got["recall@match"]["gap"] == pytest.approx(-0.25)  # delivered more than promised
    assert worst_gap(check_claims({}, MEASURED)) is None


def test_evaluate_reports_each_nights_claims_against_truth(tmp_path: Path) -> None:
    out, figures = tmp_path / "work", tmp_path / "figures.json"
    args = ["evaluate", "--size", "800", "--seed", "5", "--agency", "hotel_booking"]
    result = CliRunner().invoke(app, [*args, "--out", str(out), "--json", str(figures)])
    assert result.exit_code == 0, result.output
    fig = json.loads(figures.read_text(encoding="utf-8"))["agencies"]["hotel_booking"]
    feedback = json.loads((out / "hotel_booking" / "summary.json").read_text(encoding="utf-8"))[
        "feedback"
    ]
    checked = fig["self_assessment"]
    assert len(checked) == len(CLAIMS)
    for key, level, metric in CLAIMS:
        row = checked[claim_name(level, metric)]
        # the claim is the sweep's own figure, the measurement the evaluation's own
        assert feedback[key] is not None and row["claimed"] == pytest.approx(feedback[key])
        assert row["measured"] == pytest.approx(fig[level][metric])
        assert 0.0 <= row["claimed"] <= 1.0 and 0.0 <= row["measured"] <= 1.0
        assert row["gap"] == pytest.approx(row["claimed"] - row["measured"], abs=1e-6)
    assert "self-assessment" in result.output
    for name in checked:
        assert name in result.output
    gap = checked["recall@match"]["gap"]
    assert f"{gap:+.4f}" in result.output
