"""The analysts' review queue as a budget: the most probable pairs below `match`, no more.

A night can send analysts only as many items as they can clear. Review candidates are ranked by
the model's own probability (a name-screened pair by its model score, not by the review floor it
was lifted to), and the queue is cut at the budget; what the cut left out is reported, never
silently lost. Analyst-confirmed pairs are never cut.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class BudgetCut:
    """What the review budget kept and left out (no personal data)."""

    budget: int | None
    candidates: int
    kept: int
    left_out: int
    lowest_kept_probability: float | None
    highest_left_out_probability: float | None

    def figures(self) -> dict[str, float | int | None]:
        """JSON-safe figures for summary.json."""
        return {
            "budget": self.budget,
            "candidates": self.candidates,
            "kept": self.kept,
            "left_out": self.left_out,
            "lowest_kept_probability": self.lowest_kept_probability,
            "highest_left_out_probability": self.highest_left_out_probability,
        }


def apply_review_budget(
    decided: pl.DataFrame, budget: int | None
) -> tuple[pl.DataFrame, BudgetCut]:
    """Keep every `match` and forced pair, and the `budget` most probable `review` pairs.

    `decided` needs `match_decision`, `forced`, `model_score` and `entry_id` (ties broken by entry
    id, then query row, so a rerun keeps the same items).
    """
    review = (pl.col("match_decision") == "review") & ~pl.col("forced")
    queue = decided.filter(review)
    if budget is None or queue.height <= budget:
        cut = BudgetCut(budget, queue.height, queue.height, 0, _low(queue), None)
        return decided, cut
    ranked = queue.with_row_index("_at").sort(
        ["model_score", "entry_id_l", "_at"], descending=[True, False, False]
    )
    keep, drop = ranked.head(budget), ranked.slice(budget)
    kept = pl.concat([decided.filter(~review), keep.drop("_at")], how="vertical_relaxed")
    cut = BudgetCut(
        budget, queue.height, keep.height, drop.height, _low(keep), _top(drop)
    )
    return kept, cut


def _low(frame: pl.DataFrame) -> float | None:
    if frame.is_empty():
        return None
    return float(frame["model_score"].cast(pl.Float64).to_numpy().min())


def _top(frame: pl.DataFrame) -> float:
    return float(frame["model_score"].cast(pl.Float64).to_numpy().max())
