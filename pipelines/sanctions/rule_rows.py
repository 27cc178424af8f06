"""The sanction rule on a handful of hits (the screening desk's one record), row at a time.

`rules.apply_rule` evaluates the rule as some fifty polars expressions over joined frames; on one
record's hits polars' fixed cost per expression, join and frame is most of an intercept's answer
time. This path reads the same declaration (`SanctionRule`), the same reason texts and labels,
and puts the checks, their order, the three-valued `and` of the column path and the reasons
together per hit in Python; the hits' own columns are kept as they are (gathered only when the
order or the uniqueness of the column path moves them) and the rule's columns are added once.
A record clause is judged in Python when its value is a plain one (missing, an integer, a
float of ordinary size and decimals, a text no number can be read from); any other value (a
number written as text, a float polars would print in exponent form, ...) sends the request's
clauses to the rules module's own expressions, whose casts and number formatting are polars'.
`tests/test_rule_rows.py` holds it equal to the columnar path.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date
from typing import Any

import polars as pl

from matching.frames import gather_rows
from matching.vocab import ListRole, MatchDecision, QueryRole
from pipelines.sanctions.config import Condition, SanctionRule
from pipelines.sanctions.rules import (
    _KEY,
    ABSENT_ZH,
    LIST_TYPE_ZH,
    PENDING_ZH,
    ROLE_ZH,
    RULE_COLUMNS,
    _condition_check,
    _enum_labels,
    entry_facts,
    failed_zh,
    missing_zh,
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
_FACT_TYPES = {"list_type": (pl.String, pl.Null), "status": (pl.String, pl.Null)}
_CLAUSE_TYPES = (
    pl.Null,
    pl.String,
    pl.Float64,
    pl.Int8,
    pl.Int16,
    pl.Int32,
    pl.Int64,
    pl.UInt8,
    pl.UInt16,
    pl.UInt32,
)
# text polars may read a number from (a digit, inf, nan): such a value goes the expressions' way
_NUMBER_LIKE = re.compile(r"[0-9]|inf|nan", re.IGNORECASE)
# past this a float prints in exponent form, or its whole value leaves Int64
_PLAIN_FLOAT = 1e15


def takes(hits: pl.DataFrame, records: pl.DataFrame) -> bool:
    """Whether this path answers for `hits` (else the columnar one does): the usual columns,
    scores present and ordered, and every hit's record among `records` (as at the desk)."""
    needed = {"record_id", "role", "entry_id", "list_role", "match_decision", "match_score"}
    if set(_ADDED) & set(hits.columns) or not needed <= set(hits.columns):
        return False
    scores = hits["match_score"]
    if scores.null_count() or (scores.dtype.is_float() and scores.is_nan().any()):
        return False
    if "record_id" not in records.columns:
        return False
    have = {None if r is None else str(r) for r in records["record_id"].to_list()}
    return all(r is not None and str(r) in have for r in hits["record_id"].to_list())


def _plain_entries(entries: pl.DataFrame, hits: pl.DataFrame) -> bool:
    """Whether `_facts` reads the entry facts off the columns (no cast or fill to make)."""
    schema = entries.schema
    if "entry_id" not in schema or schema["entry_id"] != hits.schema["entry_id"]:
        return False
    if any(c not in schema or schema[c] not in ok for c, ok in _FACT_TYPES.items()):
        return False
    return "removed_on" not in schema or schema["removed_on"] in (pl.Date, pl.Null)


