"""Estimated precision per score band from analyst labels (share of positive among decided).

The statistics (Beta posterior, intervals) live in `matching.calibrate`, the same arithmetic
that moves the sweep's thresholds; this module only cuts the labels into bands for the page,
at the thresholds each agency's latest sweep recorded (`ReviewFile.latest_thresholds`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import polars as pl

from matching.calibrate import PrecisionEstimate, estimate, labels_to_gammas, precision_at
from matching.vocab import Judgement
from pipelines.review.store import SweepThresholds

SOURCE_ZH = {"target": "目标精度推导", "labels": "分析员标注调整", "settings": "配置值"}
"""Where a sweep's cut-offs came from (`thresholds_source` in summary.json)."""
MODE_ZH = {"target": "目标精度模式", "fixed": "固定阈值模式"}
"""`thresholds.source` of the settings the sweep ran with."""


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
        counts = {d: inside.filter(pl.col("decision") == d).height for d in Judgement}
        label = f"{_edge(low)} – {_edge(high)}" + (
            "（自动匹配）" if low >= match else "（人工复核）"
        )
        bands.append(
            Band(
                low,
                high,
                label,
                counts[Judgement.POSITIVE],
                counts[Judgement.NEGATIVE],
                counts[Judgement.UNSURE],
            )
        )
    return bands


def _edge(value: float) -> str:
    """A band edge to 2-4 decimals: a derived 0.9982 must not print as 1.00."""
    text = f"{value:.4f}".rstrip("0")
    return text if len(text.split(".")[1]) >= 2 else f"{value:.2f}"


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


@dataclass(frozen=True)
class Section:
    """One block of the precision page: a pair of thresholds and the label figures at them."""

    agencies: tuple[str, ...]
    """Whose thresholds these are; for the fallback, the agencies with no recorded sweep."""
    review: float
    match: float
    source: str
    recorded: SweepThresholds | None
    """The sweep the numbers come from; None when computed from the settings (no sweep yet)."""
    bands: list[Band]
    totals: tuple[Band, Band]
    in_force: dict[str, PrecisionEstimate]


def section(
    labels: pl.DataFrame,
    review: float,
    match: float,
    source: str,
    agencies: Sequence[str] = (),
    recorded: SweepThresholds | None = None,
) -> Section:
    """Bands, totals and at-threshold precision of the labels cut at `review` / `match`."""
    bands = precision_bands(labels, review, match)
    return Section(
        agencies=tuple(agencies),
        review=review,
        match=match,
        source=source,
        recorded=recorded,
        bands=bands,
        totals=overall(bands, match),
        in_force=at_thresholds(labels, review, match),
    )


def recorded_section(labels: pl.DataFrame, used: SweepThresholds) -> Section:
    """The section of one agency at the cut-offs its latest sweep decided with."""
    return section(labels, used.review, used.match, used.source, (used.agency,), used)


def without_record(known: Iterable[str], recorded: Iterable[SweepThresholds]) -> list[str]:
    """Known agencies (in their order) that have no recorded sweep yet."""
    done = {r.agency for r in recorded}
    return [code for code in known if code not in done]
