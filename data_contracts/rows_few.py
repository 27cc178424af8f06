"""The contract's row checks one row at a time: `data_contracts.rows` for the desk's few rows.

On a frame of one record polars costs ~10 ms here, nearly all of it fixed cost per expression
(the parsers' regex chains, the check columns, one select per check). This path reads the same
declarations (the fields of `schemas`, the `Check` list of `checks.build_checks`, the patterns of
`parse` through `parse_one`, the ID kinds of `idkinds.id_kind`) cell by cell and must give the
same clean frame and reasons as the columnar path: `tests/test_row_checks_few.py` holds them
equal. Each derived value below is the one `derive.check_frame` computes for the same cell.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl

from data_contracts import parse_one
from data_contracts.checks import Check, reason_text
from data_contracts.derive import ENUM_DEFAULTS, REMOVAL_KEEPS_ONLY
from data_contracts.idkinds import DOC_TYPE_COLUMN, PARTY_COLUMN, id_kind
from data_contracts.schemas import DatasetSpec, FieldSpec
from matching.py_rows import frame_of_rows, kind_of, round_trips

DTYPES: dict[str, pl.DataType] = {
    "date": pl.Date(),
    "datetime": pl.Datetime("us"),
    "int": pl.Int64(),
    "float": pl.Float64(),
    "enum": pl.String(),
}
"""Typed fields' dtypes in the clean frame (what `derive.parse_fields` gives)."""
FLAGS = "_flags"

Cells = dict[str, list[str | None]]


@dataclass(frozen=True)
class TextRows:
    """A few rows as Python values: the columns' names and dtypes, and the rows in order.

    The desk builds them straight from a posted record; a frame gives them in one call
    (`of`), where reading column by column costs a call each.
    """

    columns: list[str]
    dtypes: list[pl.DataType]
    rows: list[tuple[Any, ...]]

    @classmethod
    def of(cls, frame: pl.DataFrame) -> TextRows:
        return cls(frame.columns, frame.dtypes, frame.rows())


def text_cells(spec: DatasetSpec, text: TextRows) -> Cells | None:
    """Each field's cells, or None when this path cannot take `text`.

    It takes every field present as text that Python's Unicode tables know, beside columns of
    `py_rows.ROUND_TRIP` dtypes; the columnar path says what is wrong with any other rows, or
    reads the characters Python does not know.
    """
    at = {name: j for j, name in enumerate(text.columns)}
    if any(
        f.name not in at or kind_of(text.dtypes[at[f.name]]) is not pl.String for f in spec.fields
    ):
        return None
    if not round_trips(text.dtypes):
        return None
    cells = {f.name: [r[at[f.name]] for r in text.rows] for f in spec.fields}
    known = all(v is None or parse_one.knows_all(v) for c in cells.values() for v in c)
    return cells if known else None


def _typed(field: FieldSpec, cell: str | None, lookups: dict[str, dict[str, str]]) -> Any:
    """The parsed value of one cell: date/time parts, a number or an enum code (None: unread)."""
    if field.kind in ("date", "datetime"):
        return parse_one.datetime_parts(cell)
    if field.kind == "int":
        return parse_one.parse_int(cell)
    if field.kind == "float":
        return parse_one.parse_float(cell)
    return parse_one.parse_enum(lookups[field.name], cell)


_LOOKUPS: dict[int, tuple[DatasetSpec, dict[str, dict[str, str]]]] = {}


def _enum_lookups(spec: DatasetSpec) -> dict[str, dict[str, str]]:
    """`parse_one.enum_lookups` of `spec`, built once per spec (rebuilding it per record cost
    more than parsing the record). Held with the spec itself, so an id is never reused."""
    found = _LOOKUPS.get(id(spec))
    if found is None or found[0] is not spec:
        if len(_LOOKUPS) >= 64:
            _LOOKUPS.clear()
        found = _LOOKUPS[id(spec)] = (spec, parse_one.enum_lookups(spec.fields))
    return found[1]


def typed_cells(spec: DatasetSpec, cells: Cells) -> dict[str, list[Any]]:
    """`derive.parse_fields` on a few rows: each typed field's values, row by row."""
    lookups = _enum_lookups(spec)
    return {
        f.name: [_typed(f, c, lookups) for c in cells[f.name]]
        for f in spec.fields
        if f.kind in DTYPES
    }


def _removals(spec: DatasetSpec, typed: dict[str, list[Any]], n: int) -> list[bool]:
    """`derive._removal` per row."""
    rule = REMOVAL_KEEPS_ONLY.get(spec.name)
    if rule is None:
        return [False] * n
    column, code = rule
    return [v == code for v in typed[column]]


def _occurrences(keys: list[str | None]) -> list[int | None]:
    """`derive._occurrence` per row: rows so far with this key, None for an empty key."""
    seen: Counter[str | None] = Counter()
    out: list[int | None] = []
    for key in keys:
        seen[key] += 1
        out.append(seen[key] if parse_one.filled(key) else None)
    return out


def _ymd(parts: parse_one.Parts | None) -> int | None:
    return None if parts is None else parts[0] * 10000 + parts[1] * 100 + parts[2]


