"""Matching quality against the generator's truth: frames in, a JSON-able dict out (no I/O).

Truth (`pipelines.synth`, `OUT/truth/matches.parquet`) has one row per screened (record, role)
and, for a listed party, one row per list entry it belongs to:

- a **positive** is a truth row with an `entry_id` whose noise is not `removed_entry`;
- a **hard negative** is a row whose noise ends in `_negative` (no true entry: any hit is wrong);
- a **removed_entry** row is a correct identity whose entry was removed in the delta. A hit on it
  is the right person, so it is neither a true nor a false positive for identity quality; it is
  counted apart, and an *intercept* on it is the failure that must never happen.

A hit is keyed by (record_id, role, entry_id) where `role` is the *screened* role. The sweep's
rules rewrite `role` to `legal_rep` when the listed party is an org's representative and keep the
screened role in `query_role`; that column is used when present (see `_screened_role`).

Each positive is also classed by the **evidence** its two sides carry (`classify_evidence`): a
usable identifier on both sides, on the list side only, on the query side only, or on neither.
Without an identifier only a name is left, and a name alone never identifies a person, so recall
per class tells "the matcher failed" apart from "there was nothing to match on".

`match_score` claims to be a calibrated probability; `reliability` checks the claim per score
band (observed precision against the mean score, and the expected calibration error) over the
hits whose score is the model's own. Name-screened hits (`score_basis` = `name_screen`) carry the
review threshold instead of a probability and are reported apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from matching.features import party_features

LEVELS: dict[str, tuple[str, ...]] = {
    "match": ("match",),
    "match+review": ("match", "review"),
}
KEY = ["record_id", "role", "entry_id"]
REMOVED = "removed_entry"
EVIDENCE_CLASSES = ("both_ids", "query_no_id", "list_no_id", "neither")
NOT_SCREENED = "not_screened"
# The identifier columns of `party_features`; `link` treats a party with none of them as unnumbered.
ID_COLUMNS = ("pid", "uscc", "org_code")
# Edges of the reliability bands; the last band is closed ([0.999, 1.0]). The first band holds
# whatever a lower, target-mode review threshold lets through.
CALIBRATION_EDGES = (0.0, 0.6, 0.8, 0.9, 0.97, 0.99, 0.999, 1.0)
NAME_SCREEN = "name_screen"


@dataclass(frozen=True)
class Parties:
    """Both sides as matching saw them (`query_parties`, `list_parties`) and the run date."""

    query: pl.DataFrame
    listed: pl.DataFrame
    as_of: date


def _ratio(num: int, den: int) -> float:
    """num / den, and 1.0 for an empty denominator (nothing claimed, nothing wrong)."""
    return num / den if den else 1.0


def _truth(truth: pl.DataFrame, agency: str) -> pl.DataFrame:
    """This agency's truth rows with string keys, one row per (record, role, entry, noise)."""
    return (
        truth.filter(pl.col("agency") == agency)
        .select(
            pl.col("record_id").cast(pl.String),
            pl.col("role").cast(pl.String),
            pl.col("entry_id").cast(pl.String),
            pl.col("noise").cast(pl.String).fill_null("none"),
        )
        .unique(maintain_order=True)
    )


def _is_true(col: str) -> pl.Expr:
    """A bool column, or the text `true`/`false` a CSV carries."""
    return pl.col(col).cast(pl.String).str.to_lowercase().is_in(["true", "1"])


def _screened_role(hits: pl.DataFrame) -> pl.Expr:
    """The role that was screened: `query_role` if carried, else a best recovery of it.

    Without `query_role`, a hit rewritten to `legal_rep` lost its screened role. The truth row of
    the same (record, entry) names the slot that holds that entry; failing that, a record with a
    single screened slot can only have come from it. Otherwise `legal_rep` stays (rare: it can
    only then be a false positive, which the role does not change).
    """
    if "query_role" in hits.columns:
        return pl.coalesce(pl.col("query_role").cast(pl.String), pl.col("role"))
    return pl.coalesce(pl.col("_slot_role"), pl.col("_only_role"), pl.col("role"))


