"""ReviewStore: both sides of the review file in one object.

The sweep uses `sweep_side.SweepReview` and the workbench `web_side.WebReview`; tools and
tests that play both parts on one file (a sweep pushes, an analyst decides, the next sweep
reads the decision back) use this.
"""

from __future__ import annotations

from pipelines.review.sweep_side import SweepReview
from pipelines.review.thresholds import SweepThresholds
from pipelines.review.web_side import WebReview

__all__ = ["ReviewStore", "SweepThresholds"]


class ReviewStore(SweepReview, WebReview):
    """The review file with the sweep's and the workbench's operations."""
