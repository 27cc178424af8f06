"""Link query parties to list parties: features, blocking, comparisons, FS score, decision, hits."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from matching.blocking import BlockingRules, candidate_pairs
from matching.calibrate import ThresholdRule, choose_thresholds, pair_probabilities
from matching.comparisons import ID_EVIDENCE, ID_LEVELS, NAME_LEVELS, compare
from matching.explain import explain, pair_key
from matching.features import party_features
from matching.model import TF_LEVELS, MatchModel, load_default
from pipelines.settings import MatchThresholds

HIT_COLUMNS = (
    "record_id",
    "role",
    "entry_id",
    "list_role",
    "match_score",
    "match_decision",
    "score_basis",
    "pair_key",
    "evidence",
    "explanation_zh",
)
_Q_COLS = (
    "record_id",
    "role",
    "party_type",
    "name",
    "id_number",
    "pid",
    "pid_kind",
    "uscc",
    "org_code",
    "norm",
    "fold",
    "py",
    "py_rev",
    "han",
    "branch",
    "birth",
    "year",
    "sex",
)
_L_COLS = (
    "entry_id",
    "list_role",
    "party_type",
    "name",
    "pid",
    "pid_kind",
    "uscc",
    "org_code",
    "norm",
    "fold",
    "py",
    "py_rev",
    "han",
    "branch",
    "birth",
    "year",
    "age",
    "age_on",
    "sex",
)
REVIEW_TOP_K = 3
"""Most review candidates kept per screened party (best scores first)."""
PAIR_CHUNK = 1_000_000
"""Candidate pairs compared and scored at a time (`_score_in_chunks`)."""
TF_PSEUDO = 2.0
"""Pseudo-count shrinking a name's list frequency towards the level's u (small lists say little)."""


@dataclass
class LinkResult:
    """Hits at or above the review threshold, and run figures (no personal data)."""

    hits: pl.DataFrame
    stats: dict[str, Any] = field(default_factory=dict)


def prepare(
    query: pl.DataFrame, listed: pl.DataFrame, as_of: date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Feature frames with row indices `qi` / `li` (list restricted to current, active entries)."""
    if "status" in listed.columns:
        listed = listed.filter(pl.col("status").fill_null("active") == "active")
    qf = party_features(query, as_of).with_row_index("qi")
    lf = party_features(listed, as_of).with_row_index("li")
    return qf, lf


def pair_frame(qf: pl.DataFrame, lf: pl.DataFrame, pairs: pl.DataFrame) -> pl.DataFrame:
    """Gather both sides' features for each `qi, li` pair, suffixed `_q` / `_l`."""
    q = qf.select(list(_Q_COLS))[pairs["qi"]].rename(lambda c: f"{c}_q")
    lt = lf.select(list(_L_COLS))[pairs["li"]].rename(lambda c: f"{c}_l")
    return pl.concat([pairs, q, lt], how="horizontal")


def _tf_counts(lf: pl.DataFrame, col: str, model: MatchModel) -> pl.DataFrame:
    """Per name value: its count among list persons (`n_<col>`), or a fixed share from the model."""
    persons = lf.filter(pl.col("party_type") == "person")
    if model.tf_tables.get(col):
        table = model.tf_tables[col]
        n = max(persons.height, 1)
        return pl.DataFrame({col: list(table), f"n_{col}": [v * n for v in table.values()]})
    return (
        persons.group_by(col)
        .len()
        .rename({"len": f"n_{col}"})
        .with_columns(pl.col(f"n_{col}").cast(pl.Float64))
    )


def _tf_adjust(count: pl.Expr, n: int, u: float, tf_min: float) -> pl.Expr:
    """log2(u / tf): tf shrunk towards u by `TF_PSEUDO` pseudo-counts, so small lists change little."""
    tf = (count + TF_PSEUDO) / (n + TF_PSEUDO / u)
    return (
        pl.when(count.is_null())
        .then(0.0)
        .otherwise((pl.lit(u) / pl.max_horizontal(tf, pl.lit(tf_min))).log(2))
    )


