"""The review queue as pages: the true total, one page of rows, and a real choice of order.

`would_intercept` is the sanction rule's verdict before identity (what confirming the pair would
do); hits pushed before the sweep recorded it fall back to `intercept`. For a legal-representative
match the list side is the person named as the organisation's representative, not the
organisation: that is who the matcher compared, so that is who the analyst must see.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import duckdb

from pipelines.review.models import QueueFilter

IMPACT = "coalesce(h.would_intercept, h.intercept, false)"
# the list party the matcher compared: the representative (from the entry) for a legal-rep hit
LIST_NAME = (
    "CASE WHEN h.list_role = 'legal_rep' THEN coalesce("
    "json_extract_string(h.entry_json, '$.legal_rep'), h.list_name) ELSE h.list_name END"
)
LIST_ID = (
    "CASE WHEN h.list_role = 'legal_rep' THEN "
    "json_extract_string(h.entry_json, '$.legal_rep_id_number') ELSE h.list_id_number END"
)
LIST_ORG = "CASE WHEN h.list_role = 'legal_rep' THEN h.list_name END"

SORTS: dict[str, tuple[str, str]] = {
    "deadline": (
        "期限优先",
        f"r.deadline, (r.kind = 'disputed') DESC, {IMPACT} DESC, h.match_score DESC NULLS LAST",
    ),
    "impact": (
        "拦截影响优先",
        f"{IMPACT} DESC, (r.kind = 'disputed') DESC, r.deadline, h.match_score DESC NULLS LAST",
    ),
    "score": ("匹配概率优先", f"h.match_score DESC NULLS LAST, r.deadline, {IMPACT} DESC"),
}
DEFAULT_SORT = "deadline"


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue and where it sits in the whole."""

    rows: list[dict[str, Any]]
    total: int
    page: int
    size: int
    sort: str

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def first(self) -> int:
        """1-based position of the page's first row (0 on an empty queue)."""
        return 0 if not self.rows else (self.page - 1) * self.size + 1

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def queue_where(flt: QueueFilter) -> tuple[str, list[Any]]:
    """SQL condition and parameters of a queue filter (status, agency, dates): every queue read."""
    params: list[Any] = []
    if flt.closed:
        clauses = ["r.status = 'closed'"]
    elif flt.include_escalated:
        clauses = ["r.status IN ('open', 'escalated')"]
    else:
        clauses = ["r.status = 'open'"]
    for clause, value in (
        ("h.agency = ?", flt.agency),
        ("h.last_run >= ?", flt.date_from),
        ("h.first_run <= ?", flt.date_to),
    ):
        if value:
            clauses.append(clause)
            params.append(value)
    return " AND ".join(clauses), params


def queue_page(
    con: duckdb.DuckDBPyConnection, flt: QueueFilter, sort: str, page: int, size: int
) -> QueuePage:
    """Rows of page `page` (1-based, clamped to the last page) in the chosen order."""
    sort = sort if sort in SORTS else DEFAULT_SORT
    where, params = queue_where(flt)
    joined = f"FROM review_items r JOIN pushed_hits h USING (hit_id) WHERE {where}"
    found = con.execute(f"SELECT count(*) {joined}", params).fetchone()
    total = int(found[0]) if found else 0
    page = min(max(1, page), max(1, math.ceil(total / size)))
    cursor = con.execute(
        f"""
        SELECT r.item_id, r.kind, r.status, r.deadline, r.pair_key, h.agency, h.record_id, h.role,
               h.entry_id, h.list_role, h.match_score, {IMPACT} AS would_intercept, h.intercept,
               h.first_run, h.last_run, h.explanation_zh, h.query_name,
               {LIST_NAME} AS list_name, {LIST_ORG} AS list_org_name,
               count(*) OVER (PARTITION BY r.pair_key) AS pair_items
        {joined}
        ORDER BY {SORTS[sort][1]}, r.item_id
        LIMIT ? OFFSET ?
        """,
        [*params, size, (page - 1) * size],
    )
    names = [d[0] for d in cursor.description or []]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return QueuePage(rows, total, page, size, sort)


def item_columns() -> str:
    """The pair page's select list: every hit column, the list side as the compared party."""
    return (
        f"h.* REPLACE ({LIST_NAME} AS list_name, {LIST_ID} AS list_id_number, "
        f"{IMPACT} AS would_intercept), {LIST_ORG} AS list_org_name"
    )
