"""Sanction rules applied to hits: intercept or not, and why, in words (docs/domain.md section 4).

Pure: frames in, frame out. The rule itself is data (`SanctionRule` in credsweep.yaml); this
module only evaluates it. Every hit gets a Chinese reason whether it is intercepted or not, so an
agency or analyst never has to guess why a hit was (not) acted on. Checks run in a fixed order and
the first one that fails gives the reason: list entry, removal, list type, role, record
conditions, and last the match decision (a review hit that would otherwise be intercepted says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import polars as pl

from data_contracts.schemas import AGENCY_DATASETS, spec
from matching.config import FEW_ROWS
from matching.vocab import ListRole, MatchDecision, QueryRole
from pipelines.sanctions.config import AgencySettings, Condition, SanctionRule

ROLE_ZH = QueryRole.labels()
LIST_TYPE_ZH = {"dishonest": "失信被执行人名单", "consumption_restriction": "限制消费名单"}
DECISION_ZH = MatchDecision.labels()
RULE_COLUMNS = ("intercept", "rule_id", "reason", "legal_basis", "action", "deadline_working_days")
_KEY = ("record_id", "role", "entry_id")
ABSENT_ZH = "名单条目不存在（可能已被删除），不予拦截"
PENDING_ZH = "待人工复核：身份尚未确认，规则条件均已满足，确认匹配后应予拦截"


@lru_cache(maxsize=256)
def column_label(column: str) -> str:
    """Chinese header of an agency dataset column (its first alias), else the column name."""
    for name in AGENCY_DATASETS:
        for f in spec(name).fields:
            if f.name == column and f.aliases:
                return f.aliases[0]
    return column


@lru_cache(maxsize=256)
def _enum_labels(column: str) -> dict[str, str]:
    """Canonical enum code -> Chinese label, for showing a record's value in a reason."""
    for name in AGENCY_DATASETS:
        for f in spec(name).fields:
            if f.name == column and f.enum:
                return {
                    code: next((a for a in alts if not a.isascii()), code)
                    for code, alts in f.enum.items()
                }
    return {}


def _shown(value: pl.Expr, column: str) -> pl.Expr:
    """A record value as text for a reason: 19999.0 -> 19999, private -> 民办."""
    as_float = value.cast(pl.Float64, strict=False)
    whole = as_float.is_not_null() & (as_float == as_float.floor())
    text = (
        pl.when(whole)
        .then(as_float.cast(pl.Int64).cast(pl.String))
        .otherwise(value.cast(pl.String))
    )
    labels = _enum_labels(column)
    return text.replace(labels) if labels else text


def _holds(value: pl.Expr, cond: Condition) -> pl.Expr:
    """Whether the clause holds on the record value (null when the value is missing)."""
    number = value.cast(pl.Float64, strict=False)
    text = value.cast(pl.String)
    v = cond.value
    if cond.op == "between":
        if not isinstance(v, list) or len(v) != 2:
            raise ValueError(f"condition on {cond.column}: between needs [low, high]")
        return number.is_between(float(v[0]), float(v[1]))
    if cond.op == "ge":
        return number >= float(v)  # type: ignore[arg-type]
    if cond.op == "in":
        values = v if isinstance(v, list) else [v]
        if all(isinstance(x, str) for x in values):
            return text.is_in([str(x) for x in values])
        return number.is_in([float(x) for x in values])
    if isinstance(v, str):
        return text.eq(v)
    return number.eq(float(v))  # type: ignore[arg-type]


def missing_zh(cond: Condition) -> str:
    """Why a clause cannot be judged: the record lacks the value."""
    return f"缺少{column_label(cond.column)}，无法判断是否符合「{cond.reason_zh}」，不予拦截"


def failed_zh(cond: Condition) -> tuple[str, str]:
    """Why a clause fails, around the record's value as shown: (before, after)."""
    return f"不符合「{cond.reason_zh}」（{column_label(cond.column)}：", "），不予拦截"