@dataclass(frozen=True)
class NameFrequencies:
    """How often each normalised name and each pinyin occurs among list persons (for TF)."""

    norm: pl.DataFrame
    py: pl.DataFrame
    persons: int


def name_frequencies(lf: pl.DataFrame, model: MatchModel) -> NameFrequencies:
    """Counted once per sweep; every chunk of pairs is scored against the same frequencies."""
    return NameFrequencies(
        norm=_tf_counts(lf, "norm", model).rename({"norm": "norm_l"}),
        py=_tf_counts(lf, "py", model).rename({"py": "py_l"}),
        persons=max(lf.filter(pl.col("party_type") == "person").height, 1),
    )


def score(
    pairs: pl.DataFrame,
    lf: pl.DataFrame,
    model: MatchModel,
    freqs: NameFrequencies | None = None,
) -> pl.DataFrame:
    """Add per-field weights `w_*`, the TF flag, total weight and calibrated probability `match_score`."""
    freqs = freqs or name_frequencies(lf, model)
    out = pairs
    for c in model.comparisons:
        w = model.weights(c.name).tolist()
        out = out.with_columns(
            pl.col(f"g_{c.name}")
            .replace_strict(list(range(len(w))), w, return_dtype=pl.Float64)
            .fill_null(0.0)
            .alias(f"w_{c.name}")
        )
    out = out.join(freqs.norm, on="norm_l", how="left").join(freqs.py, on="py_l", how="left")
    n = freqs.persons
    tf_expr = pl.lit(0.0)
    for lvl in TF_LEVELS:
        count = pl.col("n_norm" if lvl == "exact" else "n_py")
        adj = _tf_adjust(count, n, model.comparison("name").level(lvl).u, model.tf_minimum)
        is_person = pl.col("party_type_q") == "person"
        tf_expr = (
            pl.when(is_person & (pl.col("g_name") == NAME_LEVELS.index(lvl)))
            .then(adj)
            .otherwise(tf_expr)
        )
    prior = model.prior_for(lf.height)
    prior_bits = math.log2(prior / (1 - prior))
    out = out.with_columns(tf_expr.alias("w_tf")).with_columns(
        (pl.col("w_name") + pl.col("w_tf")).alias("w_name"), (pl.col("w_tf") < -1).alias("tf_down")
    )
    total = pl.lit(prior_bits) + pl.sum_horizontal(f"w_{c.name}" for c in model.comparisons)
    return out.with_columns(total.alias("match_weight")).with_columns(
        (1 / (1 + (pl.lit(2.0) ** -pl.col("match_weight")))).alias("match_score")
    )


def _name_screen() -> pl.Expr:
    """Query persons with no usable document number (passports, permits) can only be screened by name.

    FS rightly keeps a bare name far below any threshold, yet the agency must still see a rare
    listed name; such a pair (same name, sound or romanisation, not a common name, nothing
    contradicting) is floored at the review threshold and never becomes `match`; likewise an
    organisation whose normalised name is equal but which carries no comparable code.
    """
    # Only a query party with no usable number: an unnumbered list entry met by a numbered query
    # party would otherwise send every same-name pair to analysts (57 % review rate at 200k).
    no_id = pl.col("pid_q").is_null() & pl.col("uscc_q").is_null() & pl.col("org_code_q").is_null()
    strong_name = pl.col("g_name").is_in(
        [NAME_LEVELS.index(x) for x in ("exact", "homophone", "romanised")]
    )
    clash = (pl.col("g_birth") == 0).fill_null(False) | (pl.col("g_gender") == 0).fill_null(False)
    person = (
        (pl.col("party_type_q") == "person")
        & strong_name.fill_null(False)
        & ~pl.col("tf_down")
        & ~clash
    )
    org = (pl.col("party_type_q") == "org") & (
        pl.col("g_name") == NAME_LEVELS.index("exact")
    ).fill_null(False)
    return no_id & (person | org) & ~pl.col("veto")


SCORE_BASES = ("model", "name_screen")
"""`score_basis` of a hit: `match_score` is the model's probability, or the name screen's floor."""


