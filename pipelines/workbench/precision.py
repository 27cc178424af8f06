"""Estimated precision per score band from analyst labels (share of positive among decided).

The statistics (Beta posterior, intervals) live in `matching.calibrate`, the same arithmetic
that moves the sweep's thresholds; this module only cuts the labels into bands for the page.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from matching.calibrate import PrecisionEstimate, estimate, labels_to_gammas, precision_at


@dataclass(frozen=True)
class Band:
    """One score band and what analysts decided about pairs in it."""

    low: float
    high: float
    label: str
    positive: int
    negative: int
    unsure: int

    @property
    def decided(self) -> int:
        """Pairs with a positive or negative decision (unsure does not count)."""
        return self.positive + self.negative

    @property
    def precision(self) -> float | None:
        """Share of positive among decided pairs, or None with no decided pair."""
        return self.positive / self.decided if self.decided else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """95% credible interval (Jeffreys prior): small bands get honest, wide bounds."""
        est = estimate(self.positive, self.negative)
        return None if est.low is None or est.high is None else (est.low, est.high)


def band_edges(review: float, match: float, step: float = 0.1) -> list[float]:
    """Edges from the review threshold up to the match threshold, then up to 1."""
    edges = [review]
    while edges[-1] + step < match - 1e-9:
        edges.append(round(edges[-1] + step, 6))
    return [*edges, match, 1.0] if match < 1.0 else [*edges, 1.0]


def precision_bands(labels: pl.DataFrame, review: float, match: float) -> list[Band]:
    """Counts per band of the labels' `match_score`; the last band is the automatic-match band."""
    edges = band_edges(review, match)
    bands = []
    for i, (low, high) in enumerate(zip(edges, edges[1:], strict=False)):
        last = i == len(edges) - 2
        inside = labels.filter(
            (pl.col("match_score") >= low)
            & ((pl.col("match_score") <= high) if last else (pl.col("match_score") < high))
        )
        counts = {
            d: inside.filter(pl.col("decision") == d).height
            for d in ("positive", "negative", "unsure")
        }
        label = f"{low:.2f} – {high:.2f}" + ("（自动匹配）" if low >= match else "（人工复核）")
        bands.append(
            Band(low, high, label, counts["positive"], counts["negative"], counts["unsure"])
        )
    return bands


def overall(bands: list[Band], match: float) -> tuple[Band, Band]:
    """The review region and the automatic-match region as two summary bands."""
    review = [b for b in bands if b.high <= match]
    auto = [b for b in bands if b.low >= match]
    return _sum(review, "复核区间合计"), _sum(auto, "自动匹配合计")


def _sum(bands: list[Band], label: str) -> Band:
    low = min((b.low for b in bands), default=0.0)
    high = max((b.high for b in bands), default=0.0)
    return Band(
        low,
        high,
        label,
        sum(b.positive for b in bands),
        sum(b.negative for b in bands),
        sum(b.unsure for b in bands),
    )


def at_thresholds(
    labels: pl.DataFrame, review: float, match: float
) -> dict[str, PrecisionEstimate]:
    """Label-based precision of what the thresholds in force send to `match` and to `review`."""
    scored = labels_to_gammas(labels)
    return {"match": precision_at(scored, match), "review": precision_at(scored, review, match)}
