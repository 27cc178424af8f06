"""A field-sample run's self-assessment: each night's claims against the sample's scored truth.

    .venv/bin/python bench/field_sample_claims.py OUT [--json PATH]

OUT is the folder a field sample's `run.sh OUT` filled: one sweep folder per agency (each with
its summary.json) and `score.json` from the sample's scorer. For every agency swept, prints the
expected precision/recall the night wrote (`feedback.expected_*`) beside the figures the scorer
measured for that agency (role-agnostic, active entries), and the gap (claimed - measured).
Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pipelines.evaluation.claims import check_claims

SCORE_LEVELS = {"match": "match", "match_or_review": "match+review"}
"""The scorer's level names -> ours."""


def measured_per_agency(score: dict) -> dict[str, dict]:
    """Per agency, `match` / `match+review` blocks with precision and recall from score.json."""
    identity = score.get("identity", {})
    out: dict[str, dict] = {}
    for theirs, ours in SCORE_LEVELS.items():
        for agency, prf in identity.get(theirs, {}).get("per_agency", {}).items():
            out.setdefault(agency, {})[ours] = prf
    return out


def nightly_claims(run: Path) -> dict[str, dict]:
    """Per agency swept under `run`: the feedback figures of its summary.json."""
    claims: dict[str, dict] = {}
    for summary in sorted(run.glob("*/summary.json")):
        doc = json.loads(summary.read_text(encoding="utf-8"))
        if "agency" in doc and "feedback" in doc:  # a sweep's summary (capacity writes its own)
            claims[doc["agency"]] = doc["feedback"] or {}
    return claims


def compare(run: Path) -> dict[str, dict]:
    """Claimed vs measured with the gap, per agency swept."""
    score_path = run / "score.json"
    if not score_path.exists():
        raise SystemExit(f"{run}: no score.json (run the sample's run.sh into this folder first)")
    measured = measured_per_agency(json.loads(score_path.read_text(encoding="utf-8")))
    claims = nightly_claims(run)
    if not claims:
        raise SystemExit(f"{run}: no <agency>/summary.json found")
    return {
        agency: check_claims(claimed, measured.get(agency, {}))
        for agency, claimed in claims.items()
    }


def _cell(v: float | None, signed: bool = False) -> str:
    if v is None:
        return "-"
    return f"{v:+.4f}" if signed else f"{v:.4f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="the folder run.sh OUT wrote")
    ap.add_argument("--json", type=Path, default=None, help="also write the comparison here")
    args = ap.parse_args()
    table = compare(args.out)
    print("| agency | figure | claimed | measured | gap (claimed - measured) |")
    print("|---|---|---|---|---|")
    for agency, rows in table.items():
        for name, r in rows.items():
            print(
                f"| {agency} | {name} | {_cell(r['claimed'])} | {_cell(r['measured'])} "
                f"| {_cell(r['gap'], signed=True)} |"
            )
    if args.json:
        args.json.write_text(json.dumps(table, indent=1), encoding="utf-8")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