def decide(scored: pl.DataFrame, thresholds: MatchThresholds) -> pl.DataFrame:
    """`match` needs the match threshold AND identifier evidence; a name alone is at most `review`.

    `score_basis` says `name_screen` when the floor lifted the score: that `match_score` is the
    review threshold, not a probability, so calibration must not count it.
    """
    id_ok = pl.col("g_id").is_in([ID_LEVELS.index(lv) for lv in ID_EVIDENCE]).fill_null(False)
    below = ~(pl.col("match_score") >= thresholds.review).fill_null(False)
    floored = (~pl.col("veto") & _name_screen() & below).fill_null(False)
    p = (
        pl.when(pl.col("veto"))
        .then(0.0)
        .when(floored)
        .then(pl.lit(thresholds.review))
        .otherwise(pl.col("match_score"))
    )
    basis = pl.when(floored).then(pl.lit(SCORE_BASES[1])).otherwise(pl.lit(SCORE_BASES[0]))
    return scored.with_columns(
        id_ok.alias("id_evidence"), p.alias("match_score"), basis.alias("score_basis")
    ).with_columns(
        # a number that agrees under a name that does not is a data error to check, not a match
        pl.when(
            (pl.col("match_score") >= thresholds.match)
            & pl.col("id_evidence")
            & (pl.col("g_name") != NAME_LEVELS.index("different")).fill_null(True)
        )
        .then(pl.lit("match"))
        .when(pl.col("match_score") >= thresholds.review)
        .then(pl.lit("review"))
        .otherwise(None)
        .alias("match_decision")
    )


def name_reach(
    lf: pl.DataFrame, model: MatchModel, freqs: NameFrequencies, floor: float
) -> pl.Series:
    """Per list party: could an unnumbered person reach `floor` against a numbered namesake?

    Without an ID on the list side only the name (TF-adjusted), the age and the gender can add
    weight; if even their best levels stay under `floor`, blocking need not pair the party with
    numbered query persons at all (at a million entries the prior sinks so low that no bare
    name does). Exact, not a heuristic: it bounds the score `score` would give.
    """
    name = model.comparison("name")
    prior = model.prior_for(lf.height)
    prior_bits = math.log2(prior / (1 - prior))

    def tf_level(level: str, count: str) -> pl.Expr:
        lv = name.level(level)
        adj = _tf_adjust(pl.col(count), freqs.persons, lv.u, model.tf_minimum)
        return pl.lit(lv.weight) + adj

    plain = max(lv.weight for lv in name.levels if lv.name not in TF_LEVELS)
    best_name = pl.max_horizontal(
        tf_level("exact", "n_norm"),
        tf_level("homophone", "n_py"),
        tf_level("romanised", "n_py"),
        pl.lit(plain),
    )
    has_birth = pl.any_horizontal(pl.col(c).is_not_null() for c in ("age", "year", "birth"))
    bound = (
        pl.lit(prior_bits)
        + best_name
        + pl.when(has_birth).then(float(model.weights("birth").max())).otherwise(0.0)
        + pl.when(pl.col("sex").is_not_null())
        .then(float(model.weights("gender").max()))
        .otherwise(0.0)
    )
    need = math.log2(floor / (1 - floor)) if 0 < floor < 1 else -math.inf
    return (
        lf.select("norm", "py", "age", "year", "birth", "sex")
        .rename({"norm": "norm_l", "py": "py_l"})
        .join(freqs.norm, on="norm_l", how="left", maintain_order="left")
        .join(freqs.py, on="py_l", how="left", maintain_order="left")
        .select((bound >= need).fill_null(True).alias("name_reach"))
        .to_series()
    )


def _lowest_review(thresholds: MatchThresholds | ThresholdRule) -> float:
    """No pair scoring below this can become a hit, whatever the rule chooses later."""
    if isinstance(thresholds, ThresholdRule):
        return thresholds.lowest_review
    return thresholds.review


