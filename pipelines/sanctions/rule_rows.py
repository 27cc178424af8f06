"""The sanction rule on a handful of hits (the screening desk's one record), row at a time.

`rules.apply_rule` evaluates the rule as some fifty polars expressions over joined frames; on one
record's hits polars' fixed cost per expression and per join is most of an intercept's answer
time. This path reads the same declaration (`SanctionRule`) and the same reason texts: the
record clauses, whose casts and number formatting are polars' own, are still evaluated by the
rules module's own expressions, in one select over the request's records; the entry facts by
the same expressions in one select; the checks, their order, the three-valued `and` of the
column path and the reasons are then put together per hit in Python.
`tests/test_rule_rows.py` holds it equal to the columnar path.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import polars as pl

from matching.vocab import ListRole, MatchDecision, QueryRole
from pipelines.sanctions.config import SanctionRule
from pipelines.sanctions.rules import (
    _KEY,
    LIST_TYPE_ZH,
    ROLE_ZH,
    RULE_COLUMNS,
    _condition_check,
    entry_facts,
    record_clause_values,
)

_ADDED = ("intercept", "would_intercept", *RULE_COLUMNS[1:])
_DTYPES = {
    "intercept": pl.Boolean,
    "would_intercept": pl.Boolean,
    "rule_id": pl.String,
    "reason": pl.String,
    "legal_basis": pl.String,
    "action": pl.String,
    "deadline_working_days": pl.Int32,
}
_PENDING = "待人工复核：身份尚未确认，规则条件均已满足，确认匹配后应予拦截"


def takes(hits: pl.DataFrame, records: pl.DataFrame) -> bool:
    """Whether this path answers for `hits` (else the columnar one does): the usual columns,
    scores present, and every hit's record among `records` (as at the desk)."""
    needed = {"record_id", "role", "entry_id", "list_role", "match_decision", "match_score"}
    if set(_ADDED) & set(hits.columns) or not needed <= set(hits.columns):
        return False
    if hits["match_score"].null_count() or "record_id" not in records.columns:
        return False
    have = {None if r is None else str(r) for r in records["record_id"].to_list()}
    return all(r is not None and str(r) in have for r in hits["record_id"].to_list())


def _and(values: Sequence[bool | None]) -> bool | None:
    """polars' `&`: false wins, then null, else true."""
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def _hit_roles(hits: pl.DataFrame) -> pl.DataFrame:
    """`rules.with_hit_roles` on a few rows: the same query_role, role, order and uniqueness."""
    if "query_role" not in hits.columns:
        hits = hits.with_columns(hits["role"].alias("query_role"))
    roles = [
        QueryRole.LEGAL_REP.value if lr == ListRole.LEGAL_REP else r
        for lr, r in zip(hits["list_role"].to_list(), hits["role"].to_list(), strict=True)
    ]
    hits = hits.with_columns(pl.Series("role", roles, dtype=hits.schema["role"]))
    scores = hits["match_score"].to_list()
    order = sorted(range(hits.height), key=lambda i: -scores[i])  # stable, as maintain_order
    keys = list(zip(*(hits[c].to_list() for c in _KEY), strict=True))
    seen: set[tuple[Any, ...]] = set()
    kept = []
    for i in order:
        if keys[i] not in seen:
            seen.add(keys[i])
            kept.append(i)
    return hits[kept]


def _role_check(rule: SanctionRule, query_role: str | None, list_role: str | None) -> tuple:
    allowed_names = "、".join(ROLE_ZH.get(r, r) for r in rule.roles)
    in_roles = None if query_role is None else query_role in rule.roles
    if list_role == ListRole.LEGAL_REP:
        rep = None if query_role is None else query_role == QueryRole.LEGAL_REP
        ok = rule.legal_rep_counts and _or(in_roles, rep)
    else:
        ok = in_roles
    if list_role == ListRole.LEGAL_REP and not rule.legal_rep_counts:
        why: str | None = "匹配对象为被执行单位的法定代表人，本规则不及于法定代表人，不予拦截"
    elif query_role is None:
        why = None
    else:
        why = (
            f"该身份（{ROLE_ZH.get(query_role, query_role)}）不在本规则限制范围内"
            f"（限制对象：{allowed_names}），不予拦截"
        )
    return bool(ok), why  # fill_null(False)


