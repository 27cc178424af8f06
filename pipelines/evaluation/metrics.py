"""Matching quality against a truth table: frames in, a JSON-able dict out (no I/O).

The truth is the generic table of `pipelines.evaluation.truth` (record, role, entry, label,
category), whoever made it:

- a **positive** is a `match` row (it names the true entry);
- a **hard negative** is a `hard_negative` row (no true entry: any hit is wrong);
- a **removed** row is a correct identity whose entry was removed. A hit on it is the right
  person, so it is neither a true nor a false positive for identity quality; it is counted apart,
  and an *intercept* on it is the failure that must never happen.

Figures are broken down by `category` (`by_noise`, `negatives`: the names the figures JSON has
always used). Hits and truth are keyed by screened role (`pipelines.evaluation.truth`). Each
positive is also classed by the identifiers its two sides carry (`pipelines.evaluation.evidence`),
and `match_score` is checked against the truth per score band (`pipelines.evaluation.reliability`).
"""

from __future__ import annotations

import polars as pl

from pipelines.evaluation.evidence import EVIDENCE_CLASSES, NOT_SCREENED, Parties, classify_evidence
from pipelines.evaluation.reliability import NAME_SCREEN, reliability
from pipelines.evaluation.truth import (
    KEY,
    TruthLabel,
    agency_truth,
    hard_negatives,
    keyed_hits,
    positives,
    ratio,
    removed,
)

LEVELS: dict[str, tuple[str, ...]] = {
    "match": ("match",),
    "match+review": ("match", "review"),
}


def _hits(hits: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Hits keyed by screened role: one row per (record, role, entry), decision and intercept."""
    # a pair can appear once per decision at most; keep its strongest decision and any intercept
    return (
        keyed_hits(hits, truth)
        .group_by(KEY)
        .agg(
            (pl.col("match_decision") == "match").any().alias("is_match"),
            pl.col("match_decision").is_in(["match", "review"]).any().alias("is_hit"),
            pl.col("intercept").any().alias("intercept"),
        )
    )


def _level(h: pl.DataFrame, pos: pl.DataFrame, gone: pl.DataFrame) -> dict:
    """tp / fp / fn / precision / recall / f1 for one decision level's hits."""
    tp = h.join(pos, on=KEY, how="semi").height
    on_removed = h.join(gone, on=KEY, how="semi").join(pos, on=KEY, how="anti").height
    fp = h.height - tp - on_removed
    fn = pos.height - tp
    precision, recall = ratio(tp, tp + fp), ratio(tp, pos.height)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "hits": h.height,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "removed_entry_hits": on_removed,
        "precision": round(precision, 6),
        "recall": round(recall, 6),
        "f1": round(f1, 6),
    }


def evaluate_hits(
    hits: pl.DataFrame,
    truth: pl.DataFrame,
    agency: str,
    *,
    n_records: int,
    screened: pl.Series | None = None,
    parties: Parties | None = None,
) -> dict:
    """Precision, recall, F1 at `match` and `match+review`, per category, against the truth.

    `screened`, when given, are the record ids that reached matching (passed their contract):
    positives on other records are counted apart (`positives_not_screened`, per category
    `not_screened`) so a recall loss can be told apart from a quarantine loss. They still count
    as positives: the sweep missed them either way.

    `parties`, when given, adds recall per evidence class (`recall_by_evidence`, positives on
    unscreened records in their own `not_screened` class) and the headline `recall_both_ids`.
    """
    t = agency_truth(truth, agency)
    h = _hits(hits, t)
    pos = positives(t)
    pos_keys = pos.select(KEY).unique()
    gone = removed(t)
    removed_keys = gone.select(KEY).unique()
    at = {
        "match": h.filter(pl.col("is_match")).select(KEY),
        "match+review": h.filter(pl.col("is_hit")).select(KEY),
    }
    fig: dict = {
        "agency": agency,
        "records": n_records,
        "positives": pos_keys.height,
        "hits": h.filter(pl.col("is_hit")).height,
    }
    for level, kept in at.items():
        fig[level] = _level(kept, pos_keys, removed_keys)
    reviews = h.filter(~pl.col("is_match") & pl.col("is_hit")).height
    fig["reviews"] = reviews
    fig["review_rate"] = round(reviews / n_records, 6) if n_records else 0.0
    fig["by_noise"] = _by_category(_found(pos, at), _found(gone, at))
    if screened is not None:
        lost = pos.filter(~pl.col("record_id").is_in(screened.cast(pl.String).implode()))
        fig["positives_not_screened"] = lost.select(KEY).unique().height
        for category, n in lost.group_by("category").len().iter_rows():
            fig["by_noise"][category]["not_screened"] = n
    if parties is not None:
        classed = classify_evidence(_positive_sides(truth, agency), parties, screened)
        fig["recall_by_evidence"] = _by_evidence(_found(classed, at))
        both = fig["recall_by_evidence"]["both_ids"]
        fig["recall_both_ids"] = {lv: both[f"recall_{lv}"] for lv in LEVELS}
    fig["negatives"] = _negatives(t, at)
    if "match_score" in hits.columns:
        fig["calibration"] = reliability(hits, truth, agency)
    if "intercept" in hits.columns:
        fig.update(_intercepts(h, pos_keys, removed_keys))
    return fig


