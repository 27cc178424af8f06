"""Raw text -> the derived columns GE judges, and -> the typed clean frame (pure polars).

`__parse` is `ok` when text parsed, `invalid` when it did not, null when the cell was empty;
`__value` holds the parsed value for range checks (dates as yyyymmdd integers); `__code` the
canonical enum code, or the text itself when it is no accepted spelling (so Data Docs show what
arrived). ID kinds come from `data_contracts.idkinds`, judged on the run date; `__occurrence`
counts earlier rows with the same key, so the first of several duplicates passes and the rest
fail. Every field is parsed once (`parse_fields`) and both frames are built from that.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import polars as pl

from data_contracts import parse
from data_contracts.idkinds import DOC_TYPE_COLUMN, PARTY_COLUMN, id_kind_column
from data_contracts.schemas import DatasetSpec, FieldSpec

# Enum value assumed when a column is empty or absent (docs/domain.md: list_type defaults to
# dishonest; a snapshot carries no status, and every entry in it is in force).
ENUM_DEFAULTS: dict[tuple[str, str], str] = {
    ("dishonest_list", "list_type"): "dishonest",
    ("dishonest_list", "status"): "active",
}
_TYPED_KINDS = ("date", "datetime", "int", "float", "enum")
# Courts publish a removal as the entry id and status alone: the entry's facts are already on
# file. On such a row only the id is required; the listing keeps the stored facts.
REMOVAL_KEEPS_ONLY: dict[str, tuple[str, str]] = {"dishonest_list": ("status", "removed")}


def _parsed(raw: pl.DataFrame, f: FieldSpec) -> pl.Series:
    """Typed value of one field; parsed once per distinct text when values repeat a lot."""
    col = raw[f.name]
    if col.len() <= 4:  # a few rows (the screening desk): the lookup table would cost more
        return _direct(col.to_frame(), f)
    uniq = col.drop_nulls().unique()
    if uniq.len() * 4 > max(col.len(), 1):  # mostly distinct: parse the column directly
        return _direct(col.to_frame(), f)
    table = _direct(uniq.to_frame(), f)
    return col.replace_strict(uniq, table, default=None, return_dtype=table.dtype).alias(f.name)


def _direct(frame: pl.DataFrame, f: FieldSpec) -> pl.Series:
    """Parse every row: canonical spellings by strptime/cast, only the rest by the full parser."""
    full = parse.parse_field(f).alias(f.name)
    fast = parse.fast_path(f)
    if fast is None:
        return frame.select(full).to_series()
    applies, value = fast
    marked = frame.with_columns(applies.alias("_fast"))
    if bool(marked["_fast"].all()):
        return frame.select(value.alias(f.name)).to_series()
    quick = frame.select(pl.when(marked["_fast"]).then(value).alias(f.name)).to_series()
    others = marked.filter(~pl.col("_fast"))
    slow = others.select(full).to_series()
    # the slow rows go back to their places; quick already has nulls there
    return quick.scatter(marked["_fast"].not_().arg_true(), slow)


def parse_fields(raw: pl.DataFrame, spec: DatasetSpec) -> dict[str, pl.Series]:
    """Typed series of every date, datetime, number and enum field of `spec`."""
    return {f.name: _parsed(raw, f) for f in spec.fields if f.kind in _TYPED_KINDS}


def _filled(name: str) -> pl.Expr:
    """True where the raw cell holds something other than whitespace."""
    return (pl.col(name).str.strip_chars().str.len_bytes() > 0).fill_null(False)


def check_frame(
    raw: pl.DataFrame, spec: DatasetSpec, typed: dict[str, pl.Series], run_date: date
) -> pl.DataFrame:
    """Only the columns the GE suite reads, in one frame aligned row-for-row with `raw`.

    `run_date` is the night the data is judged for: an ID's birth date after it is a slip.
    """
    base = raw.select([pl.col(f.name) for f in spec.fields]).with_columns(
        [pl.Series(f"{n}__typed", s) for n, s in typed.items()]
    )
    exprs: list[pl.Expr] = []
    removal = _removal(spec)
    for f in spec.fields:
        n, filled, value = f.name, _filled(f.name), pl.col(f"{f.name}__typed")
        if f.required:
            # Only presence matters to the not-null expectation; a constant keeps names and IDs
            # out of GE's results and Data Docs and keeps GE's batch fingerprinting cheap.
            present = filled if n == spec.key else filled | removal
            exprs.append(pl.when(present).then(pl.lit("present")).alias(n))
        if f.kind == "enum":
            exprs.append(
                pl.when(filled)
                .then(pl.coalesce(value, pl.col(n).str.strip_chars()))
                .alias(f"{n}__code")
            )
        elif f.kind in ("date", "datetime", "int", "float"):
            state = pl.when(~filled).then(None).when(value.is_null()).then(pl.lit("invalid"))
            exprs.append(state.otherwise(pl.lit("ok")).alias(f"{n}__parse"))
            if f.kind in ("date", "datetime"):
                # yyyymmdd as an integer: GE's pandas range check is vectorised for numbers only
                # (it compares timestamps one by one in Python), and Data Docs still read well.
                ymd = (
                    value.dt.year().cast(pl.Int64) * 10000
                    + value.dt.month().cast(pl.Int64) * 100
                    + value.dt.day().cast(pl.Int64)
                )
                exprs.append(ymd.alias(f"{n}__value"))
            else:
                exprs.append(value.cast(pl.Float64).alias(f"{n}__value"))
    checks = base.select(exprs) if exprs else pl.DataFrame(height=raw.height)
    if spec.key is not None:
        checks = checks.with_columns(_occurrence(raw, spec.key))
    checks = checks.with_columns(_id_kinds(raw, spec, typed, run_date))
    # Text check columns hold a handful of distinct values: as categoricals, pandas hashes and
    # compares codes instead of a million strings (GE fingerprints the whole batch).
    return checks.with_columns(pl.col(pl.String).cast(pl.Categorical))


def required_columns(spec: DatasetSpec, present: Iterable[str]) -> tuple[str, ...]:
    """Columns a file of `spec` must carry: a removals-only delta needs just the key and status."""
    rule = REMOVAL_KEEPS_ONLY.get(spec.name)
    if rule is not None and rule[0] in set(present) and spec.key is not None:
        return (spec.key,)
    return spec.required


def _removal(spec: DatasetSpec) -> pl.Expr:
    """True on rows that only withdraw an entry (see `REMOVAL_KEEPS_ONLY`)."""
    rule = REMOVAL_KEEPS_ONLY.get(spec.name)
    if rule is None:
        return pl.lit(False)
    column, code = rule
    return (pl.col(f"{column}__typed") == code).fill_null(False)


def _occurrence(raw: pl.DataFrame, key: str) -> pl.Series:
    """How many rows up to this one carry its key (1 for the first); null for an empty key.

    A window over a million distinct keys costs seconds; keys are nearly always unique, so only
    the rows of repeated keys are counted and the rest are 1.
    """
    keys = raw[key]
    first = keys.is_first_distinct()
    out = pl.repeat(1, raw.height, dtype=pl.Int64, eager=True)
    if not bool(first.all()):
        repeated = keys.is_in(keys.filter(~first).unique().implode())
        counted = (
            keys.to_frame()
            .filter(repeated)
            .select(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over(key))
        )
        out = out.scatter(repeated.arg_true(), counted.to_series())
    filled = raw.select(_filled(key)).to_series()
    return pl.select(pl.when(filled).then(out)).to_series().alias(f"{key}__occurrence")


def _id_kinds(
    raw: pl.DataFrame, spec: DatasetSpec, typed: dict[str, pl.Series], run_date: date
) -> list[pl.Series]:
    """One `<field>__id_kind` series per ID field."""
    out = []
    for f in spec.fields:
        if f.kind != "id":
            continue
        key = (spec.name, f.name)
        party, doc = PARTY_COLUMN.get(key), DOC_TYPE_COLUMN.get(key)
        out.append(
            id_kind_column(
                spec.name,
                f.name,
                raw,
                typed.get(party) if party else None,
                typed.get(doc) if doc else None,
                run_date,
            )
        )
    return out


def typed_frame(
    raw: pl.DataFrame, spec: DatasetSpec, typed: dict[str, pl.Series], keep: pl.Series
) -> pl.DataFrame:
    """Rows where `keep`, canonical columns typed per ARCHITECTURE; extra columns kept as given."""
    columns = []
    for f in spec.fields:
        if f.name in typed:
            series = typed[f.name]
            default = ENUM_DEFAULTS.get((spec.name, f.name))
            columns.append(series.fill_null(default) if default is not None else series)
        elif f.kind == "str":
            # Trimmed only: names keep their width and script for the matcher to normalise.
            trimmed = pl.col(f.name).str.strip_chars()
            columns.append(
                raw.select(pl.when(trimmed != "").then(trimmed).alias(f.name)).to_series()
            )
    return raw.with_columns(columns).filter(keep)
