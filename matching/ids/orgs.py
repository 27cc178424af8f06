"""The vectorised classifier of organisation numbers (USCC, 9-char code), and of cells either way.

`matching.ids.scalar.org_kind`, `org_code_of`, `is_valid_uscc` and `either_kind` on whole
columns of folded text (`matching.ids.vector.fold_ids`). stdnum costs ~50 µs per number; a court
list of a million entries carries ~150k organisations, so the GB 32100 check character is
computed here with integer arithmetic over a byte matrix.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from matching.ids.scalar import ORG_KINDS
from matching.ids.vector import MANGLED, byte_matrix, fold_ids, person_kinds, spread

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array(
    [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64
)  # GB 32100, the same table as stdnum.cn.uscc
_VALUE = np.full(256, -1, dtype=np.int64)
_VALUE[np.frombuffer(_USCC_ALPHABET.encode(), dtype=np.uint8)] = np.arange(31)
# What stdnum.cn.uscc.validate accepts, within the shape `scalar.is_valid_uscc` asks for first.
_USCC_VALID_SHAPE = r"^[0-9]{8}[0-9A-HJ-NPQRTUWXY]{10}$"
USCC_SHAPE = r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"
ORG_CODE_SHAPE = r"^[0-9A-Z]{8}[0-9X]$"
_USCC_LIKE = r"^[0-9A-Z]{18}$"


def uscc_valid(folded: pl.Series) -> pl.Series:
    """Whether each folded ID is a USCC with a right GB 32100 check character (`is_valid_uscc`)."""
    shaped = folded.str.contains(_USCC_VALID_SHAPE).fill_null(False)
    m = _VALUE[byte_matrix(folded.filter(shaped), 18)]
    good = (31 - (m[:, :17] @ _USCC_WEIGHTS) % 31) % 31 == m[:, 17]
    valid = np.zeros(folded.len(), dtype=bool)
    valid[shaped.arg_true().to_numpy()] = good
    return pl.Series(valid)


def org_code_expr(text: pl.Expr) -> pl.Expr:
    """`org_code_of` of folded text: chars 9-17 of a USCC-shaped number, or a code given alone."""
    return (
        pl.when(text.str.contains(USCC_SHAPE))
        .then(text.str.slice(8, 9))
        .when(text.str.contains(ORG_CODE_SHAPE))
        .then(text)
        .otherwise(None)
    )


def org_id_features(txt: pl.Series, org: pl.Series) -> list[pl.Series]:
    """Columns `org_code, uscc` from folded ID text; null outside `org` rows."""
    otxt = txt.filter(org).rename("t")
    codes = otxt.to_frame().select(org_code_expr(pl.col("t")).alias("org_code"))
    uscc = otxt.to_frame().select(pl.when(uscc_valid(otxt)).then(pl.col("t")).alias("uscc"))
    return spread(pl.concat([codes, uscc], how="horizontal"), org.arg_true().to_numpy(), txt.len())


def org_kinds(folded: pl.Series) -> pl.Series:
    """`org_kind` of every folded number, null where it is empty."""
    f = folded.rename("t").to_frame().with_columns(valid=uscc_valid(folded))
    t = pl.col("t")
    kind = (
        pl.when(t.is_null() | (t == ""))
        .then(None)
        .when(pl.col("valid"))
        .then(pl.lit("uscc"))
        .when(t.str.contains(ORG_CODE_SHAPE))
        .then(pl.lit("org_code"))
        .when(t.str.contains("*", literal=True))
        .then(pl.lit("masked"))
        .when(t.str.contains(MANGLED))
        .then(pl.lit("mangled"))
        .when(t.str.contains(_USCC_LIKE) & ~t.str.contains(r"^[0-9]+$"))
        .then(pl.lit("org_bad_check"))
        .otherwise(pl.lit("malformed"))
    )
    return f.select(kind.alias("kind")).to_series()


def either_kinds(folded: pl.Series, as_of: date) -> pl.Series:
    """`either_kind` of every folded number: a person's kind, or a well-formed org number's."""
    person = person_kinds(folded, as_of)
    other = pl.Series("kind", [None] * folded.len(), dtype=pl.String)
    malformed = (person == "malformed").fill_null(False)
    if malformed.any():
        other = other.scatter(malformed.arg_true(), org_kinds(folded.filter(malformed)))
    return pl.select(
        pl.when(other.is_in(list(ORG_KINDS)).fill_null(False)).then(other).otherwise(person)
    ).to_series()


def is_org_number(raw: pl.Series) -> pl.Series:
    """True where a number, as typed, is a USCC or a 9-char organisation code, not a person's.

    The date only tells a resident ID's `full` from `bad_check`, which does not matter here.
    """
    kinds = either_kinds(fold_ids(raw), date.max)
    return kinds.is_in(list(ORG_KINDS)).fill_null(False)
