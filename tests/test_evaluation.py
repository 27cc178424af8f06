"""Matching evaluation: exact counts on hand-made frames, and a saved-figure regression test.

The regression test sweeps a fixed generated world (size 3000, seed 11, all four agencies, through
the real `run_sweep` path) and compares with `tests/data/evaluation_figures.json`: precision,
recall and F1 at `match` and at `match+review` may not drop by more than TOLERANCE, nor may the
recall where both sides carry an identifier (`recall_both_ids`, at match+review); the review rate
may not rise by more than TOLERANCE, and no removed list entry may be intercepted.

When the matcher improves on purpose, re-save the figures with either of

    CREDSWEEP_UPDATE_FIGURES=1 .venv/bin/pytest tests/test_evaluation.py -k saved_figures
    .venv/bin/credsweep evaluate --size 3000 --seed 11 --json tests/data/evaluation_figures.json

(both write the same document; the pytest form re-saves from one test, so -n 2 is fine)
and commit the JSON with the matcher change. See docs/evaluation.md.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from data_contracts.schemas import AGENCY_DATASETS
from matching.parties import QUERY_SCHEMA, list_parties
from pipelines.cli.app import app
from pipelines.evaluation.command import (
    _default_run_date,
    check_agencies,
    evaluation_document,
    locate,
    run_evaluation,
)
from pipelines.evaluation.evidence import Parties, classify_evidence
from pipelines.evaluation.metrics import evaluate_hits, format_figures
from pipelines.settings import default_settings
from pipelines.synth.truth import truth_table

SAVED = Path(__file__).parent / "data" / "evaluation_figures.json"
SIZE, SEED = 3000, 11
TOLERANCE = 0.005
UPDATE = os.environ.get("CREDSWEEP_UPDATE_FIGURES") == "1"


def _truth(rows: list[tuple[str, str, str | None, str]], agency: str = "hotel_booking"):
    """Evaluation truth table from generator-style (record_id, role, entry_id, noise) tuples."""
    generated = pl.DataFrame(
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
    return truth_table(generated)


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


RUN_DATE = date(2025, 7, 1)
FULL_ID, MASKED_ID = (
    "11010519491231002X",
    "1101051949****002X",
)  # a valid ID, and as a list masks it
# (record, role, party_type, name, id_number, id_type): one query party per evidence case
QUERY_ROWS = [
    ("Q1", "guest", "person", "张伟", FULL_ID, "居民身份证"),  # both_ids (list side masked)
    ("Q2", "guest", "person", "ZHANG WEI", "E12345678", "护照"),  # query_no_id: passport only
    ("Q3", "guest", "person", "王芳", FULL_ID, "居民身份证"),  # list_no_id: rep without an ID
    ("Q4", "guest", "person", "李娜", None, None),  # neither: empty ID on both sides
    ("Q5", "guest", "person", "刘洋", "1.10105E+17", "居民身份证"),  # query_no_id: Excel-mangled
    ("Q6", "applicant", "org", "某某科技有限公司", "91350100M000100Y43", None),  # both: USCC/code
    ("Q7", "guest", "person", "陈静", FULL_ID, "居民身份证"),  # quarantined: not_screened
]
ENTRY_ROWS = {  # entry -> (party_type, name, id_number, legal_rep, legal_rep_id_number)
    "E1": ("person", "张伟", MASKED_ID, None, None),
    "E2": ("person", "张伟", FULL_ID, None, None),
    "E3": ("org", "某某贸易有限公司", "91350100M000100Y43", "王芳", None),
    "E4": ("person", "李娜", None, None, None),
    "E5": ("person", "刘洋", FULL_ID, None, None),
    "E6": ("org", "某某科技有限公司", "M000100Y4", None, None),
    "E7": ("person", "陈静", FULL_ID, None, None),
}
EVIDENCE_TRUTH = [  # (record, role, entry, list_role, expected class)
    ("Q1", "guest", "E1", "debtor", "both_ids"),
    ("Q2", "guest", "E2", "debtor", "query_no_id"),
    ("Q3", "guest", "E3", "legal_rep", "list_no_id"),
    ("Q4", "guest", "E4", "debtor", "neither"),
    ("Q5", "guest", "E5", "debtor", "query_no_id"),
    ("Q6", "applicant", "E6", "debtor", "both_ids"),
    ("Q7", "guest", "E7", "debtor", "not_screened"),
]


def _parties() -> Parties:
    """Hand-made query parties and list parties cut by `list_parties` from hand-made entries."""
    query = pl.DataFrame(
        [dict(zip(list(QUERY_SCHEMA)[:6], r, strict=True)) for r in QUERY_ROWS],
        schema={k: v for k, v in QUERY_SCHEMA.items() if k not in ("gender", "birth_date")},
    )
    cols = ("party_type", "name", "id_number", "legal_rep", "legal_rep_id_number")
    entries = pl.DataFrame(
        [{"entry_id": e, **dict(zip(cols, v, strict=True))} for e, v in ENTRY_ROWS.items()],
        schema={"entry_id": pl.String, **{c: pl.String for c in cols}},
    )
    return Parties(query=query, listed=list_parties(entries), as_of=RUN_DATE)


def _evidence_truth() -> pl.DataFrame:
    truth = _truth([(r, role, e, "exact") for r, role, e, _, _ in EVIDENCE_TRUTH])
    return truth.with_columns(pl.Series("list_role", [x[3] for x in EVIDENCE_TRUTH]))


SCREENED = pl.Series([f"Q{i}" for i in range(1, 7)])  # Q7 was quarantined


def test_each_positive_is_classed_by_the_identifiers_its_two_sides_carry() -> None:
    pos = _evidence_truth().select("record_id", "role", "entry_id", "list_role")
    got = classify_evidence(pos, _parties(), SCREENED)
    assert dict(got.select("record_id", "evidence").iter_rows()) == {
        r: cls for r, _, _, _, cls in EVIDENCE_TRUTH
    }
    # without the screened ids nothing is told apart as quarantined: Q7 carries IDs on both sides
    unsplit = classify_evidence(pos, _parties())
    assert unsplit.filter(pl.col("record_id") == "Q7")["evidence"].item() == "both_ids"


def test_a_side_matching_never_saw_carries_no_identifier() -> None:
    """A role with no party (name and ID empty) or an entry no longer active gives no evidence."""
    pos = _evidence_truth().select("record_id", "role", "entry_id", "list_role").head(1)
    parties = _parties()
    no_query = Parties(parties.query.filter(pl.col("record_id") != "Q1"), parties.listed, RUN_DATE)
    assert classify_evidence(pos, no_query)["evidence"].item() == "query_no_id"
    gone = pl.when(pl.col("entry_id") == "E1").then(pl.lit("removed")).otherwise(pl.col("status"))
    removed = Parties(parties.query, parties.listed.with_columns(gone.alias("status")), RUN_DATE)
    assert classify_evidence(pos, removed)["evidence"].item() == "list_no_id"


def test_recall_by_evidence_counts_tp_over_n_per_level() -> None:
    hits = _hits(
        [
            ("Q1", "guest", "E1", "match"),
            ("Q2", "guest", "E2", "review"),  # a passport holder found by name: review only
            ("Q6", "applicant", "E6", "review"),
        ]
    )
    fig = evaluate_hits(
        hits, _evidence_truth(), "hotel_booking", n_records=7, screened=SCREENED, parties=_parties()
    )
    by = fig["recall_by_evidence"]
    assert list(by) == ["both_ids", "query_no_id", "list_no_id", "neither", "not_screened"]
    assert by["both_ids"] == {
        "n": 2,
        "tp_match": 1,
        "recall_match": 0.5,
        "tp_match+review": 2,
        "recall_match+review": 1.0,
    }
    assert (by["query_no_id"]["n"], by["query_no_id"]["tp_match+review"]) == (2, 1)
    assert (by["list_no_id"]["n"], by["neither"]["n"], by["not_screened"]["n"]) == (1, 1, 1)
    assert sum(r["n"] for r in by.values()) == fig["positives"]
    assert fig["recall_both_ids"] == {"match": 0.5, "match+review": 1.0}
    text = format_figures(fig)
    assert "both_ids" in text and "2/2" in text and "not_screened" in text
    # without parties the figures keep their old shape
    assert "recall_by_evidence" not in evaluate_hits(
        hits, _evidence_truth(), "hotel_booking", n_records=7
    )


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
        was_ids = old.get("recall_both_ids", {}).get("match+review")
        got_ids = new.get("recall_both_ids", {}).get("match+review")
        if was_ids is not None and (got_ids is None or got_ids < was_ids - TOLERANCE):
            shown = "missing" if got_ids is None else f"{got_ids:.4f}"
            bad.append(f"{agency} match+review recall_both_ids: {shown} < saved {was_ids:.4f}")
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
    fig["recall_both_ids"] = {"match": 0.9, "match+review": 0.96}
    saved = {"agencies": {"hotel_booking": fig}}
    slightly = json.loads(json.dumps(saved))
    slightly["agencies"]["hotel_booking"]["match"]["recall"] = 0.897
    slightly["agencies"]["hotel_booking"]["recall_both_ids"]["match+review"] = 0.956
    slightly["agencies"]["hotel_booking"]["recall_both_ids"]["match"] = 0.5  # not checked
    assert _regressions(saved, slightly) == []
    worse = json.loads(json.dumps(saved))
    worse["agencies"]["hotel_booking"]["match+review"]["precision"] = 0.99
    worse["agencies"]["hotel_booking"]["review_rate"] = 0.01
    worse["agencies"]["hotel_booking"]["removed_entry_intercepts"] = 1
    worse["agencies"]["hotel_booking"]["recall_both_ids"]["match+review"] = 0.95
    bad = _regressions(saved, worse)
    assert len(bad) == 4 and any("recall_both_ids: 0.9500 < saved 0.9600" in b for b in bad)
    del worse["agencies"]["hotel_booking"]["recall_both_ids"]
    assert any("recall_both_ids: missing" in b for b in _regressions(saved, worse))
    # a file saved before the evidence classes existed checks nothing new
    del saved["agencies"]["hotel_booking"]["recall_both_ids"]
    assert _regressions(saved, slightly) == []