def _hits(hits: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Hits keyed by screened role: one row per (record, role, entry), decision and intercept."""
    # a pair can appear once per decision at most; keep its strongest decision and any intercept
    return (
        _keyed(hits, truth)
        .group_by(KEY)
        .agg(
            (pl.col("match_decision") == "match").any().alias("is_match"),
            pl.col("match_decision").is_in(["match", "review"]).any().alias("is_hit"),
            pl.col("intercept").any().alias("intercept"),
        )
    )


def _keyed(hits: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Every hit row with string keys, a bool intercept and `role` set to the screened role."""
    h = hits.with_columns(
        pl.col("record_id").cast(pl.String),
        pl.col("role").cast(pl.String),
        pl.col("entry_id").cast(pl.String),
        (_is_true("intercept") if "intercept" in hits.columns else pl.lit(False)).alias(
            "intercept"
        ),
    )
    if "query_role" not in h.columns:
        slot = (
            truth.filter(pl.col("entry_id").is_not_null())
            .group_by("record_id", "entry_id")
            .agg(pl.col("role").unique())
            .filter(pl.col("role").list.len() == 1)
            .select("record_id", "entry_id", pl.col("role").list.first().alias("_slot_role"))
        )
        only = (
            truth.group_by("record_id")
            .agg(pl.col("role").unique())
            .filter(pl.col("role").list.len() == 1)
            .select("record_id", pl.col("role").list.first().alias("_only_role"))
        )
        h = (
            h.join(slot, on=["record_id", "entry_id"], how="left")
            .join(only, on="record_id", how="left")
            .with_columns(
                pl.when(pl.col("role") == "legal_rep")
                .then(pl.col("_slot_role"))
                .alias("_slot_role"),
                pl.when(pl.col("role") == "legal_rep")
                .then(pl.col("_only_role"))
                .alias("_only_role"),
            )
        )
    return h.with_columns(_screened_role(h).alias("role"))


def _level(h: pl.DataFrame, pos: pl.DataFrame, removed: pl.DataFrame) -> dict:
    """tp / fp / fn / precision / recall / f1 for one decision level's hits."""
    tp = h.join(pos, on=KEY, how="semi").height
    on_removed = h.join(removed, on=KEY, how="semi").join(pos, on=KEY, how="anti").height
    fp = h.height - tp - on_removed
    fn = pos.height - tp
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, pos.height)
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
    """Precision, recall, F1 at `match` and `match+review`, per noise type, against the truth.

    `screened`, when given, are the record ids that reached matching (passed their contract):
    positives on other records are counted apart (`positives_not_screened`, per noise type
    `not_screened`) so a recall loss can be told apart from a quarantine loss. They still count
    as positives: the sweep missed them either way.

    `parties`, when given, adds recall per evidence class (`recall_by_evidence`, positives on
    unscreened records in their own `not_screened` class) and the headline `recall_both_ids`.
    """
    t = _truth(truth, agency)
    h = _hits(hits, t)
    pos = t.filter(pl.col("entry_id").is_not_null() & (pl.col("noise") != REMOVED))
    pos_keys = pos.select(KEY).unique()
    removed = t.filter(pl.col("noise") == REMOVED)
    removed_keys = removed.select(KEY).unique()
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
    fig["by_noise"] = _by_noise(_found(pos, at), _found(removed, at))
    if screened is not None:
        lost = pos.filter(~pl.col("record_id").is_in(screened.cast(pl.String).implode()))
        fig["positives_not_screened"] = lost.select(KEY).unique().height
        for noise, n in lost.group_by("noise").len().iter_rows():
            fig["by_noise"][noise]["not_screened"] = n
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


def _by_noise(pos: pl.DataFrame, removed: pl.DataFrame) -> dict:
    """n and recall per noise type (for removed_entry: how often the right person was found)."""
    rows = pl.concat([pos, removed]).unique(KEY, keep="first")
    table = (
        rows.group_by("noise")
        .agg(
            pl.len().alias("n"),
            *[pl.col(level).mean().round(6).alias(level) for level in LEVELS],
        )
        .sort("noise")
    )
    return {
        r["noise"]: {"n": r["n"], **{f"recall_{lv}": r[lv] for lv in LEVELS}}
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
            & (pl.col("noise").fill_null("none") != REMOVED)
        )
        .select(
            *[pl.col(c).cast(pl.String) for c in KEY],
            pl.col("list_role").cast(pl.String).fill_null("debtor"),
        )
        .unique()
    )


def _has_id(parties: pl.DataFrame, keys: list[str], as_of: date) -> pl.DataFrame:
    """Per party key: whether matching's features found any usable identifier (masked counts)."""
    if parties.is_empty():
        return pl.DataFrame(schema={**{k: pl.String for k in keys}, "has_id": pl.Boolean})
    usable = pl.any_horizontal(pl.col(c).is_not_null() for c in ID_COLUMNS)
    return (
        party_features(parties, as_of)
        .select(*[pl.col(k).cast(pl.String) for k in keys], usable.alias("has_id"))
        .group_by(keys)  # a duplicated record id: the matcher saw every copy
        .agg(pl.col("has_id").any())
    )


def _evidence_expr(query_ok: pl.Expr, list_ok: pl.Expr) -> pl.Expr:
    """The evidence class from whether each side carries a usable identifier."""
    return (
        pl.when(query_ok & list_ok)
        .then(pl.lit("both_ids"))
        .when(list_ok)
        .then(pl.lit("query_no_id"))
        .when(query_ok)
        .then(pl.lit("list_no_id"))
        .otherwise(pl.lit("neither"))
    )


