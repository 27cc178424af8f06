"""Splink's probabilities scored like our hits: decisions at given thresholds, the
truth-picked (oracle) threshold, and the results table."""

from __future__ import annotations

import polars as pl


def decide(hits: pl.DataFrame, match: float, review: float) -> pl.DataFrame:
    """Splink probabilities -> our decision vocabulary at the given thresholds."""
    return hits.with_columns(
        pl.when(pl.col("match_score") >= match)
        .then(pl.lit("match"))
        .when(pl.col("match_score") >= review)
        .then(pl.lit("review"))
        .alias("match_decision")
    ).filter(pl.col("match_decision").is_not_null())


ORACLE_GRID = (0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5,
               0.6, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99, 0.995, 0.999, 0.9999)  # fmt: skip
"""Probability thresholds tried for Splink's truth-picked (oracle) threshold."""


def oracle_threshold(hits: pl.DataFrame, truth: pl.DataFrame, agency: str, n: int) -> float:
    """The probability threshold maximising Splink's F1 at `match`: chosen on the truth (oracle)."""
    from pipelines.evaluation.metrics import evaluate_hits

    best, best_f1 = 0.5, -1.0
    for t in ORACLE_GRID:
        f1 = evaluate_hits(decide(hits, t, t), truth, agency, n_records=n)["match"]["f1"]
        if f1 > best_f1:
            best, best_f1 = t, f1
    return best


def row(engine: str, fig: dict, quality: dict) -> dict:
    """One line of the results table."""
    m, mr = quality["match"], quality["match+review"]
    return {
        "engine": engine,
        "p_match": m["precision"],
        "r_match": m["recall"],
        "f1_match": m["f1"],
        "p_mr": mr["precision"],
        "r_mr": mr["recall"],
        "f1_mr": mr["f1"],
        "review_rate": quality["review_rate"],
        "match_stage_s": round(fig["match_stage_s"], 2),
        "predict_s": round(
            fig["timings_s"]["predict"] + fig["timings_s"]["best_pair"]
            if "timings_s" in fig
            else fig["match_stage_s"],
            2,
        ),
        "peak_rss_gib": round(fig["peak_rss_gib"], 2),
    }


def print_table(rows: list[dict]) -> None:
    head = (
        f"{'engine':<30}{'P@m':>8}{'R@m':>8}{'F1@m':>8}{'P@m+r':>8}{'R@m+r':>8}{'F1@m+r':>8}"
        f"{'review':>9}{'stage s':>9}{'pred s':>8}{'RSS GiB':>9}"
    )
    print(head)
    for r in rows:
        print(
            f"{r['engine']:<30}{r['p_match']:>8.4f}{r['r_match']:>8.4f}{r['f1_match']:>8.4f}"
            f"{r['p_mr']:>8.4f}{r['r_mr']:>8.4f}{r['f1_mr']:>8.4f}{r['review_rate']:>9.4%}"
            f"{r['match_stage_s']:>9.2f}{r['predict_s']:>8.2f}{r['peak_rss_gib']:>9.2f}"
        )