def _or(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def _fact_checks(rule: SanctionRule, fact: dict[str, Any] | None) -> list[tuple]:
    """(ok, reason) of the entry checks: present, in force, a list type the rule covers."""
    # no fact: the left join's nulls (a null list type fails its check with no reason of its own)
    status = None if fact is None else fact["_status"]
    list_type: str | None = None if fact is None else fact["_list_type"]
    removed_on: date | None = None if fact is None else fact["_removed_on"]
    kinds_zh = "、".join(LIST_TYPE_ZH[k] for k in rule.list_types)
    shown = f"（{removed_on.isoformat()}）" if removed_on is not None else ""
    wrong_type = None
    if list_type is not None:
        named = LIST_TYPE_ZH.get(list_type, list_type)
        wrong_type = f"{named}不适用本规则（本规则适用：{kinds_zh}），不予拦截"
    return [
        (status is not None, "名单条目不存在（可能已被删除），不予拦截"),
        (None if status is None else status == "active", f"名单已撤销{shown}，不予拦截"),
        (list_type is not None and list_type in rule.list_types, wrong_type),
    ]


def apply_rule_rows(
    hits: pl.DataFrame, records: pl.DataFrame, entries: pl.DataFrame, rule: SanctionRule
) -> pl.DataFrame:
    """`rules.apply_rule` for a few hits (see `takes`)."""
    hits = _hit_roles(hits)
    facts = {f["entry_id"]: f for f in entry_facts(entries).iter_rows(named=True)}
    checks = [_condition_check(c, i) for i, c in enumerate(rule.conditions)]
    clauses: dict[Any, list[tuple]] = {}
    values = record_clause_values(records, rule.conditions)
    if checks:
        judged = values.select(
            "record_id",
            *[
                x
                for i, (ok, why) in enumerate(checks)
                for x in (ok.alias(f"ok{i}"), why.alias(f"why{i}"))
            ],
        )
        for row in judged.iter_rows():  # keep="last", as the columnar join's unique
            clauses[row[0]] = [(row[1 + 2 * i], row[2 + 2 * i]) for i in range(len(checks))]
    else:
        clauses = {r: [] for r in values["record_id"].to_list()}
    clause_text = "；".join(c.reason_zh for c in rule.conditions)
    out: dict[str, list[Any]] = {c: [] for c in _ADDED}
    for hit in hits.select(
        "record_id", "entry_id", "query_role", "list_role", "match_decision"
    ).iter_rows():
        record_id, entry_id, query_role, list_role, decision = hit
        fact = facts.get(entry_id)
        steps = _fact_checks(rule, fact)
        steps.append(_role_check(rule, query_role, list_role))
        steps += clauses[str(record_id)]  # `takes`: every hit's record is present
        passes = _and([ok for ok, _ in steps])
        is_match = None if decision is None else decision == MatchDecision.MATCH
        intercept = _and([passes, is_match])
        list_type = None if fact is None else fact["_list_type"]
        if intercept and list_type is not None:
            reason: str | None = (
                "确认匹配"
                + LIST_TYPE_ZH.get(list_type, list_type)
                + ("（被执行单位的法定代表人）" if list_role == ListRole.LEGAL_REP else "")
                + (f"；{clause_text}" if clause_text else "")
                + "；应予拦截"
            )
        else:
            reason = next((why for ok, why in steps if ok is False and why is not None), _PENDING)
        out["intercept"].append(intercept)
        out["would_intercept"].append(passes)
        out["rule_id"].append(rule.rule_id)
        out["reason"].append(reason)
        out["legal_basis"].append(rule.legal_basis_zh if intercept else None)
        out["action"].append(rule.action_zh if intercept else None)
        out["deadline_working_days"].append(rule.deadline_working_days if intercept else None)
    return hits.with_columns(pl.Series(c, out[c], dtype=_DTYPES[c]) for c in _ADDED)
