"""Parties: the unit of matching, cut from agency records and from list entries."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

import polars as pl

from matching.config import FEW_ROWS, RoleSpec
from matching.ids import fold_ids, person_id_features
from matching.legal_reps import resolve_legal_reps
from matching.name_rows import WHITE_SPACE
from matching.py_rows import NoPythonValue, frame_of_rows, kind_of, python_rows

QUERY_SCHEMA = {
    "record_id": pl.String,
    "role": pl.String,
    "party_type": pl.String,
    "name": pl.String,
    "id_number": pl.String,
    "id_type": pl.String,
    "gender": pl.String,
    "birth_date": pl.Date,
}
LIST_SCHEMA = {
    "entry_id": pl.String,
    "list_role": pl.String,
    "party_type": pl.String,
    "name": pl.String,
    "id_number": pl.String,
    "gender": pl.String,
    "age": pl.Int64,
    "age_on": pl.Date,
    "list_type": pl.String,
    "status": pl.String,
}
_PARTY_TYPES = {
    "person": "person",
    "自然人": "person",
    "个人": "person",
    "org": "org",
    "法人或其他组织": "org",
    "法人": "org",
    "组织": "org",
    "单位": "org",
}


def _col(records: pl.DataFrame, name: str | None, dtype: pl.DataType) -> pl.Expr:
    if name is None or name not in records.columns:
        return pl.lit(None, dtype=dtype)
    return pl.col(name).cast(dtype, strict=False)


def _date_col(records: pl.DataFrame, name: str) -> pl.Expr:
    """A date column whatever its source type (contracts give Date, raw readers give text)."""
    if name not in records.columns:
        return pl.lit(None, dtype=pl.Date)
    dtype = records.schema[name]
    if dtype == pl.String:
        return pl.col(name).str.strip_chars().str.to_date("%Y-%m-%d", strict=False)
    return pl.col(name).cast(pl.Date, strict=False)


def _blank_to_null(expr: pl.Expr) -> pl.Expr:
    text = expr.cast(pl.String).str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text)


def _party_type(records: pl.DataFrame, spec: RoleSpec) -> pl.Expr:
    if spec.party_type in ("person", "org"):
        return pl.lit(spec.party_type)
    raw = _col(records, spec.party_type, pl.String()).str.strip_chars()
    return raw.replace_strict(_PARTY_TYPES, default="person", return_dtype=pl.String)


def _one_role(records: pl.DataFrame, spec: RoleSpec) -> pl.DataFrame:
    rows = records
    if spec.when is not None:
        if spec.when not in rows.columns:
            return pl.DataFrame(schema=QUERY_SCHEMA)
        rows = rows.filter(pl.col(spec.when).cast(pl.String) == spec.when_value)
    role_is_legal_rep = spec.role == "legal_rep"  # a legal rep is always a natural person
    out = rows.select(
        pl.col("record_id").cast(pl.String),
        pl.lit(spec.role).alias("role"),
        (pl.lit("person") if role_is_legal_rep else _party_type(rows, spec)).alias("party_type"),
        _blank_to_null(_col(rows, spec.name, pl.String())).alias("name"),
        _blank_to_null(_col(rows, spec.id_number, pl.String())).alias("id_number"),
        _blank_to_null(_col(rows, spec.id_type, pl.String())).alias("id_type"),
        _blank_to_null(_col(rows, spec.gender, pl.String())).alias("gender"),
        (
            _date_col(rows, spec.birth_date) if spec.birth_date else pl.lit(None, dtype=pl.Date)
        ).alias("birth_date"),
    )
    return out.filter(pl.col("name").is_not_null() | pl.col("id_number").is_not_null())


def query_parties(records: pl.DataFrame, roles: Sequence[RoleSpec]) -> pl.DataFrame:
    """One row per screened role of each agency record (roles with no name and no ID skipped).

    At most `FEW_ROWS` records (the screening desk) take the row-at-a-time path, equal by test.
    """
    if records.height <= FEW_ROWS and all(s.when is None or s.when_value for s in roles):
        try:
            return _few(records, roles)
        except NoPythonValue:  # a date of year 0: only polars holds it
            pass
    return _columnar(records, roles)


def _columnar(records: pl.DataFrame, roles: Sequence[RoleSpec]) -> pl.DataFrame:
    """`query_parties` on whole columns."""
    frames = [_one_role(records, spec) for spec in roles]
    return pl.concat(frames, how="vertical") if frames else pl.DataFrame(schema=QUERY_SCHEMA)


def _few(records: pl.DataFrame, roles: Sequence[RoleSpec]) -> pl.DataFrame:
    """`_columnar` in Python rows: the records read once, eager casts of the few columns that
    are not text, no expression plans."""
    n, values = records.height, python_rows(records)
    at = {c: j for j, c in enumerate(records.columns)}
    dtypes = records.dtypes

    def texts(name: str | None) -> list[str | None]:
        if name is None or name not in at:
            return [None] * n
        if kind_of(dtypes[at[name]]) is pl.String:
            return [r[at[name]] for r in values]
        return records[name].cast(pl.String, strict=False).to_list()

    def stripped(name: str | None) -> list[str | None]:
        return [None if v is None else v.strip(WHITE_SPACE) for v in texts(name)]

    def blank_to_null(name: str | None) -> list[str | None]:
        return [v or None for v in stripped(name)]

    def dates(name: str | None) -> list[date | None]:
        if name is None or name not in at:
            return [None] * n
        if kind_of(dtypes[at[name]]) is pl.Date:
            return [r[at[name]] for r in values]
        if kind_of(dtypes[at[name]]) is pl.String:
            read = [_iso_date(v) for v in stripped(name)]
            if all(d is not _UNREAD for d in read):
                return read  # type: ignore[return-value]
            # parsed by polars itself, as `_date_col` does
            parsed = records.select(_date_col(records, name)).to_series()
            return [r[0] for r in python_rows(parsed.to_frame())]
        return records[name].cast(pl.Date, strict=False).to_list()

    key = at.get("record_id")
    if key is not None and kind_of(dtypes[key]) is pl.String:
        ids = [r[key] for r in values]
    else:  # a strict cast, as `_one_role`'s (which also says when the column is missing)
        ids = records["record_id"].cast(pl.String).to_list()
    rows = []
    for spec in roles:
        if spec.when is not None and spec.when not in at:
            continue
        when = [v == spec.when_value for v in texts(spec.when)] if spec.when else [True] * n
        if spec.role == "legal_rep" or spec.party_type in ("person", "org"):
            kinds = ["person" if spec.role == "legal_rep" else spec.party_type] * n
        else:
            # an unknown or missing type reads as a person (`replace_strict`'s default)
            kinds = [_PARTY_TYPES.get(v or "", "person") for v in stripped(spec.party_type)]
        columns = zip(
            ids,
            kinds,
            blank_to_null(spec.name),
            blank_to_null(spec.id_number),
            blank_to_null(spec.id_type),
            blank_to_null(spec.gender),
            dates(spec.birth_date),
            when,
            strict=True,
        )
        for rid, kind, name, number, id_type, gender, born, chosen in columns:
            if chosen and (name is not None or number is not None):
                rows.append((rid, spec.role, kind, name, number, id_type, gender, born))
    return frame_of_rows(rows, QUERY_SCHEMA)


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_UNREAD = object()


def _iso_date(text: str | None) -> date | None | object:
    """A trimmed cell as `_date_col` reads it, when plainly `YYYY-MM-DD` or null; `_UNREAD` for
    any other text (polars then reads it: its parser's leniencies are its own)."""
    if text is None:
        return None
    if not _ISO_DATE.fullmatch(text):
        return _UNREAD
    try:
        return date(int(text[:4]), int(text[5:7]), int(text[8:]))
    except ValueError:  # an impossible day, or year 0 (which polars has and Python has not)
        return _UNREAD


def _resolved_reps(e: pl.DataFrame, debtor: pl.DataFrame, reps: pl.DataFrame) -> pl.DataFrame:
    """`entry_id, rep_id` of org entries whose representative is also listed personally."""
    region = [c for c in ("court",) if c in e.columns]
    if reps.is_empty() or not region:
        return pl.DataFrame(schema={"entry_id": pl.String, "rep_id": pl.String})
    persons = debtor.with_columns(e.select(region)).filter(
        (pl.col("party_type") == "person") & pl.col("name").is_in(reps["_rep"].implode())
    )
    if persons.is_empty():
        return pl.DataFrame(schema={"entry_id": pl.String, "rep_id": pl.String})
    txt = fold_ids(persons["id_number"].cast(pl.String).fill_null(""))
    every = pl.Series([True] * persons.height, dtype=pl.Boolean)
    pid = person_id_features(txt, every, date.max)[0]
    orgs = reps.select(
        pl.col("entry_id").cast(pl.String), pl.col("_rep").alias("rep_name"), *region
    )
    return resolve_legal_reps(orgs, persons.with_columns(pid.alias("pid")))


def list_parties(entries: pl.DataFrame) -> pl.DataFrame:
    """Debtor parties of current list entries, and a `legal_rep` person per org entry naming one."""
    e = entries
    debtor = e.select(
        pl.col("entry_id").cast(pl.String),
        pl.lit("debtor").alias("list_role"),
        _col(e, "party_type", pl.String())
        .replace_strict(_PARTY_TYPES, default="person", return_dtype=pl.String)
        .alias("party_type"),
        _blank_to_null(_col(e, "name", pl.String())).alias("name"),
        _blank_to_null(_col(e, "id_number", pl.String())).alias("id_number"),
        _blank_to_null(_col(e, "gender", pl.String())).alias("gender"),
        _col(e, "age", pl.Int64()).alias("age"),
        # Courts publish the age on the day of publication, not today's age.
        _date_col(e, "published_on").alias("age_on"),
        _col(e, "list_type", pl.String()).fill_null("dishonest").alias("list_type"),
        _col(e, "status", pl.String()).fill_null("active").alias("status"),
    )
    reps = e.with_columns(_blank_to_null(_col(e, "legal_rep", pl.String())).alias("_rep")).filter(
        (debtor["party_type"] == "org") & pl.col("_rep").is_not_null()
    )
    resolved = _resolved_reps(e, debtor, reps)
    reps = reps.join(resolved, on="entry_id", how="left")
    legal = reps.select(
        pl.col("entry_id").cast(pl.String),
        pl.lit("legal_rep").alias("list_role"),
        pl.lit("person").alias("party_type"),
        pl.col("_rep").alias("name"),
        pl.coalesce(
            _blank_to_null(_col(reps, "legal_rep_id_number", pl.String())), pl.col("rep_id")
        ).alias("id_number"),
        pl.lit(None, dtype=pl.String).alias("gender"),
        pl.lit(None, dtype=pl.Int64).alias("age"),
        pl.lit(None, dtype=pl.Date).alias("age_on"),
        _col(reps, "list_type", pl.String()).fill_null("dishonest").alias("list_type"),
        _col(reps, "status", pl.String()).fill_null("active").alias("status"),
    )
    return pl.concat([debtor, legal], how="vertical").filter(
        pl.col("name").is_not_null() | pl.col("id_number").is_not_null()
    )
