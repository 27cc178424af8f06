"""Raw text -> the derived columns GE judges, and -> the typed clean frame (pure polars).

`__parse` is `ok` when text parsed, `invalid` when it did not, null when the cell was empty;
`__value` holds the parsed value for range checks (dates as yyyymmdd integers); `__code` the canonical enum code, or the
text itself when it is no accepted spelling (so Data Docs show what arrived). ID kinds come
from `data_contracts.idkinds`; `__occurrence` counts earlier rows with the same key, so the
first of several duplicates passes and the rest fail.
"""

from __future__ import annotations

import polars as pl

from data_contracts import parse
from data_contracts.idkinds import DOC_TYPE_COLUMN, PARTY_COLUMN, id_kind_column
from data_contracts.schemas import DatasetSpec

# Enum value assumed when a column is empty or absent (DOMAIN.md: list_type defaults to dishonest;
# a snapshot carries no status, and every entry in it is in force).
ENUM_DEFAULTS: dict[tuple[str, str], str] = {
    ("dishonest_list", "list_type"): "dishonest",
    ("dishonest_list", "status"): "active",
}


def _parse_state(name: str, parsed: pl.Expr) -> pl.Expr:
    return (
        pl.when(parse.text(name).is_null()).then(None)
        .when(parsed.is_null()).then(pl.lit("invalid"))
        .otherwise(pl.lit("ok"))
        .alias(f"{name}__parse")
    )


def check_frame(raw: pl.DataFrame, spec: DatasetSpec) -> pl.DataFrame:
    """Only the columns the GE suite reads, in one frame aligned row-for-row with `raw`."""
    exprs: list[pl.Expr] = []
    for f in spec.fields:
        n = f.name
        if f.required:
            exprs.append(parse.text(n).alias(n))
        if f.kind == "enum":
            exprs.append(pl.coalesce(parse.parse_enum(f), parse.text(n)).alias(f"{n}__code"))
        elif f.kind in ("date", "datetime"):
            value = parse.parse_datetime(n)
            # yyyymmdd as an integer: GE's pandas range check is vectorised for numbers only
            # (it compares timestamps one by one in Python), and Data Docs still read naturally.
            ymd = value.dt.year() * 10000 + value.dt.month() * 100 + value.dt.day()
            exprs += [_parse_state(n, value), ymd.cast(pl.Int64).alias(f"{n}__value")]
        elif f.kind in ("int", "float"):
            value = (parse.parse_int(n) if f.kind == "int" else parse.parse_float(n)).cast(pl.Float64)
            exprs += [_parse_state(n, value), value.alias(f"{n}__value")]
    if spec.key is not None:
        k = pl.col(spec.key)
        occurrence = pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over(k)
        exprs.append(pl.when(parse.text(spec.key).is_not_null()).then(occurrence)
                     .alias(f"{spec.key}__occurrence"))
    checks = raw.select(exprs) if exprs else pl.DataFrame(height=raw.height)
    return checks.with_columns(_id_kinds(raw, spec))


def _id_kinds(raw: pl.DataFrame, spec: DatasetSpec) -> list[pl.Series]:
    """One `<field>__id_kind` series per ID field."""
    out = []
    for f in spec.fields:
        if f.kind != "id":
            continue
        key = (spec.name, f.name)
        party = _codes(raw, spec, PARTY_COLUMN.get(key))
        doc_type = _codes(raw, spec, DOC_TYPE_COLUMN.get(key))
        out.append(id_kind_column(spec.name, f.name, raw, party, doc_type))
    return out


def _codes(raw: pl.DataFrame, spec: DatasetSpec, column: str | None) -> pl.Series | None:
    if column is None:
        return None
    return raw.select(parse.parse_enum(spec.field(column))).to_series()


def typed_frame(raw: pl.DataFrame, spec: DatasetSpec) -> pl.DataFrame:
    """Canonical columns typed per ARCHITECTURE; extra columns and provenance kept as they are."""
    typed = []
    for f in spec.fields:
        expr = parse.parse_field(f)
        default = ENUM_DEFAULTS.get((spec.name, f.name))
        if default is not None:
            expr = expr.fill_null(pl.lit(default))
        typed.append(expr.alias(f.name))
    return raw.with_columns(typed)
