"""Is `match_score` the calibrated probability it claims to be? Reliability per score band.

Observed precision against the mean score per band, and the expected calibration error, over the
hits whose score is the model's own. Name-screened hits (`score_basis` = `name_screen`) carry the
review threshold instead of a probability and are reported apart.
"""

from __future__ import annotations

import polars as pl

from pipelines.evaluation.truth import KEY, agency_truth, keyed_hits, positives, ratio, removed

# Edges of the reliability bands; the last band is closed ([0.999, 1.0]). The first band holds
# whatever a lower, target-mode review threshold lets through.
CALIBRATION_EDGES = (0.0, 0.6, 0.8, 0.9, 0.97, 0.99, 0.999, 1.0)
NAME_SCREEN = "name_screen"


def _scored_hits(hits: pl.DataFrame, t: pl.DataFrame) -> pl.DataFrame:
    """One row per hit key: its best score, how that score arose, and whether it is a positive.

    Keyed like tp/fp: hits on removed entries (the right person, neither true nor false) leave.
    """
    basis = (
        pl.col("score_basis").cast(pl.String).fill_null("model")
        if "score_basis" in hits.columns
        else pl.lit("model")  # hits written before the column: every score was the model's
    )
    keyed = keyed_hits(hits, t).with_columns(
        pl.col("match_score").cast(pl.Float64), basis.alias("score_basis")
    )
    # the strongest row of a key is the one its decision rests on
    best = keyed.sort("match_score", descending=True, nulls_last=True).unique(
        KEY, keep="first", maintain_order=True
    )
    pos = positives(t).select(KEY)
    gone = removed(t).select(KEY).join(pos, on=KEY, how="anti")
    return (
        best.filter(pl.col("match_decision").is_in(["match", "review"]))
        .join(gone.unique(), on=KEY, how="anti")
        .join(pos.unique().with_columns(pl.lit(True).alias("positive")), on=KEY, how="left")
        .select(*KEY, "match_score", "score_basis", pl.col("positive").fill_null(False))
    )


def _band_rows(scored: pl.DataFrame, edges: tuple[float, ...]) -> list[dict]:
    """n, tp, mean score, precision and their gap per non-empty band [lo, hi) (last one closed)."""
    rows = []
    for i, (lo, hi) in enumerate(zip(edges, edges[1:], strict=False)):
        top = pl.col("match_score") <= hi if i == len(edges) - 2 else pl.col("match_score") < hi
        band = scored.filter((pl.col("match_score") >= lo) & top)
        if band.is_empty():
            continue
        mean_p, precision = band.select(
            pl.col("match_score").mean(), pl.col("positive").cast(pl.Float64).mean()
        ).row(0)
        rows.append(
            {
                "lo": lo,
                "hi": hi,
                "n": band.height,
                "tp": int(band["positive"].sum()),
                "mean_score": round(mean_p, 6),
                "precision": round(precision, 6),
                "gap": round(mean_p - precision, 6),
            }
        )
    return rows


def reliability(
    hits: pl.DataFrame,
    truth: pl.DataFrame,
    agency: str,
    edges: tuple[float, ...] = CALIBRATION_EDGES,
) -> dict:
    """Is `match_score` a calibrated probability? Reliability bands over the model-scored hits.

    `ece` is the n-weighted mean of |mean score - precision| over the bands; `gap` > 0 means the
    score claims more than the truth bears out (over-confident). `expected_tp` = sum of scores
    against the observed `tp`. Name-screened hits are counted apart (n, tp, precision).
    """
    scored = _scored_hits(hits, agency_truth(truth, agency))
    model = scored.filter(pl.col("score_basis") != NAME_SCREEN)
    screen = scored.filter(pl.col("score_basis") == NAME_SCREEN)
    bands = _band_rows(model, edges)
    n = model.height
    ece = sum(b["n"] * abs(b["gap"]) for b in bands) / n if n else 0.0
    tp_screen = int(screen["positive"].sum())
    return {
        "n": n,
        "tp": int(model["positive"].sum()),
        "expected_tp": round(float(model["match_score"].sum()), 3),
        "ece": round(ece, 6),
        "bands": bands,
        NAME_SCREEN: {
            "n": screen.height,
            "tp": tp_screen,
            "precision": round(ratio(tp_screen, screen.height), 6),
        },
    }
