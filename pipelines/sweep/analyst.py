"""What analysts and courts decided before tonight, read once at the start of a sweep.

The same value filters hits, refines the model, moves the thresholds and withdraws alerts, so
one run never sees two states of the review store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

Decided = tuple[set[str], set[str]]
"""Pair keys analysts rejected (suppressed forever) and confirmed (always a match)."""


def analyst_decisions(review_db: Path | None) -> Decided:
    """Analyst decisions: pairs suppressed forever, and pairs confirmed as matches."""
    if review_db is None:
        return set(), set()
    from pipelines.review.sweep_side import SweepReview

    store = SweepReview(review_db)
    store.migrate()
    return store.suppressed_pair_keys(), store.confirmed_pair_keys()


def _no_labels() -> pl.DataFrame:
    from pipelines.review.feedback import store_labels

    return store_labels(None)


@dataclass(frozen=True)
class AnalystInput:
    """Pair decisions, this agency's labels and the courts' exits, as of the run's start."""

    suppressed: frozenset[str] = frozenset()
    """Pair keys analysts rejected: dropped from hits, their alerts withdrawn for good."""
    confirmed: frozenset[str] = frozenset()
    """Pair keys analysts confirmed: always a match."""
    labels: pl.DataFrame = field(default_factory=_no_labels)
    """This agency's latest decision per pair: refines the model and may move the thresholds."""
    exited: frozenset[str] = frozenset()
    """List entries a court moved out of enforcement (exit and relief): never intercepted."""


def read_analyst_input(review_db: Path | None, agency: str, run_date: date) -> AnalystInput:
    """Everything the sweep takes from the review store, in one read (empty without a store)."""
    if review_db is None:
        return AnalystInput()
    from pipelines.courts.relief import exited_entries_of
    from pipelines.review.feedback import agency_labels, store_labels

    suppressed, confirmed = analyst_decisions(review_db)  # migrates the store first
    return AnalystInput(
        suppressed=frozenset(suppressed),
        confirmed=frozenset(confirmed),
        labels=agency_labels(store_labels(review_db), agency),
        exited=frozenset(exited_entries_of(review_db, run_date)),
    )
