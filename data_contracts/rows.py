"""The data contract's row checks on a few rows, evaluated in polars instead of by GE.

The screening desk checks one record (or a batch of up to a thousand) while the person waits: a
Great Expectations checkpoint costs far more than the answer may take. The checks themselves
are the contract's own (`checks.build_checks` over `derive.check_frame`, the same reasons and
severities); only the evaluation of their four operators is done here, with GE's semantics
(an empty cell fails `not_null` and passes every other check). Dataset-level refusals (share of
unusable IDs) judge a whole file and have no meaning for one record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import polars as pl

from data_contracts import rows_few
from data_contracts.checks import Check, build_checks, reason_text
from data_contracts.derive import check_frame, parse_fields, typed_frame
from data_contracts.result import REJECT_COLUMN
from data_contracts.schemas import spec as dataset_spec
from matching.config import FEW_ROWS


@dataclass(frozen=True)
class RowCheck:
    """Typed rows that passed, and per input row the reasons it failed (None when it passed)."""

    clean: pl.DataFrame
    errors: list[str | None]


def _failed(check: Check) -> pl.Expr:
    """Whether each value fails `check` (GE: nulls only fail `not_null`)."""
    column = pl.col(check.column)
    kw = check.kwargs
    if check.op == "not_null":
        return column.is_null()
    if check.op in ("in_set", "not_in_set"):
        inside = column.cast(pl.String).is_in(list(kw["value_set"])).fill_null(False)
        return column.is_not_null() & (~inside if check.op == "in_set" else inside)
    out = pl.lit(False)
    if kw.get("min_value") is not None:
        out = out | (column < kw["min_value"]).fill_null(False)
    if kw.get("max_value") is not None:
        out = out | (column > kw["max_value"]).fill_null(False)
    return column.is_not_null() & out


def _reasons(checks: list[Check], checked: pl.DataFrame, severity: str) -> list[list[str]]:
    """Per row, the reason of every failed check of `severity`, in the contract's order."""
    chosen = [c for c in checks if c.severity == severity]
    out: list[list[str]] = [[] for _ in range(checked.height)]
    if not chosen or checked.height == 0:
        return out
    # one pass over every check: a handful of rows costs per call, not per value
    failed = checked.select(_failed(c).alias(str(i)) for i, c in enumerate(chosen))
    for row, flags in enumerate(failed.iter_rows()):
        for check, bad in zip(chosen, flags, strict=True):
            if bad:
                value = checked[check.column][row] if check.is_id_kind else None
                out[row].append(reason_text(check, None if value is None else str(value)))
    return out


def check_rows(dataset: str, raw: pl.DataFrame, *, min_date: date, run_date: date) -> RowCheck:
    """Check agency rows (`raw`: every canonical column as text) against their contract.

    A few rows (the desk's single records) are checked one by one (`check_few`), with the same
    result as the columnar path at a fraction of polars' fixed cost per expression.
    """
    if raw.height <= FEW_ROWS:
        unread, fields = _unread(raw)
        found = check_few(
            dataset, rows_few.TextRows.of(fields), unread, min_date=min_date, run_date=run_date
        )
        if found is not None:
            return found
    return _columnar(dataset, raw, min_date=min_date, run_date=run_date)


def _unread(raw: pl.DataFrame) -> tuple[list[str | None], pl.DataFrame]:
    """Per row the reader's own refusal, and the rows without that column."""
    # rows the reader could not read whole carry their reason already (as `validate` treats them)
    if REJECT_COLUMN not in raw.columns:
        return [None] * raw.height, raw
    return raw[REJECT_COLUMN].to_list(), raw.drop(REJECT_COLUMN)


@lru_cache(maxsize=64)
def _agency_checks(dataset: str, min_date: date, run_date: date) -> list[Check]:
    """The agency side's checks of `dataset` (built once per night, not once per record)."""
    return build_checks(dataset_spec(dataset), "agency", min_date, run_date)


def check_few(
    dataset: str,
    text: rows_few.TextRows,
    unread: list[str | None] | None = None,
    *,
    min_date: date,
    run_date: date,
) -> RowCheck | None:
    """`check_rows` of a few rows given as Python values (no `_reject` column; `unread`: the
    reader's refusal per row), computed row by row; None when only the columnar path can say
    (`rows_few.text_cells`). The desk passes a posted record here without building a frame."""
    spec = dataset_spec(dataset)
    cells = rows_few.text_cells(spec, text)
    if cells is None:
        return None
    n = len(text.rows)
    checks = _agency_checks(spec.name, min_date, run_date)
    typed = rows_few.typed_cells(spec, cells)
    checked = rows_few.checked_rows(spec, cells, typed, run_date, n)
    critical = [
        [why] if why else rows_few.reasons(checks, row, "critical")
        for why, row in zip(unread or [None] * n, checked, strict=True)
    ]
    flags = ["; ".join(rows_few.reasons(checks, row, "warning")) or None for row in checked]
    kept = [i for i, found in enumerate(critical) if not found]
    clean = rows_few.clean_frame(spec, text, cells, typed, flags, kept)
    return RowCheck(clean, ["; ".join(r) or None for r in critical])


def _columnar(dataset: str, raw: pl.DataFrame, *, min_date: date, run_date: date) -> RowCheck:
    """The row checks as polars expressions over whole columns (any number of rows)."""
    spec = dataset_spec(dataset)
    unread, raw = _unread(raw)
    checks = build_checks(spec, "agency", min_date, run_date)
    typed = parse_fields(raw, spec)
    checked = check_frame(raw, spec, typed, run_date)
    critical = [
        [why] if why else found
        for why, found in zip(unread, _reasons(checks, checked, "critical"), strict=True)
    ]
    flags = _reasons(checks, checked, "warning")
    keep = pl.Series("keep", [not r for r in critical], dtype=pl.Boolean)
    flagged = raw.with_columns(
        pl.Series("_flags", ["; ".join(f) or None for f in flags], dtype=pl.String)
    )
    clean = typed_frame(flagged, spec, typed, keep)
    return RowCheck(clean, ["; ".join(r) or None for r in critical])
