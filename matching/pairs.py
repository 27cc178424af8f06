"""Candidate pairs as frames: both sides' features side by side, scored a chunk at a time.

Pairs analysts confirmed are added back whatever blocking found, so they are screened nightly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
import polars as pl

from matching.blocking_few import FEW_KEY_MATCHES
from matching.calibrate import pair_probabilities
from matching.comparison_level import Column
from matching.comparisons import compare, compare_rows
from matching.config import FEW_PAIRS, FEW_ROWS
from matching.explain import identity_digest
from matching.expr_rows import RowExpr, Unsupported, compile_row, family
from matching.frames import gather_rows
from matching.model import MatchModel
from matching.pair_frame import pair_frame
from matching.pairs_few import confirmed_pairs_few, with_confirmed_few
from matching.scoring import NameFrequencies, score, score_rows

PAIR_CHUNK = 1_000_000
"""Candidate pairs compared and scored at a time (`score_in_chunks`)."""


def score_in_chunks(
    qf: pl.DataFrame,
    lf: pl.DataFrame,
    pairs: pl.DataFrame,
    model: MatchModel,
    as_of: date,
    freqs: NameFrequencies,
    can_hit: pl.Expr,
) -> tuple[pl.DataFrame, np.ndarray]:
    """Compare and score `PAIR_CHUNK` candidate pairs at a time, keeping those `can_hit` allows.

    Memory stays bounded however many pairs blocking finds (a million records meet ~10 million
    pairs, each gathering both sides' name and ID columns). Returns the kept pairs and the score
    of every pair (a target-mode threshold is chosen over all of them).
    """
    kept: list[pl.DataFrame] = []
    scores: list[np.ndarray] = []
    for start in range(0, pairs.height, PAIR_CHUNK):
        frame = pair_frame(qf, lf, pairs.slice(start, PAIR_CHUNK))
        done = _score_few(frame, lf, model, as_of, freqs, can_hit)
        if done is None:
            scored = score(compare(frame, as_of, model.specs), lf, model, freqs)
            done = _kept(scored, can_hit), pair_probabilities(scored)
        kept.append(done[0])
        scores.append(done[1])
    if not kept:  # no candidate pair at all: an empty frame with the scored schema
        empty = score(compare(pair_frame(qf, lf, pairs), as_of, model.specs), lf, model, freqs)
        return empty, np.empty(0)
    return pl.concat(kept), np.concatenate(scores)


def _score_few(
    frame: pl.DataFrame,
    lf: pl.DataFrame,
    model: MatchModel,
    as_of: date,
    freqs: NameFrequencies,
    can_hit: pl.Expr,
) -> tuple[pl.DataFrame, np.ndarray] | None:
    """`compare`, `score`, `_kept` and `pair_probabilities` of at most `FEW_PAIRS` pairs (the
    desk's record) with the values kept in Python lists from one step to the next: each pair
    column is read out of polars once, and the scored frame is only built when a pair is kept
    (the usual record keeps none, and answers an empty frame of the scored schema). None when
    a step must go through polars (no row form, names taken); the caller then runs them."""
    if frame.height > FEW_PAIRS:
        return None
    codes = compare_rows(frame, as_of, model.specs)
    if codes is None:
        return None
    cols, found = codes.cols, dict(codes.found)
    derived = set(cols.added)  # read by the levels, not columns of the scored frame
    for name, values, dtype in codes.columns:
        if name in found:  # `compare` raises on a name taken
            return None
        cols.add(name, values)
        found[name] = family(dtype)
    added = score_rows(cols, frame.height, lf.height, model, freqs)
    if added is None:
        compared = frame.hstack([pl.Series(n, v, dtype=d) for n, v, d in codes.columns])
        scored = score(compared, lf, model, freqs)
        return _kept(scored, can_hit), pair_probabilities(scored)
    for name, values, dtype in added:
        if name in found:  # `score` raises on a name taken
            return None
        cols.add(name, values)
        found[name] = family(dtype)
    columns = [*codes.columns, *added]
    # as `pair_probabilities` reads them: a vetoed pair scores 0, a null veto vetoes nothing
    probs = np.array(
        [0.0 if v else x for v, x in zip(cols["veto"], cols["match_score"], strict=True)],
        dtype=np.float64,
    )
    row = _row_form(can_hit)
    readable = row is not None and all(c in found and c not in derived for c in row.columns)
    if row is None or not readable or not row.fits(found):
        return _kept(_scored(frame, columns), can_hit), probs
    fn = row.fn
    kept = [i for i in range(frame.height) if fn(cols, i) is True]  # null keeps no row
    if not kept:
        return frame.clear().hstack(_empty_columns(tuple((n, d) for n, _, d in columns))), probs
    return _scored(frame, columns)[pl.Series(kept, dtype=pl.UInt32)], probs


def _scored(frame: pl.DataFrame, columns: list[Column]) -> pl.DataFrame:
    """`score(compare(frame))` from the columns the row path computed."""
    return frame.hstack([pl.Series(n, v, dtype=d) for n, v, d in columns])


_EMPTY: dict[tuple[tuple[str, pl.DataType], ...], list[pl.Series]] = {}
"""Empty columns of each scored layout (few: one per model and name-count dtypes)."""


def _empty_columns(layout: tuple[tuple[str, pl.DataType], ...]) -> list[pl.Series]:
    """The added columns of an empty answer: a Series costs more to build than the rest of it,
    and a frame holding a cached one cannot change it (polars copies a shared column on write)."""
    found = _EMPTY.get(layout)
    if found is None:
        if len(_EMPTY) >= 64:
            _EMPTY.clear()
        found = _EMPTY[layout] = [pl.Series(n, [], dtype=d) for n, d in layout]
    return found


def _kept(scored: pl.DataFrame, can_hit: pl.Expr) -> pl.DataFrame:
    """`scored.filter(can_hit)`. A few pairs (the desk's one record) evaluate the predicate
    alone, row by row from its compiled plan when it has a row form reading `scored`'s dtypes
    as polars does (`matching.expr_rows`), and when it keeps none (nearly always) answer the
    empty frame without filtering."""
    if scored.height > FEW_PAIRS:
        return scored.filter(can_hit)
    row = _row_form(can_hit)
    read = _columns(scored, row.columns) if row is not None else None
    if row is not None and read is not None and row.fits({s.name: family(s.dtype) for s in read}):
        cols = {s.name: s.to_list() for s in read}
        fn = row.fn
        kept = [i for i in range(scored.height) if fn(cols, i) is True]  # null keeps no row
        # gathering the kept rows costs half what filtering by a mask of the same rows does, and
        # on this thread it does not wait on polars' pool
        return gather_rows(scored, kept) if kept else scored.clear()
    keep = scored.select(can_hit).to_series()
    if keep.len() != scored.height:  # a predicate of one value (keep all or none): as declared
        return scored.filter(can_hit)
    return scored.clear() if not keep.any() else scored.filter(keep)


def _columns(frame: pl.DataFrame, names: tuple[str, ...]) -> list[pl.Series] | None:
    """`frame`'s columns `names`, None when one is missing (polars then raises as declared)."""
    try:
        return [frame.get_column(c) for c in names]
    except pl.exceptions.ColumnNotFoundError:
        return None


_ROW_FORMS: dict[int, tuple[pl.Expr, RowExpr | None]] = {}
"""Compiled predicates by identity (polars expressions do not hash; the desk passes one per
floor), each held so its id is not reused while cached; None: no row form, stays columnar."""


def _row_form(expr: pl.Expr) -> RowExpr | None:
    held = _ROW_FORMS.get(id(expr))
    if held is None or held[0] is not expr:
        if len(_ROW_FORMS) >= 64:
            _ROW_FORMS.clear()
        try:
            compiled: RowExpr | None = compile_row(expr)
        except Unsupported:
            compiled = None
        held = _ROW_FORMS[id(expr)] = (expr, compiled)
    return held[1]


PairScorer = Callable[
    [pl.DataFrame, pl.DataFrame, pl.DataFrame, MatchModel, date, NameFrequencies, pl.Expr],
    tuple[pl.DataFrame, np.ndarray],
]
"""What `score_in_chunks` is: the link's pair scoring stage, replaceable by another engine's."""


def confirmed_pairs(qf: pl.DataFrame, lf: pl.DataFrame, keys: frozenset[str]) -> pl.DataFrame:
    """`qi, li` of the pairs whose `pair_key` an analyst confirmed (few): they are screened every
    night whatever blocking or the score says, so a confirmed person stays intercepted.

    A query of at most `FEW_ROWS` rows (the desk's record) takes the row-at-a-time path,
    `matching.pairs_few.confirmed_pairs_few`, which gives the same frame."""
    if qf.height <= FEW_ROWS:
        return confirmed_pairs_few(qf, lf, keys)
    return _confirmed_columnar(qf, lf, keys)


def _confirmed_columnar(qf: pl.DataFrame, lf: pl.DataFrame, keys: frozenset[str]) -> pl.DataFrame:
    """`confirmed_pairs` by joins: the night's batch."""
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
    digests = [identity_digest(n, i) for n, i in forms.iter_rows()]  # as in the hits' pair_key
    q = q.join(
        forms.with_columns(pl.Series("digest", digests)),
        on=["norm", "ident"],
        how="left",
        nulls_equal=True,
    )
    return q.join(li, on="digest", how="inner").select("qi", "li").unique().sort("qi", "li")


def with_confirmed(pairs: pl.DataFrame, confirmed: pl.DataFrame) -> pl.DataFrame:
    """Candidate pairs plus the confirmed ones, flagged `forced`.

    Both are unique `qi, li` pairs (as `pairs_from_found` and `confirmed_pairs` give them). A
    handful (one desk record's) takes the row-at-a-time path, `pairs_few.with_confirmed_few`.
    """
    if pairs.height + confirmed.height <= FEW_KEY_MATCHES:
        return with_confirmed_few(pairs, confirmed)
    return _with_confirmed_columnar(pairs, confirmed)


def _with_confirmed_columnar(pairs: pl.DataFrame, confirmed: pl.DataFrame) -> pl.DataFrame:
    """`with_confirmed` by joins: the night's millions of pairs."""
    if confirmed.is_empty():  # the usual night: no join over millions of pairs
        return pairs.with_columns(pl.lit(False).alias("forced"))
    flagged = pairs.join(
        confirmed.with_columns(pl.lit(True).alias("forced")), on=["qi", "li"], how="left"
    ).with_columns(pl.col("forced").fill_null(False))
    extra = confirmed.join(pairs, on=["qi", "li"], how="anti").with_columns(
        pl.lit(False).alias("by_id"), pl.lit(False).alias("by_name"), pl.lit(True).alias("forced")
    )
    return pl.concat([flagged, extra.select(flagged.columns)]).sort("qi", "li")