def _score_in_chunks(
    qf: pl.DataFrame,
    lf: pl.DataFrame,
    pairs: pl.DataFrame,
    model: MatchModel,
    as_of: date,
    floor: float,
    freqs: NameFrequencies,
) -> tuple[pl.DataFrame, np.ndarray]:
    """Compare and score `PAIR_CHUNK` candidate pairs at a time, so memory stays bounded however
    many pairs blocking finds (a million records meet ~10 million pairs, each gathering both
    sides' name and ID columns). Returns the pairs that can still become hits (at or above
    `floor`, or screened by name alone, see `decide`) and the score of every pair."""
    kept: list[pl.DataFrame] = []
    scores: list[np.ndarray] = []
    for start in range(0, pairs.height, PAIR_CHUNK):
        chunk = pairs.slice(start, PAIR_CHUNK)
        scored = score(compare(pair_frame(qf, lf, chunk), as_of), lf, model, freqs)
        scores.append(pair_probabilities(scored))
        can_hit = pl.col("forced") | (
            ~pl.col("veto") & ((pl.col("match_score") >= floor) | _name_screen())
        )
        kept.append(scored.filter(can_hit))
    if not kept:  # no candidate pair at all: an empty frame with the scored schema
        empty = score(compare(pair_frame(qf, lf, pairs), as_of), lf, model, freqs)
        return empty, np.empty(0)
    return pl.concat(kept), np.concatenate(scores)


def _confirmed_pairs(qf: pl.DataFrame, lf: pl.DataFrame, keys: frozenset[str]) -> pl.DataFrame:
    """`qi, li` of the pairs whose `pair_key` an analyst confirmed (few): they are screened every
    night whatever blocking or the score says, so a confirmed person stays intercepted."""
    wanted = (
        pl.DataFrame({"key": sorted(keys)}, schema={"key": pl.String})
        .select(pl.col("key").str.split_exact(":", 1).struct.rename_fields(["digest", "entry_id"]))
        .unnest("key")
    )
    li = lf.select("li", "entry_id").join(wanted, on="entry_id", how="inner")
    if li.is_empty():
        return pl.DataFrame(schema={"qi": pl.UInt32, "li": pl.UInt32})
    ident = pl.coalesce("pid", "uscc", "org_code")
    q = qf.select("qi", "norm", ident.alias("ident"))
    forms = q.select("norm", "ident").unique()
    digests = [
        pair_key(n, i, "").rstrip(":") for n, i in forms.iter_rows()
    ]  # the same digest `explain` puts in the hit's pair_key
    q = q.join(
        forms.with_columns(pl.Series("digest", digests)),
        on=["norm", "ident"],
        how="left",
        nulls_equal=True,
    )
    return q.join(li, on="digest", how="inner").select("qi", "li").unique().sort("qi", "li")


def _with_confirmed(pairs: pl.DataFrame, confirmed: pl.DataFrame) -> pl.DataFrame:
    """Candidate pairs plus the confirmed ones, flagged `forced`."""
    flagged = pairs.join(
        confirmed.with_columns(pl.lit(True).alias("forced")), on=["qi", "li"], how="left"
    ).with_columns(pl.col("forced").fill_null(False))
    extra = confirmed.join(pairs, on=["qi", "li"], how="anti").with_columns(
        pl.lit(False).alias("by_id"), pl.lit(False).alias("by_name"), pl.lit(True).alias("forced")
    )
    return pl.concat([flagged, extra.select(flagged.columns)]).sort("qi", "li")


def gammas_for(
    query: pl.DataFrame,
    listed: pl.DataFrame,
    *,
    as_of: date,
    u_sample: int = 1_000_000,
    seed: int = 1,
) -> tuple[pl.DataFrame, pl.DataFrame, float, pl.DataFrame, pl.DataFrame]:
    """Levels of blocked pairs (with `by_id`) and of random pairs (for u), the total pair count,
    and both feature frames."""
    qf, lf = prepare(query, listed, as_of)
    # EM learns the ID comparison from pairs met by name, so it wants them for numbered persons too
    pairs, _ = candidate_pairs(qf, lf, as_of, BlockingRules(name_keys_for_numbered=True))
    blocked = compare(pair_frame(qf, lf, pairs), as_of)
    rng = np.random.default_rng(seed)
    rand = pl.DataFrame(
        {
            "qi": rng.integers(0, max(qf.height, 1), u_sample, dtype=np.uint32),
            "li": rng.integers(0, max(lf.height, 1), u_sample, dtype=np.uint32),
        }
    )
    rand_pf = pair_frame(qf, lf, rand).filter(pl.col("party_type_q") == pl.col("party_type_l"))
    total = float(qf.height) * float(lf.height)
    return blocked, compare(rand_pf, as_of), total, qf, lf


