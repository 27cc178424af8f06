"""A night's self-assessment checked against truth: what the model claimed, what was measured.

Every sweep predicts its own quality from the scores it produced (summary.json, `feedback`:
`expected_precision_match`, `expected_recall_match`, `expected_recall_match_review`). Those
figures are only worth printing if they hold; this module sets each claim beside the figure
measured against a truth and reports the gap (claimed - measured: positive means the night
promised more than it delivered). Pure: dicts in, a dict out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CLAIMS: tuple[tuple[str, str, str], ...] = (
    ("expected_precision_match", "match", "precision"),
    ("expected_recall_match", "match", "recall"),
    ("expected_recall_match_review", "match+review", "recall"),
)
"""(claim key in the night's feedback figures, decision level, metric measured at that level)."""


def claim_name(level: str, metric: str) -> str:
    """`precision@match`, `recall@match+review`: the key a claim is reported under."""
    return f"{metric}@{level}"


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def check_claims(claims: Mapping[str, Any], measured: Mapping[str, Any]) -> dict[str, dict]:
    """Claimed vs measured per claim, with the gap; a claim the night did not make is None.

    `claims`: a night's feedback figures (summary.json `feedback`). `measured`: figures with a
    `match` and a `match+review` block, each holding `precision` and `recall` (the shape of
    `pipelines.evaluation.metrics.evaluate_hits`).
    """
    out: dict[str, dict] = {}
    for key, level, metric in CLAIMS:
        claimed = _number(claims.get(key))
        got = _number(measured.get(level, {}).get(metric))
        gap = None if claimed is None or got is None else round(claimed - got, 6)
        out[claim_name(level, metric)] = {"claimed": claimed, "measured": got, "gap": gap}
    return out


def worst_gap(checked: Mapping[str, Mapping[str, float | None]]) -> tuple[str, float] | None:
    """The claim furthest from the truth (largest |gap|), or None when nothing was claimed."""
    gaps = [(name, row["gap"]) for name, row in checked.items() if row.get("gap") is not None]
    if not gaps:
        return None
    name, gap = max(gaps, key=lambda kv: abs(kv[1] or 0.0))
    return name, float(gap or 0.0)