def _and(values: Sequence[bool | None]) -> bool | None:
    """polars' `&`: false wins, then null, else true."""
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def _or(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def _hit_roles(hits: pl.DataFrame) -> tuple[pl.DataFrame, list[int]]:
    """`rules.with_hit_roles` on a few rows: the same query_role, role, order and uniqueness.

    Returns the frame and the kept rows' positions in `hits` (for the hit loop's lists)."""
    out = hits.clone()  # columns replaced below must not change the caller's frame
    roles = hits["role"].to_list()
    if "query_role" not in hits.columns:
        out = out.hstack([hits["role"].alias("query_role")])
    list_roles = hits["list_role"].to_list()
    rewritten = [
        QueryRole.LEGAL_REP.value if lr == ListRole.LEGAL_REP else r
        for lr, r in zip(list_roles, roles, strict=True)
    ]
    if rewritten != roles:
        out.replace_column(
            out.get_column_index("role"),
            pl.Series("role", rewritten, dtype=hits.schema["role"]),
        )
    scores = hits["match_score"].to_list()
    order = sorted(range(hits.height), key=lambda i: -scores[i])  # stable, as maintain_order
    keys = list(zip(rewritten, *(hits[c].to_list() for c in _KEY if c != "role"), strict=True))
    seen: set[tuple[Any, ...]] = set()
    kept = []
    for i in order:
        if keys[i] not in seen:
            seen.add(keys[i])
            kept.append(i)
    if kept != list(range(hits.height)):
        out = gather_rows(out, kept)  # a frame's gather would wait on polars' pool
    return out, kept


def _role_check(
    rule: SanctionRule, query_role: str | None, list_role: str | None
) -> tuple[bool, str | None]:
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


def _fact_checks(
    rule: SanctionRule, fact: tuple[str | None, str | None, date | None] | None
) -> list[tuple[bool | None, str | None]]:
    """(ok, reason) of the entry checks: present, in force, a list type the rule covers."""
    # no fact: the left join's nulls (a null list type fails its check with no reason of its own)
    list_type, status, removed_on = (None, None, None) if fact is None else fact
    kinds_zh = "、".join(LIST_TYPE_ZH[k] for k in rule.list_types)
    shown = f"（{removed_on.isoformat()}）" if removed_on is not None else ""
    wrong_type = None
    if list_type is not None:
        named = LIST_TYPE_ZH.get(list_type, list_type)
        wrong_type = f"{named}不适用本规则（本规则适用：{kinds_zh}），不予拦截"
    return [
        (status is not None, ABSENT_ZH),
        (None if status is None else status == "active", f"名单已撤销{shown}，不予拦截"),
        (list_type is not None and list_type in rule.list_types, wrong_type),
    ]


def _facts(entries: pl.DataFrame) -> dict[Any, tuple[str | None, str | None, date | None]]:
    """`rules.entry_facts` by entry id (the last row of an id), read off the columns."""
    n = entries.height
    removed = entries["removed_on"].to_list() if "removed_on" in entries.columns else [None] * n
    return {
        e: ("dishonest" if t is None else t, s, r)  # fill_null("dishonest")
        for e, t, s, r in zip(
            entries["entry_id"].to_list(),
            entries["list_type"].to_list(),
            entries["status"].to_list(),
            removed,
            strict=True,
        )
    }


def _plain_value(value: Any) -> bool:
    """Whether `_judge` gives the expressions' answer for this record value."""
    if value is None:
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) < _PLAIN_FLOAT
    if isinstance(value, float):
        if not math.isfinite(value) or abs(value) >= _PLAIN_FLOAT:
            return False
        return value == math.floor(value) or "e" not in repr(value)
    return isinstance(value, str) and not _NUMBER_LIKE.search(value)


def _number_text(value: Any) -> tuple[float | None, str | None, str | None]:
    """The value as polars casts it to a float and to text, and as `rules._shown` shows it."""
    if value is None:
        return None, None, None
    if isinstance(value, str):  # `_plain_value`: no number can be read from it
        return None, value, value
    number = float(value)
    whole = number == math.floor(number)
    text = str(value) if isinstance(value, int) else repr(value)
    return number, text, str(int(number)) if whole else text


def _judge(cond: Condition, value: Any) -> tuple[bool, str]:
    """`rules._condition_check` on one plain value: (holds, reason when it does not)."""
    number, text, shown = _number_text(value)
    v = cond.value
    holds: bool | None
    if cond.op == "between":
        if not isinstance(v, list) or len(v) != 2:
            raise ValueError(f"condition on {cond.column}: between needs [low, high]")
        holds = None if number is None else float(v[0]) <= number <= float(v[1])
    elif cond.op == "ge":
        holds = None if number is None else number >= float(v)  # type: ignore[arg-type]
    elif cond.op == "in":
        values = v if isinstance(v, list) else [v]
        if all(isinstance(x, str) for x in values):
            holds = None if text is None else text in {str(x) for x in values}
        else:
            holds = None if number is None else number in {float(x) for x in values}
    elif isinstance(v, str):
        holds = None if text is None else text == v
    else:
        holds = None if number is None else number == float(v)  # type: ignore[arg-type]
    if shown is None:  # the value is missing
        return False, missing_zh(cond)
    labels = _enum_labels(cond.column)
    before, after = failed_zh(cond)
    return bool(holds), before + labels.get(shown, shown) + after


