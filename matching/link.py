"""Link query parties to list parties: features, blocking, comparisons, FS score, decision, hits."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

import polars as pl

from matching.blocking import BlockingRules, candidate_pairs
from matching.calibrate import ThresholdRule, choose_thresholds
from matching.comparison_level import ComparisonSpec, Evidence
from matching.comparison_library import DECLARED
from matching.config import FEW_ROWS, MatchThresholds
from matching.decide_few import decide_hits_few
from matching.explain import explain
from matching.features import party_features
from matching.list_side import ListSide, build_list_side
from matching.model import MatchModel, load_default
from matching.pairs import PairScorer, confirmed_pairs, score_in_chunks, with_confirmed
from matching.review_budget import BudgetCut, apply_review_budget

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
REVIEW_TOP_K = 3
"""Most review candidates kept per screened party (best scores first)."""


@dataclass
class LinkResult:
    """Hits at or above the review threshold, and run figures (no personal data)."""

    hits: pl.DataFrame
    stats: dict[str, Any] = field(default_factory=dict)


def prepare(
    query: pl.DataFrame, listed: pl.DataFrame, as_of: date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Feature frames with row indices `qi` / `li` (list restricted to current, active entries)."""
    return query_features(query, as_of), list_features(listed, as_of)


def query_features(query: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Query parties' features with row index `qi`."""
    return party_features(query, as_of).with_row_index("qi")


def list_features(listed: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """List parties' features with row index `li`, only current, active entries."""
    if "status" in listed.columns:
        listed = listed.filter(pl.col("status").fill_null("active") == "active")
    return party_features(listed, as_of).with_row_index("li")


def _spec(specs: tuple[ComparisonSpec, ...], name: str) -> ComparisonSpec:
    return next(s for s in specs if s.name == name)


def _at_least(spec: ComparisonSpec, evidence: Evidence) -> pl.Expr:
    """The pair's level in `spec` is `evidence` or stronger (null: no evidence)."""
    return pl.col(f"g_{spec.name}").is_in(spec.at_least(evidence))


def _against(spec: ComparisonSpec) -> pl.Expr:
    """The pair's level in `spec` is evidence against it (null: no evidence)."""
    against = spec.codes_where(lambda lv: lv.evidence == Evidence.AGAINST)
    return pl.col(f"g_{spec.name}").is_in(against)


def _is(spec: ComparisonSpec, label: str) -> pl.Expr:
    return pl.col(f"g_{spec.name}") == spec.code(label)


def _name_screen(specs: tuple[ComparisonSpec, ...] = DECLARED) -> pl.Expr:
    """Query persons with no usable number (passports, permits) can only be screened by name.

    FS rightly keeps a bare name far below any threshold, yet the agency must still see a rare
    listed name; such a pair (same name, sound or romanisation, not a common name, nothing
    contradicting) is floored at the review threshold and never becomes `match`; likewise an
    organisation whose normalised name is equal but which carries no comparable code.
    """
    # Only a query party with no usable number: an unnumbered list entry met by a numbered query
    # party would otherwise send every same-name pair to analysts (57 % review rate at 200k).
    no_id = pl.col("pid_q").is_null() & pl.col("uscc_q").is_null() & pl.col("org_code_q").is_null()
    name, birth = _spec(specs, "name"), _spec(specs, "birth")
    strong_name = _at_least(name, Evidence.AGREES)
    clash = _against(birth).fill_null(False) | _against(_spec(specs, "gender")).fill_null(False)
    # a name alone never identifies a person: the birth date, year or published age must agree too
    supported = _at_least(birth, Evidence.SIMILAR).fill_null(False)
    person = (
        (pl.col("party_type_q") == "person")
        & strong_name.fill_null(False)
        & ~pl.col("tf_down")
        & ~clash
        & supported
    )
    org = (pl.col("party_type_q") == "org") & _is(name, "exact").fill_null(False)
    return no_id & (person | org) & ~pl.col("veto")


SCORE_BASES = ("model", "name_screen")
"""`score_basis` of a hit: `match_score` is the model's probability, or the name screen's floor."""


def decide(
    scored: pl.DataFrame,
    thresholds: MatchThresholds,
    specs: tuple[ComparisonSpec, ...] = DECLARED,
) -> pl.DataFrame:
    """`match` needs the match threshold AND identifier evidence; a name alone is at most `review`.

    `score_basis` says `name_screen` when the floor lifted the score: that `match_score` is the
    review threshold, not a probability, so calibration must not count it.
    """
    return _decided(scored.lazy(), thresholds, specs).collect()


def _decided(
    scored: pl.LazyFrame, thresholds: MatchThresholds, specs: tuple[ComparisonSpec, ...]
) -> pl.LazyFrame:
    first, second = _decide_stages(thresholds.match, thresholds.review, specs)
    return scored.with_columns(first).with_columns(second)


@lru_cache(maxsize=64)
def _decide_stages(
    match: float, review: float, specs: tuple[ComparisonSpec, ...]
) -> tuple[list[pl.Expr], list[pl.Expr]]:
    """`decide`'s two column stages, built once per cut-offs (building them costs more than
    evaluating them on the desk's one record)."""
    ident, name = _spec(specs, "id"), _spec(specs, "name")
    id_ok = _at_least(ident, Evidence.PARTIAL).fill_null(False)
    # A masked or re-coded number leaves room for a namesake's twin (one county's people share
    # region, birth year and last four often enough): acting on it automatically also needs the
    # name itself to agree, not merely to look alike.
    whole_id = _at_least(ident, Evidence.AGREES)
    name_agrees = _at_least(name, Evidence.PARTIAL)
    name_ok = (whole_id.fill_null(False) & ~_against(name).fill_null(False)) | (
        name_agrees.fill_null(False)
    )
    # Visible digits that agree under a clearly different name are a look-alike number (two people
    # whose masked numbers happen to coincide), not an item for analysts; only a whole number that
    # agrees under another name (a renamed person, a data error) is worth a look.
    lookalike = (_against(name) & ~_is(ident, "exact")).fill_null(False)
    below = ~(pl.col("match_score") >= review).fill_null(False)
    floored = (~pl.col("veto") & _name_screen(specs) & below).fill_null(False)
    p = (
        pl.when(pl.col("veto"))
        .then(0.0)
        .when(floored)
        .then(pl.lit(review))
        .otherwise(pl.col("match_score"))
    )
    basis = pl.when(floored).then(pl.lit(SCORE_BASES[1])).otherwise(pl.lit(SCORE_BASES[0]))
    first = [
        id_ok.alias("id_evidence"),
        p.alias("match_score"),
        basis.alias("score_basis"),
        pl.when(pl.col("veto")).then(0.0).otherwise(pl.col("match_score")).alias("model_score"),
        lookalike.alias("lookalike"),
    ]
    second = [
        # a number that agrees under a name that does not is a data error to check, not a match
        pl.when((pl.col("match_score") >= match) & pl.col("id_evidence") & name_ok)
        .then(pl.lit("match"))
        .when((pl.col("match_score") >= review) & ~pl.col("lookalike"))
        .then(pl.lit("review"))
        .otherwise(None)
        .alias("match_decision")
    ]
    return first, second


def lowest_review(thresholds: MatchThresholds | ThresholdRule) -> float:
    """No pair scoring below this can become a hit, whatever the rule chooses later."""
    if isinstance(thresholds, ThresholdRule):
        return thresholds.lowest_review
    return thresholds.review


def can_hit(floor: float, specs: tuple[ComparisonSpec, ...] = DECLARED) -> pl.Expr:
    """A scored pair worth keeping: confirmed, at or above `floor`, or screened by name alone."""
    return pl.col("forced") | (
        ~pl.col("veto") & ((pl.col("match_score") >= floor) | _name_screen(specs))
    )


def decide_hits(
    kept: pl.DataFrame,
    thresholds: MatchThresholds,
    review_budget: int | None,
    specs: tuple[ComparisonSpec, ...] = DECLARED,
) -> tuple[pl.DataFrame, BudgetCut]:
    """Scored pairs that `can_hit` kept -> hits (`HIT_COLUMNS`): decided, best per entry, at most
    `REVIEW_TOP_K` reviews per party, the review budget, explanations.

    Shared by the nightly `link` and the screening desk, which scores one record's pairs with
    the cut-offs the latest sweep used.
    """
    if kept.is_empty():  # the desk's usual record: no pair could hit; the same empty answer
        hits, cut = _nothing_kept_like(kept, review_budget, specs)
        return hits.clear(), cut
    if kept.height <= FEW_ROWS:  # the desk's record: its rows in Python, equal by test
        return _decide_hits_few(kept, thresholds, review_budget, specs)
    return _decide_hits_columnar(kept, thresholds, review_budget, specs)


def _decide_hits_few(
    kept: pl.DataFrame,
    thresholds: MatchThresholds,
    review_budget: int | None,
    specs: tuple[ComparisonSpec, ...] = DECLARED,
) -> tuple[pl.DataFrame, BudgetCut]:
    """`decide_hits` row at a time (`matching.decide_few`), into the columnar path's schema."""
    empty, _ = _nothing_kept_like(kept, review_budget, specs)
    return decide_hits_few(
        kept,
        thresholds,
        review_budget,
        specs,
        top_k=REVIEW_TOP_K,
        bases=(SCORE_BASES[0], SCORE_BASES[1]),
        schema=empty.schema,
    )


_NOTHING_KEPT: dict[tuple[Any, ...], tuple[pl.DataFrame, BudgetCut]] = {}
"""`_nothing_kept` by the kept frame's column names and dtypes: cheaper to read and hash than its
`schema`, which on the desk's one record costs more than the rest of an empty answer."""


def _nothing_kept_like(
    kept: pl.DataFrame, review_budget: int | None, specs: tuple[ComparisonSpec, ...]
) -> tuple[pl.DataFrame, BudgetCut]:
    key = (tuple(kept.columns), tuple(kept.dtypes), review_budget, specs)
    found = _NOTHING_KEPT.get(key)
    if found is None:
        if len(_NOTHING_KEPT) >= 64:
            _NOTHING_KEPT.clear()
        found = _NOTHING_KEPT[key] = _nothing_kept(tuple(kept.schema.items()), review_budget, specs)
    return found


@lru_cache(maxsize=64)
def _nothing_kept(
    schema: tuple[tuple[str, pl.DataType], ...],
    review_budget: int | None,
    specs: tuple[ComparisonSpec, ...],
) -> tuple[pl.DataFrame, BudgetCut]:
    """What deciding no pair gives (no hit, nothing cut), computed once per kept schema: the
    columnar steps on an empty frame cost milliseconds and only ever give this."""
    empty = pl.DataFrame(schema=dict(schema))
    return _decide_hits_columnar(empty, MatchThresholds(), review_budget, specs)


def _decide_hits_columnar(
    kept: pl.DataFrame,
    thresholds: MatchThresholds,
    review_budget: int | None,
    specs: tuple[ComparisonSpec, ...] = DECLARED,
) -> tuple[pl.DataFrame, BudgetCut]:
    """`decide_hits` on any number of pairs: each run of frame steps is one lazy plan, one
    collect (the desk's one record pays per collect, not per row)."""
    # An analyst can judge a few candidates per person, not fifty namesakes: keep every `match`
    # (one person may be listed for several cases) but only the best `REVIEW_TOP_K` reviews.
    rank = pl.int_range(1, pl.len() + 1).over("record_id_q", "role_q")
    best = (
        _decided(kept.lazy(), thresholds, specs)
        .with_columns(
            pl.when(pl.col("forced") & pl.col("match_decision").is_null())
            .then(pl.lit("review"))
            .otherwise(pl.col("match_decision"))
            .alias("match_decision")
        )
        .filter(pl.col("match_decision").is_not_null())
        # Ties broken by entry id so reruns keep the same candidates (idempotent nights).
        .sort(["match_score", "entry_id_l"], descending=[True, False])
        .unique(["record_id_q", "role_q", "entry_id_l"], keep="first", maintain_order=True)
        .filter((pl.col("match_decision") == "match") | pl.col("forced") | (rank <= REVIEW_TOP_K))
        .collect()
    )
    best, budget_cut = apply_review_budget(best, review_budget)
    best = best.rename(
        {
            "record_id_q": "record_id",
            "role_q": "role",
            "entry_id_l": "entry_id",
            "list_role_l": "list_role",
        }
    )
    hits = (
        explain(best, specs)
        .lazy()
        .select(HIT_COLUMNS)
        .sort("record_id", "role", "match_score", descending=[False, False, True])
        .collect()
    )
    return hits, budget_cut


def link(
    query: pl.DataFrame,
    listed: pl.DataFrame,
    *,
    model: MatchModel | None = None,
    thresholds: MatchThresholds | ThresholdRule,
    as_of: date,
    blocking: BlockingRules | None = None,
    confirmed: frozenset[str] = frozenset(),
    review_budget: int | None = None,
    score_pairs: PairScorer = score_in_chunks,
    list_side: ListSide | None = None,
) -> LinkResult:
    """Screen query parties against list parties; hits at or above the review threshold used.

    `thresholds` is fixed numbers or a rule (target mode, labels) resolved over the scores of
    every candidate pair (`matching.calibrate.choose_thresholds`) before any pair is decided.
    `confirmed`: pair keys analysts confirmed; such a pair is always a hit (at least `review`;
    the sweep then makes it `match`), even when a refined model or a moved threshold would now
    score it lower.
    `review_budget`: most `review` items kept (the most probable first, `matching.review_budget`);
    None keeps every review candidate.
    `score_pairs`: runs the pair scoring stage; another engine (Spark) passes its own runner of
    the same `score_in_chunks`, so the hits do not depend on where pairs were scored.
    `list_side`: the list's features, name frequencies and keys when the caller kept them
    (`matching.list_side.build_list_side` of the same `listed`, model, floor, night and
    blocking); `link` then skips computing them.
    """
    model = model or load_default()
    t0 = time.perf_counter()
    floor = lowest_review(thresholds)
    qf = query_features(query, as_of)
    side = list_side or build_list_side(listed, model, floor, as_of, blocking)
    lf, freqs, list_keys = side.features, side.freqs, side.keys
    del side, list_side  # the list's keys (millions of rows at 1M) are not needed after blocking
    t1 = time.perf_counter()
    pairs, bstats = candidate_pairs(qf, lf, as_of, blocking, list_keys)
    del list_keys
    pairs = with_confirmed(pairs, confirmed_pairs(qf, lf, confirmed))
    t2 = time.perf_counter()
    kept, scores = score_pairs(qf, lf, pairs, model, as_of, freqs, can_hit(floor, model.specs))
    t3 = time.perf_counter()
    # a target-mode cut-off depends on the whole score distribution: choose after all scoring
    chosen = choose_thresholds(thresholds, scores)
    hits, budget_cut = decide_hits(kept, chosen.thresholds, review_budget, model.specs)
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
        "review_budget": budget_cut.figures(),
        "timings_s": {
            "features": t1 - t0,
            "blocking": t2 - t1,
            "compare": t3 - t2,
            "score_explain": t4 - t3,
            "total": t4 - t0,
        },
    }
    return LinkResult(hits, stats)
