"""Per-party match features: what each party's ID number reveals, and its name forms.

The ID columns come from `matching.ids` (the vectorised classifier, checked against the scalar
reference `matching.ids.parse_ric`); the name forms from `matching.normalize`. Both run on whole
columns: a million parties through Python one by one would cost minutes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from matching.config import FEW_ROWS
from matching.ids import (
    USABLE_KINDS,
    clean_id_text,
    fold_ids,
    is_valid_uscc,
    org_code_of,
    org_id_features,
    parse_ric,
    person_id_features,
)
from matching.name_rows import WHITE_SPACE, org_forms, person_forms, readable
from matching.normalize import org_name_forms, person_name_forms
from matching.py_rows import NoPythonValue, frame_of_rows, kind_of, python_rows, round_trips


def _name_forms(names: pl.Series, person: pl.Series, org: pl.Series) -> pl.DataFrame:
    """Person forms (of person names) and org forms (of org names), one row per distinct name."""
    pnames = person_name_forms(names.filter(person))
    onames = org_name_forms(names.filter(org)).rename({"norm": "onorm"})
    return pnames.join(onames, on="name", how="full", coalesce=True, maintain_order="left_right")


GENDERS = {
    **dict.fromkeys(("M", "MALE", "男", "男性"), "M"),
    **dict.fromkeys(("F", "FEMALE", "女", "女性"), "F"),
}


def gender_code(raw: pl.Expr) -> pl.Expr:
    """`M`/`F` from a declared gender as written (男, 女, male, F, ...); null when unreadable."""
    text = raw.cast(pl.String).str.strip_chars().str.to_uppercase()
    return text.replace_strict(GENDERS, default=None, return_dtype=pl.String)


OPTIONAL_COLUMNS = (
    ("gender", pl.String),
    ("birth_date", pl.Date),
    ("age", pl.Int64),
    ("age_on", pl.Date),
)
"""Columns `party_features` uses when present, added as nulls when absent."""


def party_features(parties: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Add match features to a party frame (query or list side); one output row per input row.

    Needs `party_type, name, id_number`; uses `gender`, `birth_date`, `age` and `age_on` (the date
    the age was stated, e.g. the list's publication date) when present. A frame of at most
    `FEW_ROWS` rows takes the row-at-a-time path (`_few`), equal by test.
    """
    if parties.height <= FEW_ROWS and _few_ready(parties):
        try:
            return _few(parties, as_of)
        except NoPythonValue:  # a date of year 0: only polars holds it
            pass
    return _columnar(parties, as_of)


def _columnar(parties: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """`party_features` on whole columns."""
    df = parties
    for col, dtype in OPTIONAL_COLUMNS:
        if col not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=dtype).alias(col))
    # An age without its publication date is taken as of the run date.
    df = df.with_columns(pl.col("age_on").fill_null(as_of))
    person = pl.col("party_type") == "person"
    kinds = df.select(person.fill_null(False).alias("p"), (~person).fill_null(False).alias("o"))
    txt = fold_ids(df["id_number"])
    df = df.with_columns(
        *person_id_features(txt, kinds["p"], as_of), *org_id_features(txt, kinds["o"])
    )
    # One join for both name tables; an org name's `parent`/`branch` reach every row with that
    # name, whatever its party type (only person columns are masked below).
    df = df.join(
        _name_forms(df["name"], kinds["p"], kinds["o"]),
        on="name",
        how="left",
        maintain_order="left",
    )
    return (
        df.with_columns(
            pl.when(person).then(pl.col(c)).alias(c)
            for c in ("norm", "fold", "py", "py_rev", "py_alt", "han")
        )
        .with_columns(
            pl.when(person).then(pl.col("norm")).otherwise(pl.col("onorm")).alias("norm"),
            pl.coalesce("id_birth", pl.col("birth_date").cast(pl.Date, strict=False)).alias(
                "birth"
            ),
            pl.coalesce(
                "id_year", pl.col("birth_date").cast(pl.Date, strict=False).dt.year().cast(pl.Int32)
            ).alias("year"),
            pl.coalesce("id_gender", gender_code(pl.col("gender"))).alias("sex"),
        )
        .drop("onorm", "id_birth", "id_year", "id_gender")
    )


# --- the row-at-a-time path -------------------------------------------------------------------

