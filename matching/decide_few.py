"""`matching.link.decide_hits` row at a time, for the screening desk's few kept pairs.

On a record's handful of pairs, polars' fixed cost per frame step (sort, unique, window rank,
filters, collects) is most of `decide_hits`' time. This path applies the same rules to a list of
rows in Python: every evidence test reads its level codes off the same comparison declarations
(`ComparisonSpec.at_least` / `codes_where` / `code`), the cut-offs, top-k and score bases are the
caller's, and the hits frame takes the columnar path's own schema. Nulls follow polars' rules
(three-valued and/or/not, a null condition counts as false, nulls sort first), and ties keep the
order polars keeps on a few rows (its sorts are stable there). Property tests hold it equal to the
columnar path (`tests/test_decide_few.py`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cmp_to_key, lru_cache
from typing import Any

import numpy as np
import polars as pl

from matching.comparison_level import ComparisonSpec, Evidence
from matching.config import MatchThresholds
from matching.explain import explain_row, pair_key
from matching.review_budget import BudgetCut

Row = dict[str, Any]
Tri = bool | None
"""A polars boolean: True, False or null."""


def _and(a: Tri, b: Tri) -> Tri:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def _or(a: Tri, b: Tri) -> Tri:
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def _not(a: Tri) -> Tri:
    return None if a is None else not a


def _eq(value: Any, other: Any) -> Tri:
    return None if value is None else value == other


def _ge(value: float | None, cut: float) -> Tri:
    return None if value is None else value >= cut


@dataclass(frozen=True)
class _Codes:
    """Level codes each rule of `decide` tests, read off the declarations once per specs."""

    name_field: str
    id_field: str
    birth_field: str
    gender_field: str
    id_partial: frozenset[int]
    id_agrees: frozenset[int]
    id_exact: int
    name_agrees: frozenset[int]
    name_partial: frozenset[int]
    name_against: frozenset[int]
    name_exact: int
    birth_similar: frozenset[int]
    birth_against: frozenset[int]
    gender_against: frozenset[int]


def _against(spec: ComparisonSpec) -> frozenset[int]:
    return frozenset(spec.codes_where(lambda lv: lv.evidence == Evidence.AGAINST))


@lru_cache(maxsize=64)
def _codes(specs: tuple[ComparisonSpec, ...]) -> _Codes:
    by = {s.name: s for s in specs}
    ident, name, birth, gender = by["id"], by["name"], by["birth"], by["gender"]
    return _Codes(
        name_field=f"g_{name.name}",
        id_field=f"g_{ident.name}",
        birth_field=f"g_{birth.name}",
        gender_field=f"g_{gender.name}",
        id_partial=frozenset(ident.at_least(Evidence.PARTIAL)),
        id_agrees=frozenset(ident.at_least(Evidence.AGREES)),
        id_exact=ident.code("exact"),
        name_agrees=frozenset(name.at_least(Evidence.AGREES)),
        name_partial=frozenset(name.at_least(Evidence.PARTIAL)),
        name_against=_against(name),
        name_exact=name.code("exact"),
        birth_similar=frozenset(birth.at_least(Evidence.SIMILAR)),
        birth_against=_against(birth),
        gender_against=_against(gender),
    )


def _in(code: int | None, codes: frozenset[int]) -> Tri:
    return None if code is None else code in codes


def _filled(value: Tri) -> bool:
    return value is True


def _name_screen(row: Row, c: _Codes) -> Tri:
    """`matching.link._name_screen` of one row."""
    no_id = row["pid_q"] is None and row["uscc_q"] is None and row["org_code_q"] is None
    clash = _filled(_in(row[c.birth_field], c.birth_against)) or _filled(
        _in(row[c.gender_field], c.gender_against)
    )
    supported = _filled(_in(row[c.birth_field], c.birth_similar))
    person = _and(
        _and(
            _and(
                _eq(row["party_type_q"], "person"),
                _filled(_in(row[c.name_field], c.name_agrees)),
            ),
            _not(row["tf_down"]),
        ),
        _and(not clash, supported),
    )
    org = _and(_eq(row["party_type_q"], "org"), _filled(_eq(row[c.name_field], c.name_exact)))
    return _and(_and(no_id, _or(person, org)), _not(row["veto"]))


def _decided(row: Row, match: float, review: float, c: _Codes, bases: tuple[str, str]) -> Row:
    """`matching.link._decide_stages` on one row, then the forced pairs' `review`."""
    veto, score = row["veto"], row["match_score"]
    g_id, g_name = row[c.id_field], row[c.name_field]
    below = not _filled(_ge(score, review))
    floored = _filled(_and(_and(_not(veto), _name_screen(row, c)), below))
    p = 0.0 if veto is True else review if floored else score
    id_ok = _filled(_in(g_id, c.id_partial))
    name_ok = (
        _filled(_in(g_id, c.id_agrees)) and not _filled(_in(g_name, c.name_against))
    ) or _filled(_in(g_name, c.name_partial))
    lookalike = _filled(_and(_in(g_name, c.name_against), _not(_eq(g_id, c.id_exact))))
    if _filled(_ge(p, match)) and id_ok and name_ok:
        decision: str | None = "match"
    elif _filled(_and(_ge(p, review), not lookalike)):
        decision = "review"
    else:
        decision = None
    if decision is None and row["forced"] is True:
        decision = "review"
    return {
        **row,
        "id_evidence": id_ok,
        "match_score": p,
        "score_basis": bases[1] if floored else bases[0],
        "model_score": 0.0 if veto is True else score,
        "lookalike": lookalike,
        "match_decision": decision,
    }