def _field_checks(
    spec: DatasetSpec, f: FieldSpec, cell: str | None, value: Any, removal: bool
) -> dict[str, Any]:
    """The check columns of one field on one row (the party/document columns aside)."""
    n, filled = f.name, parse_one.filled(cell)
    out: dict[str, Any] = {}
    if f.required:
        present = filled if n == spec.key else filled or removal
        out[n] = "present" if present else None
    if f.kind == "enum":
        code = value if value is not None else parse_one.strip(cell)
        out[f"{n}__code"] = code if filled else None
    elif f.kind in ("date", "datetime", "int", "float"):
        out[f"{n}__parse"] = None if not filled else "invalid" if value is None else "ok"
        if f.kind in ("date", "datetime"):
            out[f"{n}__value"] = _ymd(value)
        else:
            out[f"{n}__value"] = None if value is None else float(value)
    return out


def checked_rows(
    spec: DatasetSpec, cells: Cells, typed: dict[str, list[Any]], run_date: date, n: int
) -> list[dict[str, Any]]:
    """`derive.check_frame` on a few rows: per row, check column -> value."""
    removals = _removals(spec, typed, n)
    occurrences = _occurrences(cells[spec.key]) if spec.key is not None else None
    rows: list[dict[str, Any]] = []
    for i in range(n):
        row: dict[str, Any] = {}
        for f in spec.fields:
            value = typed[f.name][i] if f.name in typed else None
            row.update(_field_checks(spec, f, cells[f.name][i], value, removals[i]))
        if occurrences is not None:
            row[f"{spec.key}__occurrence"] = occurrences[i]
        for f in spec.fields:
            if f.kind == "id":
                row[f"{f.name}__id_kind"] = _id_kind(spec, f.name, cells, typed, i, run_date)
        rows.append(row)
    return rows


def _id_kind(
    spec: DatasetSpec,
    field: str,
    cells: Cells,
    typed: dict[str, list[Any]],
    i: int,
    run_date: date,
) -> str | None:
    party = PARTY_COLUMN.get((spec.name, field))
    doc = DOC_TYPE_COLUMN.get((spec.name, field))
    return id_kind(
        spec.name,
        field,
        cells[field][i],
        typed[party][i] if party in typed else None,
        typed[doc][i] if doc in typed else None,
        run_date,
    )


def _fails(check: Check, value: Any) -> bool:
    """`rows._failed` on one value: nulls only fail `not_null`; NaN sorts last, as in polars."""
    if check.op == "not_null":
        return value is None
    if value is None:
        return False
    if check.op in ("in_set", "not_in_set"):
        inside = value in check.kwargs["value_set"]
        return not inside if check.op == "in_set" else inside
    low, high = check.kwargs.get("min_value"), check.kwargs.get("max_value")
    nan = isinstance(value, float) and math.isnan(value)
    below = low is not None and not nan and value < low
    return below or (high is not None and (nan or value > high))


def reasons(checks: list[Check], row: dict[str, Any], severity: str) -> list[str]:
    """`rows._reasons` of one row: every failed check of `severity`, in the contract's order."""
    out = []
    for check in checks:
        if check.severity == severity and _fails(check, row[check.column]):
            value = row[check.column] if check.is_id_kind else None
            out.append(reason_text(check, value))
    return out


def clean_frame(
    spec: DatasetSpec,
    text: TextRows,
    cells: Cells,
    typed: dict[str, list[Any]],
    flags: list[str | None],
    kept: list[int],
) -> pl.DataFrame:
    """`derive.typed_frame` on a few rows: the kept rows, canonical fields typed or trimmed.

    Built as one frame of Python rows: a Series per column costs a construction each.
    """
    fields = {f.name: f for f in spec.fields}
    schema: dict[str, pl.DataType] = {}
    columns: list[list[Any]] = []
    for j, (name, dtype) in enumerate(zip(text.columns, text.dtypes, strict=True)):
        f = fields.get(name)
        if name == FLAGS:
            schema[name], values = pl.String(), [flags[i] for i in kept]
        elif f is not None and f.kind in DTYPES:
            schema[name], values = DTYPES[f.kind], _typed_values(spec, f, typed[name], kept)
        elif f is not None and f.kind == "str":
            schema[name] = pl.String()
            values = [parse_one.strip(cells[name][i]) or None for i in kept]
        else:
            schema[name], values = dtype, [text.rows[i][j] for i in kept]
        columns.append(values)
    if FLAGS not in schema:
        schema[FLAGS] = pl.String()
        columns.append([flags[i] for i in kept])
    return frame_of_rows(list(zip(*columns, strict=True)), schema)


def _typed_values(spec: DatasetSpec, f: FieldSpec, values: list[Any], kept: list[int]) -> list[Any]:
    """The kept rows' parsed values as the clean frame holds them (enum defaults filled)."""
    chosen = [values[i] for i in kept]
    default = ENUM_DEFAULTS.get((spec.name, f.name))
    if default is not None:
        chosen = [default if v is None else v for v in chosen]
    if f.kind == "datetime":
        return [None if v is None else datetime(*v) for v in chosen]
    if f.kind == "date":
        return [None if v is None else parse_one.as_date(v) for v in chosen]
    return chosen