def _found(rows: pl.DataFrame, at: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Truth rows with a found flag per level (the exact (record, role, entry) was hit)."""
    out = rows
    for level, kept in at.items():
        out = out.join(
            kept.with_columns(pl.lit(True).alias(level)), on=KEY, how="left"
        ).with_columns(pl.col(level).fill_null(False))
    return out


def _by_category(pos: pl.DataFrame, gone: pl.DataFrame) -> dict:
    """n and recall per category (for removed rows: how often the right person was found)."""
    rows = pl.concat([pos, gone]).unique(KEY, keep="first")
    table = (
        rows.group_by("category")
        .agg(
            pl.len().alias("n"),
            *[pl.col(level).mean().round(6).alias(level) for level in LEVELS],
        )
        .sort("category")
    )
    return {
        r["category"]: {"n": r["n"], **{f"recall_{lv}": r[lv] for lv in LEVELS}}
        for r in table.iter_rows(named=True)
    }


def _positive_sides(truth: pl.DataFrame, agency: str) -> pl.DataFrame:
    """One row per positive (record, role, entry) and the list role(s) the true party holds."""
    if "list_role" not in truth.columns:
        truth = truth.with_columns(pl.lit("debtor").alias("list_role"))
    return (
        truth.filter(
            (pl.col("agency") == agency)
            & pl.col("entry_id").is_not_null()
            & (pl.col("label") == TruthLabel.MATCH)
        )
        .select(
            *[pl.col(c).cast(pl.String) for c in KEY],
            pl.col("list_role").cast(pl.String).fill_null("debtor"),
        )
        .unique()
    )


def _by_evidence(classed: pl.DataFrame) -> dict:
    """n, tp and recall per evidence class and level (the four always, not_screened when any)."""
    out: dict = {}
    for cls in (*EVIDENCE_CLASSES, NOT_SCREENED):
        rows = classed.filter(pl.col("evidence") == cls)
        if cls == NOT_SCREENED and rows.is_empty():
            continue
        out[cls] = {"n": rows.height}
        for level in LEVELS:
            tp = int(rows[level].sum())
            out[cls][f"tp_{level}"] = tp
            out[cls][f"recall_{level}"] = round(ratio(tp, rows.height), 6)
    return out


def _negatives(t: pl.DataFrame, at: dict[str, pl.DataFrame]) -> dict:
    """Per hard-negative category: how many (record, role) slots got any hit at each level."""
    neg = hard_negatives(t).select("record_id", "role", "category").unique()
    out: dict = {}
    for category in sorted(neg["category"].unique().to_list()):
        slots = neg.filter(pl.col("category") == category)
        out[category] = {"n": slots.height}
        for level, kept in at.items():
            out[category][f"hit_{level}"] = slots.join(
                kept, on=["record_id", "role"], how="semi"
            ).height
    return out


def _intercepts(h: pl.DataFrame, pos: pl.DataFrame, gone: pl.DataFrame) -> dict:
    """Intercepts in all, those not on a true entry, and those on a removed entry (must be 0)."""
    inter = h.filter(pl.col("intercept")).select(KEY)
    return {
        "intercepts": inter.height,
        "false_intercepts": inter.join(pos, on=KEY, how="anti").height,
        "removed_entry_intercepts": inter.join(gone, on=KEY, how="semi").height,
    }


def format_figures(fig: dict) -> str:
    """A compact plain-text table of one agency's figures."""
    lines = [
        f"{fig['agency']}: records={fig['records']} positives={fig['positives']} "
        f"hits={fig['hits']} reviews={fig['reviews']} review_rate={fig['review_rate']:.4%}"
    ]
    if "positives_not_screened" in fig:
        lines[0] += f" positives_quarantined={fig['positives_not_screened']}"
    lines.append(
        f"  {'level':<13}{'tp':>7}{'fp':>6}{'fn':>6}{'rm_hit':>7}"
        f"{'precision':>11}{'recall':>9}{'f1':>9}"
    )
    for level in LEVELS:
        m = fig[level]
        lines.append(
            f"  {level:<13}{m['tp']:>7}{m['fp']:>6}{m['fn']:>6}{m['removed_entry_hits']:>7}"
            f"{m['precision']:>11.4f}{m['recall']:>9.4f}{m['f1']:>9.4f}"
        )
    lines.append(f"  {'noise':<24}{'n':>6}{'recall@match':>14}{'recall@m+r':>12}")
    for noise, r in fig["by_noise"].items():
        lost = f"  ({r['not_screened']} quarantined)" if r.get("not_screened") else ""
        lines.append(
            f"  {noise:<24}{r['n']:>6}{r['recall_match']:>14.4f}{r['recall_match+review']:>12.4f}"
            + lost
        )
    if "recall_by_evidence" in fig:
        lines.extend(_evidence_lines(fig["recall_by_evidence"]))
    if fig["negatives"]:
        lines.append(f"  {'hard negative':<24}{'n':>6}{'hit@match':>14}{'hit@m+r':>12}")
        for noise, r in fig["negatives"].items():
            lines.append(f"  {noise:<24}{r['n']:>6}{r['hit_match']:>14}{r['hit_match+review']:>12}")
    if "intercepts" in fig:
        lines.append(
            f"  intercepts={fig['intercepts']} false_intercepts={fig['false_intercepts']} "
            f"removed_entry_intercepts={fig['removed_entry_intercepts']}"
        )
    if "calibration" in fig:
        lines.extend(_calibration_lines(fig["calibration"]))
    return "\n".join(lines)


def _calibration_lines(cal: dict) -> list[str]:
    """The reliability table: per score band, what the score claims and what the truth says."""
    screen = cal[NAME_SCREEN]
    lines = [
        f"  calibration (model-scored hits): n={cal['n']} tp={cal['tp']} "
        f"expected_tp={cal['expected_tp']:.1f} ece={cal['ece']:.4f}",
        f"  {'score band':<24}{'n':>6}{'tp':>7}{'mean score':>12}{'precision':>11}{'gap':>9}",
    ]
    for b in cal["bands"]:
        close = "]" if b["hi"] == 1.0 else ")"
        band = f"[{b['lo']:g}, {b['hi']:g}{close}"
        lines.append(
            f"  {band:<24}{b['n']:>6}{b['tp']:>7}{b['mean_score']:>12.4f}"
            f"{b['precision']:>11.4f}{b['gap']:>+9.4f}"
        )
    lines.append(
        f"  {'name-screened (floored)':<24}{screen['n']:>6}{screen['tp']:>7}{'-':>12}"
        f"{screen['precision']:>11.4f}"
    )
    return lines


def _evidence_lines(by_class: dict) -> list[str]:
    """Recall per evidence class as tp/n at each level (the both-IDs row is the matcher's own)."""
    head = f"{'tp/n@match':>14}{'recall':>8}{'tp/n@m+r':>12}{'recall':>8}"
    lines = [f"  {'evidence':<24}{'n':>6}{head}"]
    for cls, r in by_class.items():
        cells = "".join(
            f"{str(r[f'tp_{lv}']) + '/' + str(r['n']):>{w}}{r[f'recall_{lv}']:>8.4f}"
            for lv, w in (("match", 14), ("match+review", 12))
        )
        lines.append(f"  {cls:<24}{r['n']:>6}{cells}")
    return lines
