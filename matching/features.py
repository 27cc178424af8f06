"""Per-party match features: what each party's ID number reveals, and its name forms.

The ID columns come from `matching.ids` (the vectorised classifier, checked against the scalar
reference `matching.ids.parse_ric`); the name forms from `matching.normalize`. Both run on whole
columns: a million parties through Python one by one would cost minutes.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from matching.ids import fold_ids, org_id_features, person_id_features
from matching.normalize import org_name_forms, person_name_forms


def _name_forms(names: pl.Series, person: pl.Series, org: pl.Series) -> pl.DataFrame:
    """Person forms (of person names) and org forms (of org names), one row per distinct name."""
    pnames = person_name_forms(names.filter(person))
    onames = org_name_forms(names.filter(org)).rename({"norm": "onorm"})
    return pnames.join(onames, on="name", how="full", coalesce=True, maintain_order="left_right")


_GENDERS = {
    **dict.fromkeys(("M", "MALE", "男", "男性"), "M"),
    **dict.fromkeys(("F", "FEMALE", "女", "女性"), "F"),
}


def gender_code(raw: pl.Expr) -> pl.Expr:
    """`M`/`F` from a declared gender as written (男, 女, male, F, ...); null when unreadable."""
    text = raw.cast(pl.String).str.strip_chars().str.to_uppercase()
    return text.replace_strict(_GENDERS, default=None, return_dtype=pl.String)


def party_features(parties: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Add match features to a party frame (query or list side); one output row per input row.

    Needs `party_type, name, id_number`; uses `gender`, `birth_date`, `age` and `age_on` (the date
    the age was stated, e.g. the list's publication date) when present.
    """
    df = parties
    for col, dtype in (
        ("gender", pl.String),
        ("birth_date", pl.Date),
        ("age", pl.Int64),
        ("age_on", pl.Date),
    ):
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