def link(
    query: pl.DataFrame,
    listed: pl.DataFrame,
    *,
    model: MatchModel | None = None,
    thresholds: MatchThresholds | ThresholdRule,
    as_of: date,
    blocking: BlockingRules | None = None,
    confirmed: frozenset[str] = frozenset(),
) -> LinkResult:
    """Screen query parties against list parties; hits at or above the review threshold used.

    `thresholds` is fixed numbers or a rule (target mode, labels) resolved over the scores of
    every candidate pair (`matching.calibrate.choose_thresholds`) before any pair is decided.
    `confirmed`: pair keys analysts confirmed; such a pair is always a hit (at least `review`;
    the sweep then makes it `match`), even when a refined model or a moved threshold would now
    score it lower.
    """
    model = model or load_default()
    t0 = time.perf_counter()
    qf, lf = prepare(query, listed, as_of)
    t1 = time.perf_counter()
    floor = _lowest_review(thresholds)
    freqs = name_frequencies(lf, model)
    lf = lf.with_columns(name_reach(lf, model, freqs, floor))
    pairs, bstats = candidate_pairs(qf, lf, as_of, blocking)
    pairs = _with_confirmed(pairs, _confirmed_pairs(qf, lf, confirmed))
    t2 = time.perf_counter()
    kept, scores = _score_in_chunks(qf, lf, pairs, model, as_of, floor, freqs)
    t3 = time.perf_counter()
    # a target-mode cut-off depends on the whole score distribution: choose after all scoring
    chosen = choose_thresholds(thresholds, scores)
    decided = (
        decide(kept, chosen.thresholds)
        .with_columns(
            pl.when(pl.col("forced") & pl.col("match_decision").is_null())
            .then(pl.lit("review"))
            .otherwise(pl.col("match_decision"))
            .alias("match_decision")
        )
        .filter(pl.col("match_decision").is_not_null())
    )
    # Ties broken by entry id so reruns keep the same candidates (idempotent nights).
    best = decided.sort(["match_score", "entry_id_l"], descending=[True, False]).unique(
        ["record_id_q", "role_q", "entry_id_l"], keep="first", maintain_order=True
    )
    # An analyst can judge a few candidates per person, not fifty namesakes: keep every `match`
    # (one person may be listed for several cases) but only the best `REVIEW_TOP_K` reviews.
    rank = pl.int_range(1, pl.len() + 1).over("record_id_q", "role_q")
    best = best.filter(
        (pl.col("match_decision") == "match") | pl.col("forced") | (rank <= REVIEW_TOP_K)
    )
    best = best.rename(
        {
            "record_id_q": "record_id",
            "role_q": "role",
            "entry_id_l": "entry_id",
            "list_role_l": "list_role",
        }
    )
    hits = (
        explain(best)
        .select(HIT_COLUMNS)
        .sort("record_id", "role", "match_score", descending=[False, False, True])
    )
    t4 = time.perf_counter()
    n_query = qf.height
    stats = {
        "query_parties": n_query,
        "list_parties": lf.height,
        "candidate_pairs": pairs.height,
        "pairs_per_record": pairs.height / n_query if n_query else 0.0,
        "pairs_by_key": bstats.pairs_by_key,
        "skipped_blocks": bstats.skipped_blocks,
        "hits": hits.height,
        "matches": int((hits["match_decision"] == "match").sum()),
        "reviews": int((hits["match_decision"] == "review").sum()),
        "thresholds": chosen.figures(),
        "timings_s": {
            "features": t1 - t0,
            "blocking": t2 - t1,
            "compare": t3 - t2,
            "score_explain": t4 - t3,
            "total": t4 - t0,
        },
    }
    return LinkResult(hits, stats)
