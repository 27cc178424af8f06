"""Comparisons declared as data: one ordered list of typed levels per compared field.

Shaped after Splink's `ComparisonLevelCreator` / `Comparison`: a comparison is an ordered list of
levels, each a condition over the pair's columns; the first level whose condition holds is the
pair's level. Everything the rest of the matcher needs about a level is declared on it: its label,
its packaged m/u, whether its weight is term-frequency adjusted, what kind of evidence it is, its
Chinese phrase for explanations and, when its u cannot be sampled from random pairs, the formula
`matching.estimate` prices it with. Level tuples, TF sets, phrases and u formulas are all read off
these declarations; nothing else lists levels.

Level codes (`g_<comparison>` columns, and the order of a stored model's levels) count the scored
levels from the last one declared, as Splink's comparison vector values do: the catch-all level
is 0 and the first, strongest level the highest code. Null levels ("no evidence") get no code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import IntEnum
from functools import lru_cache
from typing import Any

import polars as pl

from matching.config import FEW_PAIRS
from matching.expr_rows import (
    Chained,
    Columns,
    Families,
    RowChain,
    RowExpr,
    Unsupported,
    compile_chain,
    compile_row,
    families,
    family,
)


class Evidence(IntEnum):
    """What a level says about the pair, weakest first; decisions test a level against these."""

    AGAINST = 0
    """The field disagrees."""
    SIMILAR = 1
    """Alike without agreeing (a fuzzy name): some support, never enough to act on."""
    PARTIAL = 2
    """What both sides show agrees, but not all of it is shown (a mask, a year, a look-alike)."""
    AGREES = 3
    """The whole value agrees (allowing for spelling: same sound, romanisation)."""


Costly = Callable[[pl.DataFrame], pl.Series]
"""A level condition too expensive for every pair (string similarity): computed only on the
pairs no earlier level took, returning one boolean per such pair."""
CostlyRow = Callable[[Mapping[str, Any]], bool]
"""The same condition for one pair, from its values by column name (the row path of few pairs)."""


@dataclass(frozen=True, eq=False)  # eq=False: polars expressions do not compare as values
class ComparisonLevel:
    """One level of a comparison and everything the matcher needs to know about it."""

    label: str
    when: pl.Expr | None = None
    """Vectorised predicate over the pair's columns (and its comparison's derived ones);
    None = every pair that reaches this level (the catch-all)."""
    phrase_zh: str = ""
    """How an explanation states this level to an analyst."""
    m: float = 0.5
    """Packaged P(level | same party), used until a model is estimated."""
    u: float = 0.5
    """Packaged P(level | different parties)."""
    evidence: Evidence = Evidence.AGAINST
    tf_column: str | None = None
    """List feature whose value frequency replaces u (Splink's TF adjustment); None = no TF."""
    u_formula: Callable[[Any], float] | None = None
    """u from the chance agreement of the value's parts, for levels too rare to sample among
    random pairs (`matching.estimate`); None = the level's share among random pairs, or, in a
    comparison priced by formulas, whatever probability the other levels leave."""
    shares_m: str | None = None
    """Levels with the same tag share one m, the sum of theirs (`matching.layouts`)."""
    m_like: tuple[str, ...] = ()
    """This level's m is the sum of these levels' m (`matching.layouts`)."""
    u_like: str | None = None
    """This level takes that level's u (`matching.layouts`)."""
    costly: Costly | None = None
    """Replaces `when` for a condition computed only on the pairs still open."""
    costly_row: CostlyRow | None = None
    """`costly` for one pair, the same boolean; None = a comparison with this level is always
    evaluated by the columnar path."""
    is_null: bool = False
    """A pair stopping here carries no evidence for this comparison (null level code)."""


Derive = Callable[[pl.DataFrame, date], pl.DataFrame]
"""Columns a comparison's conditions read besides the pair's own (same height as the pairs)."""
Column = tuple[str, list[Any], pl.DataType]
"""A column computed in Python: its name, values and dtype."""
DeriveRows = Callable[[Mapping[str, list[Any]], int, date], list[Column]]
"""`Derive` of a few pairs from their columns as lists (by name) and their number: the same
columns, names, dtypes and values, left as lists."""


@dataclass(frozen=True, eq=False)
class ComparisonSpec:
    """One compared field: its levels in order of precedence (the first that holds wins)."""

    name: str
    levels: tuple[ComparisonLevel, ...]
    derive: Derive | None = None
    derive_rows: DeriveRows | None = None
    """`derive` for the row path of a few pairs, held equal to it by property tests; None: the
    row path reads `derive`'s frame."""

    @property
    def scored(self) -> tuple[ComparisonLevel, ...]:
        """The levels that carry weight, in code order (catch-all first, strongest last)."""
        return tuple(lv for lv in reversed(self.levels) if not lv.is_null)

    @property
    def labels(self) -> tuple[str, ...]:
        """Level labels in code order: `labels[code]` is the level a `g_<name>` code means."""
        return tuple(lv.label for lv in self.scored)

    def code(self, label: str) -> int:
        """The code of the level called `label`."""
        return self.labels.index(label)

    def level(self, label: str) -> ComparisonLevel:
        """The scored level called `label`."""
        return self.scored[self.code(label)]

    def codes_where(self, test: Callable[[ComparisonLevel], bool]) -> list[int]:
        """Codes of the levels for which `test` holds."""
        return [i for i, lv in enumerate(self.scored) if test(lv)]

    def at_least(self, evidence: Evidence) -> list[int]:
        """Codes of the levels whose evidence is `evidence` or stronger."""
        return self.codes_where(lambda lv: lv.evidence >= evidence)

    def with_level(self, level: ComparisonLevel, *, before: str) -> ComparisonSpec:
        """A copy with `level` declared just before the level called `before`."""
        at = next(i for i, lv in enumerate(self.levels) if lv.label == before)
        return replace(self, levels=(*self.levels[:at], level, *self.levels[at:]))

    def assign(self, pairs: pl.DataFrame, as_of: date) -> pl.Series:
        """`g_<name>`: the code of the first level whose condition holds, null for none."""
        return assign_all((self,), pairs, as_of).to_series()


def assign_all(
    specs: Sequence[ComparisonSpec],
    pairs: pl.DataFrame,
    as_of: date,
    extra: Sequence[pl.Expr] = (),
) -> pl.DataFrame:
    """`extra`, then `g_<name>` of every spec (`ComparisonSpec.assign`), as one frame.

    The same conditions as each spec's own `assign`, evaluated together: every derive once,
    every comparison's when/then chain (up to its costly level) in one select, and only the
    pairs still open after that go through the costly conditions. On the desk's one record
    each polars call costs more than the work in it, so one select instead of one per spec;
    and a frame of at most `FEW_PAIRS` pairs is evaluated row by row in Python from the same
    expressions (`_assign_rows`), held equal to the columnar path by property tests.
    """
    frame = pairs
    derived = _derives(specs)
    if derived:
        frame = pairs.hstack([c for d in derived for c in d(pairs, as_of).get_columns()])
    if pairs.height <= FEW_PAIRS:
        return _assign_rows(specs, frame, extra)
    return _assign_columnar(specs, frame, extra)


def _assign_columnar(
    specs: Sequence[ComparisonSpec], frame: pl.DataFrame, extra: Sequence[pl.Expr]
) -> pl.DataFrame:
    """`assign_all` on a frame that already holds every derived column, in polars."""
    heads = [_head(spec) for spec in specs]
    first = frame.select(
        *extra,
        *(expr.alias(f"g{i}") for i, (_, expr) in enumerate(heads) if expr is not None),
    )
    found: list[pl.Series] = []
    for i, (spec, (k, expr)) in enumerate(zip(specs, heads, strict=True)):
        head = (
            first[f"g{i}"]
            if expr is not None
            else pl.Series("g", [None] * frame.height, dtype=pl.Int8)
        )
        if k is not None:
            head = _open_rest(spec.levels[k:], _codes(spec)[k:], frame, head)
        found.append(head.alias(f"g_{spec.name}"))
    codes = pl.DataFrame(found).select(_null_levels(tuple(spec.name for spec in specs)))
    return pl.DataFrame([first.to_series(i) for i in range(len(extra))] + codes.get_columns())


# --- the row path: a few pairs, each spec's levels tried in order on one pair at a time


class Lists(dict[str, list[Any]]):
    """A frame's columns as Python lists, each read out of polars once, when first asked for: a
    chain reads the columns its conditions name, a costly level's row form the ones it needs.
    Columns computed in Python (`added`) join it as lists, named after the frame's."""

    def __init__(self, frame: pl.DataFrame) -> None:
        super().__init__()
        self.frame = frame
        self.added: list[str] = []

    def __missing__(self, name: str) -> list[Any]:
        values = self[name] = self.frame.get_column(name).to_list()
        return values

    def add(self, name: str, values: list[Any]) -> None:
        self[name] = values
        self.added.append(name)

    @property
    def names(self) -> list[str]:
        return [*self.frame.columns, *self.added]


class _Row(Mapping[str, Any]):
    """One pair's values by column name, for a costly level's row form."""

    __slots__ = ("cols", "i")

    def __init__(self, cols: Lists, i: int) -> None:
        self.cols, self.i = cols, i

    def __getitem__(self, name: str) -> Any:
        return self.cols[name][self.i]

    def __iter__(self) -> Iterator[str]:
        return iter(self.cols.names)

    def __len__(self) -> int:
        return len(self.cols.names)


@dataclass(frozen=True, eq=False)
class _RowSpec:
    chain: RowChain
    """The spec's levels in order, each giving its code (None for a null level)."""
    columns: tuple[str, ...]
    _fit: dict[tuple[str | None, ...], bool] = field(default_factory=dict, repr=False)

    def fits(self, found: Families) -> bool:
        """Whether every condition reads a frame of these column families as polars does."""
        key = tuple(map(found.get, self.columns))
        fit = self._fit.get(key)
        if fit is None:
            fit = all(e.fits(found) for e in self.chain.conditions)
            if len(self._fit) < 16:  # a frame of another layout now and then: stays bounded
                self._fit[key] = fit
        return fit


def _costly_step(row: CostlyRow) -> Callable[[Columns, int], bool]:
    return lambda cols, i: row(_Row(cols, i))  # type: ignore[arg-type]


@lru_cache(maxsize=256)
def _row_spec(spec: ComparisonSpec) -> _RowSpec | None:
    """The spec's levels compiled for the row path; None when one of them has no row form (its
    condition holds a node `compile_chain` does not know, or a costly level has no
    `costly_row`)."""
    steps: list[tuple[Chained, int | None]] = []
    for lv, code in zip(spec.levels, _codes(spec), strict=True):
        test: Chained = lv.when
        if lv.costly is not None:  # replaces `when`, as on the columnar path
            if lv.costly_row is None:
                return None
            test = _costly_step(lv.costly_row)
        steps.append((test, None if code < 0 else code))
    try:
        chain = compile_chain(steps)
    except Unsupported:
        return None
    columns = tuple(dict.fromkeys(c for e in chain.conditions for c in e.columns))
    return _RowSpec(chain, columns)


def _compiled(expr: pl.Expr) -> RowExpr | None:
    try:
        return compile_row(expr)
    except Unsupported:
        return None


_EXTRAS: dict[int, tuple[pl.Expr, RowExpr | None]] = {}
"""Compiled `extra` expressions by identity (polars expressions do not hash), each held so its
id is not reused while cached."""


def _row_extra(expr: pl.Expr) -> RowExpr | None:
    held = _EXTRAS.get(id(expr))
    if held is None or held[0] is not expr:
        if len(_EXTRAS) >= 256:
            _EXTRAS.clear()
        held = _EXTRAS[id(expr)] = (expr, _compiled(expr))
    return held[1]


def _assign_rows(
    specs: Sequence[ComparisonSpec], frame: pl.DataFrame, extra: Sequence[pl.Expr]
) -> pl.DataFrame:
    """`_assign_columnar`'s frame, row by row: each pair's code in a spec is the first level
    whose condition is true. A spec or extra without a row form fitting the frame's dtypes is
    left to the columnar path."""
    found = families(frame)
    spec_rows = [_row_spec(spec) for spec in specs]
    spec_rows = [r if r is not None and r.fits(found) else None for r in spec_rows]
    extra_rows = [_row_extra(e) for e in extra]
    extra_rows = [r if r is not None and r.fits(found) else None for r in extra_rows]
    rest_specs = [s for s, r in zip(specs, spec_rows, strict=True) if r is None]
    rest_extra = [e for e, r in zip(extra, extra_rows, strict=True) if r is None]
    rest = _assign_columnar(rest_specs, frame, rest_extra) if rest_specs or rest_extra else None
    cols, n = Lists(frame), frame.height
    out: list[pl.Series] = []
    for j, r in enumerate(extra_rows):
        if r is None:
            assert rest is not None
            out.append(rest.to_series(sum(x is None for x in extra_rows[:j])))
        else:
            out.append(pl.Series(r.name, [r.fn(cols, i) for i in range(n)], dtype=pl.Boolean))
    for spec, s in zip(specs, spec_rows, strict=True):
        name = f"g_{spec.name}"
        if s is None:
            assert rest is not None
            out.append(rest.get_column(name))
        else:
            out.append(pl.Series(name, s.chain.fn(cols, n), dtype=pl.Int8))
    return pl.DataFrame(out)


@dataclass(frozen=True, eq=False)
class RowCodes:
    """`assign_all`'s columns for a few pairs kept as Python lists, with the pair columns they
    were computed from, so the steps after it (scores, the kept pairs) read no column twice."""

    cols: Lists
    """The pair frame's columns and the derived ones as lists, each read when first asked."""
    found: dict[str, str | None]
    """The value family of each of those columns (`expr_rows.family`)."""
    columns: list[Column]
    """`extra`'s columns then each spec's `g_<name>`, in `assign_all`'s order."""


def assign_rows(
    specs: Sequence[ComparisonSpec],
    pairs: pl.DataFrame,
    as_of: date,
    extra: Sequence[pl.Expr] = (),
) -> RowCodes | None:
    """`assign_all` of at most `FEW_PAIRS` pairs, its columns left as lists; None when a spec or
    extra has no row form fitting the frame's dtypes, or a derived column's name is taken
    (`assign_all` then answers, or raises, as declared)."""
    if pairs.height > FEW_PAIRS:
        return None
    found = families(pairs)
    cols = Lists(pairs)
    for spec in _deriving(specs):
        for name, values, dtype in _derived_rows(spec, pairs, cols, as_of):
            if name in found or len(values) != pairs.height:
                return None
            found[name] = family(dtype)
            cols.add(name, values)
    spec_rows = [_row_spec(spec) for spec in specs]
    extra_rows = [_row_extra(e) for e in extra]
    if any(r is None or not r.fits(found) for r in [*spec_rows, *extra_rows]):
        return None
    n = pairs.height
    columns: list[Column] = []
    for e in extra_rows:
        assert e is not None
        columns.append((e.name, [e.fn(cols, i) for i in range(n)], pl.Boolean()))
    for spec, s in zip(specs, spec_rows, strict=True):
        assert s is not None
        columns.append((f"g_{spec.name}", s.chain.fn(cols, n), pl.Int8()))
    return RowCodes(cols, found, columns)


def _derives(specs: Sequence[ComparisonSpec]) -> list[Derive]:
    """Each spec's derive, once, in the specs' order (as `assign_all` stacks their columns)."""
    return [spec.derive for spec in _deriving(specs) if spec.derive is not None]


def _deriving(specs: Sequence[ComparisonSpec]) -> list[ComparisonSpec]:
    """The first spec of each derive, in the specs' order."""
    seen: list[Derive] = []
    first: list[ComparisonSpec] = []
    for spec in specs:
        if spec.derive is not None and spec.derive not in seen:
            seen.append(spec.derive)
            first.append(spec)
    return first


def _derived_rows(
    spec: ComparisonSpec, pairs: pl.DataFrame, cols: Lists, as_of: date
) -> list[Column]:
    """The spec's derived columns as lists: its row form's, or read off `derive`'s frame."""
    if spec.derive_rows is not None:
        return spec.derive_rows(cols, pairs.height, as_of)
    assert spec.derive is not None
    return [(c.name, c.to_list(), c.dtype) for c in spec.derive(pairs, as_of).get_columns()]


_OPEN = "__level_open"
# Levels and specs hash by identity (eq=False), so these caches key on the declared objects: the
# expressions are built once per declaration instead of once per call, which on the desk's one
# record costs more than evaluating them. Bounded, for specs made on the fly (`with_level`).


@lru_cache(maxsize=256)
def _codes(spec: ComparisonSpec) -> tuple[int, ...]:
    return tuple(-1 if lv.is_null else spec.code(lv.label) for lv in spec.levels)


@lru_cache(maxsize=256)
def _opened(level: ComparisonLevel) -> ComparisonLevel:
    """`level` with its costly condition replaced by the column it was computed into."""
    return replace(level, when=pl.col(_OPEN), costly=None)


@lru_cache(maxsize=256)
def _chain(levels: tuple[ComparisonLevel, ...], codes: tuple[int, ...]) -> pl.Expr:
    """One when/then chain: the first true condition gives its code (-1 for a null level)."""
    chain: Any = pl
    for lv, code in zip(levels, codes, strict=True):
        cond = pl.lit(True) if lv.when is None else lv.when
        chain = chain.when(cond).then(pl.lit(code, dtype=pl.Int8))
    return chain.otherwise(pl.lit(None, dtype=pl.Int8)).alias("g")


@lru_cache(maxsize=256)
def _head(spec: ComparisonSpec) -> tuple[int | None, pl.Expr | None]:
    """The index of the spec's first costly level (None: none), and the chain of the levels
    before it (None: the costly level comes first)."""
    levels, codes = spec.levels, _codes(spec)
    k = next((i for i, lv in enumerate(levels) if lv.costly is not None), None)
    if k is None:
        return None, _chain(levels, codes)
    return k, (_chain(levels[:k], codes[:k]) if k else None)


@lru_cache(maxsize=256)
def _null_levels(names: tuple[str, ...]) -> list[pl.Expr]:
    """Null-level codes (-1) become null: such a pair carries no evidence for that comparison."""
    return [pl.when(pl.col(f"g_{n}") >= 0).then(pl.col(f"g_{n}")).alias(f"g_{n}") for n in names]


def _first_level(
    levels: tuple[ComparisonLevel, ...], codes: tuple[int, ...], frame: pl.DataFrame
) -> pl.Series:
    """Codes of the first matching level; a costly condition is computed only on open pairs."""
    k = next((i for i, lv in enumerate(levels) if lv.costly is not None), None)
    if k is None:
        return frame.select(_chain(levels, codes)).to_series()
    if k:
        head = frame.select(_chain(levels[:k], codes[:k])).to_series()
    else:
        head = pl.Series("g", [None] * frame.height, dtype=pl.Int8)
    return _open_rest(levels[k:], codes[k:], frame, head)


def _open_rest(
    levels: tuple[ComparisonLevel, ...],
    codes: tuple[int, ...],
    frame: pl.DataFrame,
    head: pl.Series,
) -> pl.Series:
    """`head` (codes of the levels before the costly `levels[0]`, null where none held) with
    its open pairs given the first of `levels` that holds, the costly condition computed on
    them only."""
    still = head.is_null()
    if not still.any():
        return head
    sub = frame if still.all() else frame.filter(still)
    costly = levels[0].costly
    assert costly is not None
    opened = costly(sub).alias(_OPEN)
    sub = sub.with_columns(opened) if _OPEN in sub.columns else sub.hstack([opened])
    rest = (_opened(levels[0]), *levels[1:])
    return head.scatter(still.arg_true(), _first_level(rest, codes, sub))