def _condition_check(cond: Condition, i: int) -> tuple[pl.Expr, pl.Expr]:
    """(holds, reason when it does not hold) for the i-th condition column `_c{i}`."""
    value = pl.col(f"_c{i}")
    missing = pl.lit(missing_zh(cond))
    before, after = failed_zh(cond)
    failed = pl.concat_str(pl.lit(before), _shown(value, cond.column), pl.lit(after))
    holds = _holds(value, cond).fill_null(False)
    return holds, pl.when(value.is_null()).then(missing).otherwise(failed)


def _role_allowed(rule: SanctionRule) -> tuple[pl.Expr, pl.Expr]:
    """(allowed, reason when not): the screened role, and legal reps of listed organisations."""
    roles = list(rule.roles)
    allowed_names = "、".join(ROLE_ZH.get(r, r) for r in roles)
    query_role_ok = pl.col("query_role").is_in(roles)
    as_legal_rep = pl.col("list_role") == ListRole.LEGAL_REP
    allowed = (
        pl.when(as_legal_rep)
        .then(
            pl.lit(rule.legal_rep_counts)
            & (query_role_ok | (pl.col("query_role") == QueryRole.LEGAL_REP))
        )
        .otherwise(query_role_ok)
    )
    not_rep = pl.lit("匹配对象为被执行单位的法定代表人，本规则不及于法定代表人，不予拦截")
    not_role = pl.concat_str(
        pl.lit("该身份（"),
        pl.col("query_role").replace(ROLE_ZH),
        pl.lit(f"）不在本规则限制范围内（限制对象：{allowed_names}），不予拦截"),
    )
    reason = (
        pl.when(as_legal_rep & pl.lit(not rule.legal_rep_counts)).then(not_rep).otherwise(not_role)
    )
    return allowed.fill_null(False), reason


def _checks(rule: SanctionRule) -> list[tuple[pl.Expr, pl.Expr]]:
    """Every check before the match decision, in the order their reasons take precedence."""
    kinds = list(rule.list_types)
    kinds_zh = "、".join(LIST_TYPE_ZH[k] for k in kinds)
    removed = pl.concat_str(
        pl.lit("名单已撤销"),
        pl.when(pl.col("_removed_on").is_not_null())
        .then(pl.concat_str(pl.lit("（"), pl.col("_removed_on").cast(pl.String), pl.lit("）")))
        .otherwise(pl.lit("")),
        pl.lit("，不予拦截"),
    )
    list_type = pl.concat_str(
        pl.col("_list_type").replace(LIST_TYPE_ZH),
        pl.lit(f"不适用本规则（本规则适用：{kinds_zh}），不予拦截"),
    )
    checks = [
        (pl.col("_status").is_not_null(), pl.lit(ABSENT_ZH)),
        (pl.col("_status") == "active", removed),
        (pl.col("_list_type").is_in(kinds).fill_null(False), list_type),
        _role_allowed(rule),
    ]
    checks += [_condition_check(c, i) for i, c in enumerate(rule.conditions)]
    return checks


def _intercept_reason(rule: SanctionRule) -> pl.Expr:
    """Why a confirmed hit is intercepted: the list, the legal-rep link and each clause met."""
    clauses = "；".join(c.reason_zh for c in rule.conditions)
    return pl.concat_str(
        pl.lit("确认匹配"),
        pl.col("_list_type").replace(LIST_TYPE_ZH),
        pl.when(pl.col("list_role") == ListRole.LEGAL_REP)
        .then(pl.lit("（被执行单位的法定代表人）"))
        .otherwise(pl.lit("")),
        pl.lit(f"；{clauses}" if clauses else ""),
        pl.lit("；应予拦截"),
    )


def entry_facts(entries: pl.DataFrame) -> pl.DataFrame:
    """Per entry id (the last row of it): list type, status and removal date, privately named."""
    return entries.select(
        pl.col("entry_id"),
        pl.col("list_type").fill_null("dishonest").alias("_list_type"),
        pl.col("status").alias("_status"),
        (pl.col("removed_on") if "removed_on" in entries.columns else pl.lit(None))
        .cast(pl.Date, strict=False)
        .alias("_removed_on"),
    ).unique("entry_id", keep="last")