_TYPED = {
    "party_type": pl.String,
    "name": pl.String,
    "id_number": pl.String,
    **dict(OPTIONAL_COLUMNS),
}
_ADDED = (
    ("pid", pl.String),
    ("pid_kind", pl.String),
    ("org_code", pl.String),
    ("uscc", pl.String),
    ("han", pl.Boolean),
    ("norm", pl.String),
    ("fold", pl.String),
    ("py", pl.String),
    ("py_rev", pl.String),
    ("py_alt", pl.String),
    ("parent", pl.String),
    ("branch", pl.String),
    ("birth", pl.Date),
    ("year", pl.Int32),
    ("sex", pl.String),
)
"""The columns `_columnar` adds, in its order; the few-row path builds the same."""
_SCRATCH = ("onorm", "id_birth", "id_year", "id_gender")


def _few_ready(parties: pl.DataFrame) -> bool:
    """Whether the row path reads this frame as the columnar one does (else the columnar runs).

    The usual types only (no cast to reproduce, every column passing through Python unchanged),
    no column the features would shadow, and names in characters Python's Unicode tables know.
    """
    schema = dict(zip(parties.columns, parties.dtypes, strict=True))
    if any(c not in schema for c in ("party_type", "name", "id_number")):
        return False
    if any(c in schema and kind_of(schema[c]) is not t for c, t in _TYPED.items()):
        return False
    if any(c in schema for c, _ in _ADDED) or any(c in schema for c in _SCRATCH):
        return False
    if not round_trips(schema.values()):
        return False
    return all(n is None or readable(n) for n in parties["name"].to_list())


def _gender(raw: str | None) -> str | None:
    return None if raw is None else GENDERS.get(raw.strip(WHITE_SPACE).upper())


def _id_values(raw: str | None, kind: bool | None, as_of: date) -> tuple[Any, ...]:
    """`pid, pid_kind, id_birth, id_year, id_gender, org_code, uscc` of one ID as typed."""
    person: tuple[Any, ...] = (None,) * 5
    org: tuple[Any, ...] = (None, None)
    if raw is not None and kind is True:
        parsed = parse_ric(raw, as_of)
        if parsed.kind in USABLE_KINDS:
            person = (
                parsed.value,
                parsed.kind,
                parsed.birth_date,
                parsed.birth_year,
                parsed.gender,
            )
    elif raw is not None and kind is False:
        org = (org_code_of(raw), clean_id_text(raw) if is_valid_uscc(raw) else None)
    return person + org


def _few(parties: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """`_columnar` one row at a time, from the same classifiers and name forms.

    The input is read as Python rows once and the whole output built from rows in one call
    (eager calls only: an expression would cost a plan and a collect each, a `concat` of the
    input and the new columns a tenth of a millisecond).
    """
    n, records = parties.height, python_rows(parties)
    at = {c: j for j, c in enumerate(parties.columns)}

    def values(col: str) -> list[Any]:
        return [r[at[col]] for r in records] if col in at else [None] * n

    names, ids, types = values("name"), values("id_number"), values("party_type")
    # An age without its publication date is taken as of the run date.
    age_on = [as_of if d is None else d for d in values("age_on")]
    kinds = [None if t is None else t == "person" for t in types]
    people = {m for m, k in zip(names, kinds, strict=True) if k is True and m is not None}
    orgs = {m for m, k in zip(names, kinds, strict=True) if k is False and m is not None}
    missing = [(c, t) for c, t in OPTIONAL_COLUMNS if c not in at]
    rows = []
    for i, (name, raw, kind, gender, born) in enumerate(
        zip(names, ids, kinds, values("gender"), values("birth_date"), strict=True)
    ):
        pid, pid_kind, id_birth, id_year, id_gender, code, uscc = _id_values(raw, kind, as_of)
        person = person_forms(name) if kind is True and name in people else None
        org = org_forms(name) if name in orgs else None
        forms = person if person is not None else (None,) * 6
        norm = forms[1] if kind is True else (org.norm if org is not None else None)
        given = records[i]
        if "age_on" in at:
            j = at["age_on"]
            given = (*given[:j], age_on[i], *given[j + 1 :])
        rows.append(
            given
            + tuple(age_on[i] if c == "age_on" else None for c, _ in missing)
            + (pid, pid_kind, code, uscc, forms[0], norm, *forms[2:])
            + ((org.parent, org.branch) if org is not None else (None, None))
            + (
                id_birth if id_birth is not None else born,
                id_year if id_year is not None else (None if born is None else born.year),
                id_gender if id_gender is not None else _gender(gender),
            )
        )
    schema = dict(zip(parties.columns, parties.dtypes, strict=True))
    return frame_of_rows(rows, {**schema, **dict(missing), **dict(_ADDED)})