def _cmp(a: Any, b: Any) -> int:
    """polars' ascending order of two values: nulls first, NaN above every number."""
    if a is None or b is None:
        return (b is None) - (a is None)
    if isinstance(a, float) and isinstance(b, float) and (math.isnan(a) or math.isnan(b)):
        return math.isnan(a) - math.isnan(b)
    return (a > b) - (a < b)


def _sorted(rows: list[Row], by: tuple[tuple[str, bool], ...]) -> list[Row]:
    """Rows sorted on `(column, descending)` keys, ties kept in order, nulls first."""

    def compare(x: Row, y: Row) -> int:
        for column, descending in by:
            a, b = x[column], y[column]
            if a is None or b is None:  # nulls first in either direction
                order = (b is None) - (a is None)
            else:
                order = _cmp(b, a) if descending else _cmp(a, b)
            if order:
                return order
        return 0

    return sorted(rows, key=cmp_to_key(compare))


def _best(rows: list[Row], top_k: int) -> list[Row]:
    """Best per (record, role, entry), every match and forced pair, `top_k` others."""
    ranked = _sorted(rows, (("match_score", True), ("entry_id_l", False)))
    seen: set[tuple[Any, Any, Any]] = set()
    unique: list[Row] = []
    for row in ranked:
        key = (row["record_id_q"], row["role_q"], row["entry_id_l"])
        if key not in seen:
            seen.add(key)
            unique.append(row)
    at: dict[tuple[Any, Any], int] = {}
    best: list[Row] = []
    for row in unique:
        party = (row["record_id_q"], row["role_q"])
        at[party] = rank = at.get(party, 0) + 1
        if row["match_decision"] == "match" or row["forced"] is True or rank <= top_k:
            best.append(row)
    return best


def _lowest(rows: list[Row]) -> float | None:
    if not rows:
        return None
    return float(_scores(rows).min())


def _scores(rows: list[Row]) -> np.ndarray:
    return np.array([np.nan if r["model_score"] is None else r["model_score"] for r in rows])


def _budget(rows: list[Row], budget: int | None) -> tuple[list[Row], BudgetCut]:
    """`matching.review_budget.apply_review_budget` on rows."""
    review = [_and(_eq(r["match_decision"], "review"), _not(r["forced"])) for r in rows]
    queue = [r for r, q in zip(rows, review, strict=True) if q is True]
    if budget is None or len(queue) <= budget:
        return rows, BudgetCut(budget, len(queue), len(queue), 0, _lowest(queue), None)
    at = [{**r, "_at": i} for i, r in enumerate(queue)]
    ranked = _sorted(at, (("model_score", True), ("entry_id_l", False), ("_at", False)))
    keep, drop = ranked[:budget], ranked[budget:]
    others = [r for r, q in zip(rows, review, strict=True) if _not(q) is True]
    cut = BudgetCut(
        budget,
        len(queue),
        len(keep),
        len(drop),
        _lowest(keep),
        float(_scores(drop).max()),
    )
    return others + keep, cut


RENAMED = {
    "record_id_q": "record_id",
    "role_q": "role",
    "entry_id_l": "entry_id",
    "list_role_l": "list_role",
}
"""The pair columns a hit reports under its own names (as `decide_hits` renames them)."""


def decide_hits_few(
    kept: pl.DataFrame,
    thresholds: MatchThresholds,
    review_budget: int | None,
    specs: tuple[ComparisonSpec, ...],
    *,
    top_k: int,
    bases: tuple[str, str],
    schema: pl.Schema,
) -> tuple[pl.DataFrame, BudgetCut]:
    """`decide_hits` of a few kept pairs; `schema` is the columnar path's hits schema."""
    codes = _codes(specs)
    match, review = thresholds.match, thresholds.review
    decided = [_decided(r, match, review, codes, bases) for r in kept.rows(named=True)]
    best, cut = _budget(_best([r for r in decided if r["match_decision"]], top_k), review_budget)
    hits: list[Row] = []
    for row in best:
        row = {RENAMED.get(k, k): v for k, v in row.items()}
        row["evidence"], row["explanation_zh"] = explain_row(row, specs)
        ident = row.get("pid_q") or row.get("uscc_q") or row.get("org_code_q")
        row["pair_key"] = pair_key(row.get("norm_q"), ident, str(row["entry_id"]))
        hits.append(row)
    hits = _sorted(hits, (("record_id", False), ("role", False), ("match_score", True)))
    names = schema.names()
    # by rows with the schema: a dict of columns costs several times more to build
    rows = [tuple(r[name] for name in names) for r in hits]
    return pl.DataFrame(rows, schema=schema, orient="row"), cut
