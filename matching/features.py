"""Per-party match features, vectorised: cleaned IDs, what their visible digits reveal, name forms.

`matching.ids.parse_ric` is the scalar reference (tests check both agree); this module does the
same cleaning with polars expressions because a million IDs through Python would cost seconds.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from matching.ids import is_valid_uscc
from matching.normalize import org_name_forms, person_name_forms

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SEPARATORS = r"[\s\-_－—‐]+"


def _check_char(body17: pl.Expr) -> pl.Expr:
    """ISO 7064 MOD 11-2 check character of a 17-digit body, as in stdnum.cn.ric."""
    total = pl.sum_horizontal(
        body17.str.slice(i, 1).cast(pl.Int32, strict=False) * w for i, w in enumerate(_WEIGHTS)
    )
    return (total % 11).replace_strict(list(range(11)), list(_CHECK), return_dtype=pl.String)


def fold_id_text(raw: pl.Expr) -> pl.Expr:
    """Fold width, case and separators out of an ID as typed."""
    return raw.str.normalize("NFKC").str.replace_all(_SEPARATORS, "").str.to_uppercase()


def clean_ids(text: pl.Expr) -> pl.Expr:
    """Cleaned 18-char resident ID (`*` where masked) from folded text; legacy 15-digit converted.

    Pass a materialised column: the expression repeats its input many times.
    """
    legacy_body = text.str.slice(0, 6) + pl.lit("19") + text.str.slice(6, 9)
    return (
        pl.when(text.str.contains(r"^[0-9]{15}$"))
        .then(legacy_body + _check_char(legacy_body))
        .when(text.str.contains(r"^[0-9]{17}[0-9X]$"))
        .then(text)
        .when(text.str.contains(r"^[0-9*]{17}[0-9X*]$") & text.str.contains(r"\*", literal=False))
        .then(text)
        .otherwise(None)  # empty, Excel-mangled (1.10105E+17) and malformed text carry no evidence
    )


def person_id_features(cid: pl.Expr, as_of: date) -> list[pl.Expr]:
    """Columns `pid, pid_kind, id_birth, id_year, id_gender` from a cleaned-ID column (`clean_ids`)."""
    birth = cid.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    plausible = birth.is_between(date(1900, 1, 1), as_of)
    masked = cid.str.contains(r"\*", literal=False)
    kind = (
        pl.when(cid.is_null())
        .then(None)
        .when(masked)
        .then(pl.lit("masked"))
        .when(~plausible.fill_null(False))
        .then(pl.lit("bad_check"))  # a mistyped birth digit: the other digits are still evidence
        .when(_check_char(cid.str.slice(0, 17)) == cid.str.slice(17, 1))
        .then(pl.lit("full"))
        .otherwise(pl.lit("bad_check"))
    )
    year = cid.str.slice(6, 4).cast(pl.Int32, strict=False)
    seq = cid.str.slice(16, 1).cast(pl.Int32, strict=False)
    return [
        pl.when(kind.is_not_null()).then(cid).alias("pid"),
        kind.alias("pid_kind"),
        pl.when(kind.is_not_null() & plausible).then(birth).alias("id_birth"),
        pl.when(kind.is_not_null() & year.is_between(1900, as_of.year)).then(year).alias("id_year"),
        pl.when(kind.is_not_null())
        .then(pl.when(seq % 2 == 1).then(pl.lit("M")).when(seq.is_not_null()).then(pl.lit("F")))
        .alias("id_gender"),
    ]


def org_code_expr(ids: pl.Expr) -> pl.Expr:
    """The 9-char organisation code inside a USCC (chars 9-17) or given alone."""
    text = ids.str.normalize("NFKC").str.replace_all(_SEPARATORS, "").str.to_uppercase()
    return (
        pl.when(text.str.contains(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"))
        .then(text.str.slice(8, 9))
        .when(text.str.contains(r"^[0-9A-Z]{8}[0-9X]$"))
        .then(text)
        .otherwise(None)
    )


def _uscc_flags(ids: pl.Series) -> pl.DataFrame:
    uniq = ids.unique().drop_nulls().to_list()  # orgs are few; stdnum per unique value is fine
    return pl.DataFrame(
        {"_id": uniq, "uscc_valid": [is_valid_uscc(u) for u in uniq]},
        schema={"_id": pl.String, "uscc_valid": pl.Boolean},
    )


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
    # Materialise each stage: the check-char expression repeats its input 17 times.
    df = df.with_columns(fold_id_text(pl.col("id_number")).alias("_txt"))
    df = df.with_columns(clean_ids(pl.col("_txt")).alias("_cid"))
    df = df.with_columns(
        *(
            pl.when(person).then(e).alias(e.meta.output_name())
            for e in person_id_features(pl.col("_cid"), as_of)
        ),
        pl.when(~person).then(org_code_expr(pl.col("id_number"))).alias("org_code"),
        pl.when(~person).then(pl.col("_txt")).alias("_oid"),
    ).drop("_txt", "_cid")
    df = df.join(_uscc_flags(df["_oid"]), left_on="_oid", right_on="_id", how="left")
    df = df.with_columns(pl.when(pl.col("uscc_valid")).then(pl.col("_oid")).alias("uscc")).drop(
        "_oid", "uscc_valid"
    )
    pnames = person_name_forms(df.filter(person)["name"])
    onames = org_name_forms(df.filter(~person)["name"]).rename({"norm": "onorm"})
    df = df.join(pnames, on="name", how="left").join(onames, on="name", how="left")
    return (
        df.with_columns(
            pl.when(person).then(pl.col(c)).alias(c)
            for c in ("norm", "fold", "py", "py_rev", "han")
        )
        .with_columns(
            pl.when(person).then(pl.col("norm")).otherwise(pl.col("onorm")).alias("norm"),
            pl.coalesce("id_birth", pl.col("birth_date").cast(pl.Date, strict=False)).alias(
                "birth"
            ),
            pl.coalesce(
                "id_year", pl.col("birth_date").cast(pl.Date, strict=False).dt.year().cast(pl.Int32)
            ).alias("year"),
            pl.coalesce("id_gender", pl.col("gender")).alias("sex"),
        )
        .drop("onorm", "id_birth", "id_year", "id_gender")
    )