def classify_evidence(
    positives: pl.DataFrame, parties: Parties, screened: pl.Series | None = None
) -> pl.DataFrame:
    """Class each positive (record_id, role, entry_id, list_role) by the IDs its two sides carry.

    Only the parties the positives name go through `party_features`, so this stays cheap on a
    large list. A side matching never saw (role left empty, entry not current) carries nothing.
    Positives on records outside `screened` are `not_screened`: the contract, not the matcher,
    lost them. One row per (record_id, role, entry_id); several list roles keep the best class.
    """
    q_keys, l_keys = ["record_id", "role"], ["entry_id", "list_role"]
    wanted_q = positives.select(q_keys).unique()
    wanted_l = positives.select(l_keys).unique()
    query = parties.query.with_columns(pl.col(k).cast(pl.String) for k in q_keys)
    listed = parties.listed.with_columns(pl.col(k).cast(pl.String) for k in l_keys)
    if "status" in listed.columns:  # matching screens active entries only
        listed = listed.filter(pl.col("status").fill_null("active") == "active")
    q_ids = _has_id(query.join(wanted_q, on=q_keys, how="semi"), q_keys, parties.as_of)
    l_ids = _has_id(listed.join(wanted_l, on=l_keys, how="semi"), l_keys, parties.as_of)
    sides = (
        positives.join(q_ids.rename({"has_id": "_q"}), on=q_keys, how="left")
        .join(l_ids.rename({"has_id": "_l"}), on=l_keys, how="left")
        .group_by(KEY, maintain_order=True)
        .agg(pl.col("_q").fill_null(False).any(), pl.col("_l").fill_null(False).any())
    )
    evidence = _evidence_expr(pl.col("_q"), pl.col("_l"))
    if screened is not None:
        seen = pl.col("record_id").is_in(screened.cast(pl.String).implode())
        evidence = pl.when(seen).then(evidence).otherwise(pl.lit(NOT_SCREENED))
    return sides.select(*KEY, evidence.alias("evidence"))


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
            out[cls][f"recall_{level}"] = round(_ratio(tp, rows.height), 6)
    return out


def _scored_hits(hits: pl.DataFrame, t: pl.DataFrame) -> pl.DataFrame:
    """One row per hit key: its best score, how that score arose, and whether it is a positive.

    Keyed like tp/fp: hits on removed entries (the right person, neither true nor false) leave.
    """
    basis = (
        pl.col("score_basis").cast(pl.String).fill_null("model")
        if "score_basis" in hits.columns
        else pl.lit("model")  # hits written before the column: every score was the model's
    )
    keyed = _keyed(hits, t).with_columns(
        pl.col("match_score").cast(pl.Float64), basis.alias("score_basis")
    )
    # the strongest row of a key is the one its decision rests on
    best = keyed.sort("match_score", descending=True, nulls_last=True).unique(
        KEY, keep="first", maintain_order=True
    )
    pos = t.filter(pl.col("entry_id").is_not_null() & (pl.col("noise") != REMOVED)).select(KEY)
    removed = t.filter(pl.col("noise") == REMOVED).select(KEY).join(pos, on=KEY, how="anti")
    return (
        best.filter(pl.col("match_decision").is_in(["match", "review"]))
        .join(removed.unique(), on=KEY, how="anti")
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
    scored = _scored_hits(hits, _truth(truth, agency))
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
            "precision": round(_ratio(tp_screen, screen.height), 6),
        },
    }


def _negatives(t: pl.DataFrame, at: dict[str, pl.DataFrame]) -> dict:
    """Per hard-negative noise type: how many (record, role) slots got any hit at each level."""
    neg = (
        t.filter(pl.col("noise").str.ends_with("_negative"))
        .select("record_id", "role", "noise")
        .unique()
    )
    out: dict = {}
    for noise in sorted(neg["noise"].unique().to_list()):
        slots = neg.filter(pl.col("noise") == noise)
        out[noise] = {"n": slots.height}
        for level, kept in at.items():
            out[noise][f"hit_{level}"] = slots.join(
                kept, on=["record_id", "role"], how="semi"
            ).height
    return out


def _intercepts(h: pl.DataFrame, pos: pl.DataFrame, removed: pl.DataFrame) -> dict:
    """Intercepts in all, those not on a true entry, and those on a removed entry (must be 0)."""
    inter = h.filter(pl.col("intercept")).select(KEY)
    return {
        "intercepts": inter.height,
        "false_intercepts": inter.join(pos, on=KEY, how="anti").height,
        "removed_entry_intercepts": inter.join(removed, on=KEY, how="semi").height,
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
