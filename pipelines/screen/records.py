"""Agency records as posted to the desk -> the raw text frame the data contract reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from data_contracts.rows import RowCheck, check_few, check_rows
from data_contracts.rows_few import TextRows
from data_contracts.schemas import spec as dataset_spec
from matching.config import FEW_ROWS
from pipelines.ingest.headers import canonical_names
from pipelines.settings import Settings


@dataclass(frozen=True)
class CheckedRecords:
    """Clean typed rows, their positions in the request, and per position the failure reason."""

    clean: pl.DataFrame
    positions: list[int]
    errors: list[str | None]


def _text(value: Any) -> str | None:
    """A JSON value as the text a file cell would hold; nested values are not a field."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise TypeError("nested value")


def _row(agency: str, record: Any) -> tuple[dict[str, str | None], str | None]:
    """One record with canonical field names (English or Chinese aliases accepted)."""
    if not isinstance(record, dict) or not record:
        return {}, "记录须为非空的 JSON 对象（字段: 值）"
    spec = dataset_spec(agency)
    known = {f.name for f in spec.fields}
    # canonical names map onto themselves and no spelling folds to an underscore name (a test
    # holds both), so the lookup would give such a record's names back: only other spellings
    # need it
    plain = all(k in known or (isinstance(k, str) and k.startswith("_")) for k in record)
    names = list(record) if plain else canonical_names(list(map(str, record)), spec)
    row: dict[str, str | None] = {}
    for name, value in zip(names, record.values(), strict=True):
        if name not in known and name.startswith("_"):
            continue  # the reader's own bookkeeping columns (`_source`, `_row`) are not fields
        # a field the contract does not declare is kept, as a file's extra column is kept at
        # night: the agency's roles may read it (a hotel guest's gender and birth date)
        try:
            row[name] = _text(value)
        except TypeError:
            return {}, f"字段 {name} 的值是嵌套结构，应为文本或数字"
    return row, None


def records_frame(
    agency: str, records: list[Any], settings: Settings, run_date: date
) -> CheckedRecords:
    """Rows through the agency's data contract; a failing row gets its one-line reason.

    A few records (the desk's usual request) are checked from their posted values
    (`data_contracts.rows.check_few`) without building the raw frame, equal by test.
    """
    spec = dataset_spec(agency)
    shaped = [_row(agency, r) for r in records]
    errors: list[str | None] = [e for _, e in shaped]
    good = [i for i, e in enumerate(errors) if e is None]
    schema = {f.name: pl.String for f in spec.fields}
    for i in good:
        schema.update((name, pl.String) for name in shaped[i][0] if name not in schema)
    rows = [shaped[i][0] for i in good]
    min_date = date.fromisoformat(settings.contracts.min_date)
    checked = _few(agency, schema, rows, min_date, run_date) if len(rows) <= FEW_ROWS else None
    if checked is None:
        # `_row` skips underscore names, so these two are new columns: hstack costs a tenth of
        # an expression on a single record
        raw = pl.DataFrame(rows, schema=schema).hstack(
            [
                pl.Series("_source", ["desk"] * len(rows), dtype=pl.String),
                pl.Series("_row", list(range(1, len(rows) + 1)), dtype=pl.Int64),
            ]
        )
        checked = check_rows(agency, raw, min_date=min_date, run_date=run_date)
    positions = []
    for i, reason in zip(good, checked.errors, strict=True):
        if reason is None:
            positions.append(i)
        else:
            errors[i] = f"记录未通过数据契约检查：{reason}"
    return CheckedRecords(checked.clean, positions, errors)


def _few(
    agency: str,
    schema: dict[str, type[pl.String]],
    rows: list[dict[str, str | None]],
    min_date: date,
    run_date: date,
) -> RowCheck | None:
    """The columnar branch's checks of a few records, from their values as posted: the same
    columns (`schema`, then `_source` and `_row`) without building the raw frame."""
    text = TextRows(
        [*schema, "_source", "_row"],
        [pl.String()] * len(schema) + [pl.String(), pl.Int64()],
        [(*(row.get(c) for c in schema), "desk", k) for k, row in enumerate(rows, 1)],
    )
    return check_few(agency, text, min_date=min_date, run_date=run_date)