def _clauses(
    records: pl.DataFrame, conditions: Sequence[Condition], wanted: set[str]
) -> dict[str, list[tuple[bool | None, str | None]]]:
    """Per record id of `wanted` (its last row): (holds, reason when not) of each condition."""
    last = {r: i for i, r in enumerate(records["record_id"].cast(pl.String).to_list())}
    rows = sorted(last[r] for r in wanted)
    columns = [
        records[c.column] if c.column in records.columns else pl.Series([None] * records.height)
        for c in conditions
    ]
    values = [c.to_list() for c in columns]
    plain = all(
        c.dtype in _CLAUSE_TYPES and all(_plain_value(vals[i]) for i in rows)
        for c, vals in zip(columns, values, strict=True)
    )
    if not plain:
        return _clauses_by_expressions(records[rows], conditions)
    return {
        r: [_judge(cond, vals[i]) for cond, vals in zip(conditions, values, strict=True)]
        for r, i in last.items()
        if r in wanted
    }


def _clauses_by_expressions(
    records: pl.DataFrame, conditions: Sequence[Condition]
) -> dict[str, list[tuple[bool | None, str | None]]]:
    """The rules module's clause expressions over the records (one row per id), a reason
    made only where its clause fails, as the columnar path's `when` makes it (polars raises on
    showing some values, an infinite fee say, and only where it shows them)."""
    checks = [_condition_check(c, i) for i, c in enumerate(conditions)]
    values = record_clause_values(records, conditions)
    if not checks:
        return {r: [] for r in values["record_id"].to_list()}
    judged = values.select(
        "record_id",
        *[
            x
            for i, (ok, why) in enumerate(checks)
            for x in (ok.alias(f"ok{i}"), pl.when(~ok).then(why).alias(f"why{i}"))
        ],
    )
    return {
        row[0]: [(row[1 + 2 * i], row[2 + 2 * i]) for i in range(len(checks))]
        for row in judged.iter_rows()
    }


def apply_rule_rows(
    hits: pl.DataFrame, records: pl.DataFrame, entries: pl.DataFrame, rule: SanctionRule
) -> pl.DataFrame:
    """`rules.apply_rule` for a few hits (see `takes`)."""
    if _plain_entries(entries, hits):
        facts = _facts(entries)
    else:
        facts = {
            f["entry_id"]: (f["_list_type"], f["_status"], f["_removed_on"])
            for f in entry_facts(entries).iter_rows(named=True)
        }
    record_ids = hits["record_id"].to_list()
    clauses = _clauses(records, rule.conditions, {str(r) for r in record_ids})
    out, kept = _hit_roles(hits)
    clause_text = "；".join(c.reason_zh for c in rule.conditions)
    added: dict[str, list[Any]] = {c: [] for c in _ADDED}
    entry_ids = hits["entry_id"].to_list()
    query_roles = hits["query_role" if "query_role" in hits.columns else "role"].to_list()
    list_roles = hits["list_role"].to_list()
    decisions = hits["match_decision"].to_list()
    for i in kept:
        list_role = list_roles[i]
        fact = facts.get(entry_ids[i])
        steps = _fact_checks(rule, fact)
        steps.append(_role_check(rule, query_roles[i], list_role))
        steps += clauses[str(record_ids[i])]  # `takes`: every hit's record is present
        passes = _and([ok for ok, _ in steps])
        is_match = None if decisions[i] is None else decisions[i] == MatchDecision.MATCH
        intercept = _and([passes, is_match])
        list_type = None if fact is None else fact[0]
        if intercept and list_type is not None:
            reason: str | None = (
                "确认匹配"
                + LIST_TYPE_ZH.get(list_type, list_type)
                + ("（被执行单位的法定代表人）" if list_role == ListRole.LEGAL_REP else "")
                + (f"；{clause_text}" if clause_text else "")
                + "；应予拦截"
            )
        else:
            reason = next((why for ok, why in steps if ok is False and why is not None), PENDING_ZH)
        added["intercept"].append(intercept)
        added["would_intercept"].append(passes)
        added["rule_id"].append(rule.rule_id)
        added["reason"].append(reason)
        added["legal_basis"].append(rule.legal_basis_zh if intercept else None)
        added["action"].append(rule.action_zh if intercept else None)
        added["deadline_working_days"].append(rule.deadline_working_days if intercept else None)
    return out.hstack([pl.Series(c, added[c], dtype=_DTYPES[c]) for c in _ADDED])
