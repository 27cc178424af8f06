"""The one description of a hit's columns: name, DuckDB type, Chinese header, where it is kept and
how it is masked.

Everything that lays out hits derives from `HIT_SCHEMA`: the order of `hits.csv`, the warehouse's
`hits` table, the review file's `pushed_hits` table, the agencies' report headers and the
workbench's column headers. A column is added, renamed or relabelled here and nowhere else.
The schema lives in storage, the lowest layer that keeps hits, so every layer above can use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Store = Literal["hits.csv", "warehouse", "review"]
"""Where a hit column is kept: the sweep's `hits.csv`, the warehouse, the analysts' review file."""
Mask = Literal["name", "id"]
"""How a personal column is masked for those who do not need it in clear."""

CSV: Store = "hits.csv"
WAREHOUSE: Store = "warehouse"
REVIEW: Store = "review"
_ALL: tuple[Store, ...] = (CSV, WAREHOUSE, REVIEW)


@dataclass(frozen=True)
class HitColumn:
    """One column of a hit."""

    name: str
    sql: str
    zh: str
    stores: tuple[Store, ...] = _ALL
    required: tuple[Store, ...] = ()
    """The stores whose table declares the column NOT NULL (their keys)."""
    mask: Mask | None = None
    """Personal data: masked for agencies unless they need it, never shown to other agencies."""

    def ddl(self, store: Store) -> str:
        """The column's declaration in `store`'s CREATE TABLE."""
        return f"{self.name} {self.sql}" + (" NOT NULL" if store in self.required else "")


# In `hits.csv` order: the file is read by people and programs, so this order is its contract.
HIT_SCHEMA: tuple[HitColumn, ...] = (
    HitColumn("agency", "VARCHAR", "机构", required=(WAREHOUSE, REVIEW)),
    HitColumn("record_id", "VARCHAR", "记录编号", required=(WAREHOUSE, REVIEW)),
    HitColumn("role", "VARCHAR", "身份", required=(WAREHOUSE,)),
    HitColumn("query_role", "VARCHAR", "筛查身份", (CSV, WAREHOUSE)),
    HitColumn("entry_id", "VARCHAR", "名单编号", required=(WAREHOUSE,)),
    HitColumn("match_decision", "VARCHAR", "匹配结论"),
    HitColumn("score_basis", "VARCHAR", "得分来源", (CSV,)),
    HitColumn("match_score", "DOUBLE", "匹配概率"),
    HitColumn("intercept", "BOOLEAN", "是否拦截"),
    HitColumn("rule_id", "VARCHAR", "规则编号"),
    HitColumn("reason", "VARCHAR", "拦截理由"),
    HitColumn("alert_id", "VARCHAR", "预警编号", (CSV, REVIEW)),
    HitColumn("list_role", "VARCHAR", "名单身份"),
    HitColumn("list_type", "VARCHAR", "名单类型", (CSV,)),
    HitColumn("entry_status", "VARCHAR", "名单状态", (CSV,)),
    HitColumn("pair_key", "VARCHAR", "配对编号", required=(REVIEW,)),
    HitColumn("explanation_zh", "VARCHAR", "比对依据"),
    HitColumn("evidence", "VARCHAR", "比对证据"),
    # kept by the warehouse only: what the rule asks of the agency
    HitColumn("legal_basis", "VARCHAR", "法律依据", (WAREHOUSE,)),
    HitColumn("action", "VARCHAR", "处置要求", (WAREHOUSE,)),
    HitColumn("deadline_working_days", "INTEGER", "处置期限（工作日）", (WAREHOUSE,)),
    # kept by the review file only: what the analyst compares on the pair page
    HitColumn("query_name", "VARCHAR", "姓名/名称", (REVIEW,), mask="name"),
    HitColumn("query_id_number", "VARCHAR", "证件号码", (REVIEW,), mask="id"),
    HitColumn("list_name", "VARCHAR", "名单姓名/名称", (REVIEW,), mask="name"),
    HitColumn("list_id_number", "VARCHAR", "名单证件号码", (REVIEW,), mask="id"),
    HitColumn("record_json", "VARCHAR", "机构记录", (REVIEW,)),
    HitColumn("entry_json", "VARCHAR", "名单条目", (REVIEW,)),
    # whether the sanction rule would intercept once the identity is confirmed (review hits)
    HitColumn("would_intercept", "BOOLEAN", "确认后是否拦截", (REVIEW,)),
)
_BY_NAME = {c.name: c for c in HIT_SCHEMA}


def columns_of(store: Store) -> tuple[HitColumn, ...]:
    """The hit columns `store` keeps, in schema order."""
    return tuple(c for c in HIT_SCHEMA if store in c.stores)


def names_of(store: Store) -> tuple[str, ...]:
    """The names of the hit columns `store` keeps, in schema order."""
    return tuple(c.name for c in columns_of(store))


def ddl_of(store: Store, *, skip: tuple[str, ...] = ()) -> tuple[tuple[str, str], ...]:
    """(name, type with constraint) of `store`'s hit columns, for its CREATE TABLE."""
    return tuple(
        (c.name, c.ddl(store)[len(c.name) + 1 :]) for c in columns_of(store) if c.name not in skip
    )


def header(name: str) -> str:
    """The Chinese header of a hit column (the name itself for a column the schema lacks)."""
    column = _BY_NAME.get(name)
    return column.zh if column else name


def masked(kind: Mask) -> tuple[str, ...]:
    """The personal columns masked as `kind` (names or ID numbers)."""
    return tuple(c.name for c in HIT_SCHEMA if c.mask == kind)
