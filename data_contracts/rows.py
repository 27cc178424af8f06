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

import polars as pl

from data_contracts.checks import Check, build_checks, reason_text
from data_contracts.derive import check_frame, parse_fields, typed_frame
from data_contracts.schemas import spec as dataset_spec


@dataclass(frozen=True)
class RowCheck:
    """Typed rows that passed, and per input row the reasons it failed (None when it passed)."""

    clean: pl.DataFrame
    errors: list[str | None]


def _failed(check: Check, column: pl.Series) -> pl.Series:
    """Whether each value fails `check` (GE: nulls only fail `not_null`)."""
    values = column.cast(pl.String) if column.dtype == pl.Categorical else column
    present = values.is_not_null()
    kw = check.kwargs
    if check.op == "not_null":
        return ~present
    if check.op in ("in_set", "not_in_set"):
        inside = values.cast(pl.String).is_in(list(kw["value_set"])).fill_null(False)
        return present & (~inside if check.op == "in_set" else inside)
    low, high = kw.get("min_value"), kw.get("max_value")
    out = pl.Series([False] * len(values), dtype=pl.Boolean)
    if low is not None:
        out = out | (values < low).fill_null(False)
    if high is not None:
        out = out | (values > high).fill_null(False)
    return present & out


def _reasons(checks: list[Check], checked: pl.DataFrame, severity: str) -> list[list[str]]:
    out: list[list[str]] = [[] for _ in range(checked.height)]
    for check in checks:
        if check.severity != severity:
            continue
        column = checked[check.column]
        for i in _failed(check, column).arg_true().to_list():
            value = column[i] if check.is_id_kind else None
            out[i].append(reason_text(check, None if value is None else str(value)))
    return out


def check_rows(dataset: str, raw: pl.DataFrame, *, min_date: date, run_date: date) -> RowCheck:
    """Check agency rows (`raw`: every canonical column as text) against their contract."""
    spec = dataset_spec(dataset)
    checks = build_checks(spec, "agency", min_date, run_date)
    typed = parse_fields(raw, spec)
    checked = check_frame(raw, spec, typed)
    critical = _reasons(checks, checked, "critical")
    flags = _reasons(checks, checked, "warning")
    keep = pl.Series("keep", [not r for r in critical], dtype=pl.Boolean)
    flagged = raw.with_columns(
        pl.Series("_flags", ["; ".join(f) or None for f in flags], dtype=pl.String)
    )
    clean = typed_frame(flagged, spec, typed, keep)
    return RowCheck(clean, ["; ".join(r) or None for r in critical])