def record_clause_values(records: pl.DataFrame, conditions: Sequence[Condition]) -> pl.DataFrame:
    """`record_id` and the value each condition tests (`_c0`, `_c1`, ...; null when absent)."""
    values = [
        (pl.col(c.column) if c.column in records.columns else pl.lit(None)).alias(f"_c{i}")
        for i, c in enumerate(conditions)
    ]
    return records.select(pl.col("record_id").cast(pl.String), *values)


def _joined(
    hits: pl.DataFrame,
    records: pl.DataFrame,
    entries: pl.DataFrame,
    conditions: Sequence[Condition],
) -> pl.DataFrame:
    """Hits with the entry's facts and the record's condition values under private names."""
    recs = record_clause_values(records, conditions).unique("record_id", keep="last")
    return hits.join(entry_facts(entries), on="entry_id", how="left").join(
        recs, on="record_id", how="left"
    )


def with_hit_roles(hits: pl.DataFrame) -> pl.DataFrame:
    """Keep the screened role as `query_role`; `role` becomes legal_rep for a listed org's rep."""
    if "query_role" not in hits.columns:
        hits = hits.with_columns(pl.col("role").alias("query_role"))
    hits = hits.with_columns(
        pl.when(pl.col("list_role") == ListRole.LEGAL_REP)
        .then(pl.lit(QueryRole.LEGAL_REP.value))
        .otherwise(pl.col("role"))
        .alias("role")
    )
    # Two guardians can both resemble one legal rep; a hit is one per (record, role, entry).
    return hits.sort("match_score", descending=True, maintain_order=True).unique(
        list(_KEY), keep="first", maintain_order=True
    )


def apply_rule(
    hits: pl.DataFrame, records: pl.DataFrame, entries: pl.DataFrame, agency: AgencySettings
) -> pl.DataFrame:
    """Add intercept, rule_id, reason, legal_basis, action and deadline_working_days to hits."""
    rule = agency.rule
    if hits.height <= FEW_ROWS:
        from pipelines.sanctions.rule_rows import apply_rule_rows, takes

        if takes(hits, records):
            return apply_rule_rows(hits, records, entries, rule)
    return _columnar_rule(hits, records, entries, rule)


def _columnar_rule(
    hits: pl.DataFrame, records: pl.DataFrame, entries: pl.DataFrame, rule: SanctionRule
) -> pl.DataFrame:
    hits = with_hit_roles(hits)
    frame = _joined(hits, records, entries, rule.conditions)
    checks = _checks(rule)
    passes = pl.lit(True)
    for ok, _ in checks:
        passes = passes & ok
    is_match = pl.col("match_decision") == MatchDecision.MATCH
    intercept = passes & is_match
    # The first reason that applies wins: coalesce over "when this, then that" in check order.
    reason = pl.coalesce(
        pl.when(intercept).then(_intercept_reason(rule)),
        *[pl.when(~ok).then(why) for ok, why in checks],
        pl.lit(PENDING_ZH),
    )
    when_hit = pl.when(intercept)
    out = frame.with_columns(
        intercept.alias("intercept"),
        # the rule's verdict before identity: what confirming a review hit would do
        passes.alias("would_intercept"),
        pl.lit(rule.rule_id).alias("rule_id"),
        reason.alias("reason"),
        when_hit.then(pl.lit(rule.legal_basis_zh)).alias("legal_basis"),
        when_hit.then(pl.lit(rule.action_zh)).alias("action"),
        when_hit.then(pl.lit(rule.deadline_working_days))
        .cast(pl.Int32)
        .alias("deadline_working_days"),
    )
    private = [c for c in out.columns if c.startswith("_") and c not in hits.columns]
    return out.drop(private)
