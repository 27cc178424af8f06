"""Per-party match features, vectorised: cleaned IDs, what their visible digits reveal, name forms.

`matching.ids.parse_ric` is the scalar reference (tests check both agree); this module does the
same cleaning on whole columns because a million IDs through Python would cost seconds. IDs of
the right shape are read as a byte matrix (one row per ID), so the check character, birth date,
year and gender come from numpy arithmetic instead of 17 string slices per row; Unicode folding
runs only on the few texts that are not ASCII. `tests/test_features_speed_equivalence.py` pins
the output against the row-by-row expressions this replaced.
"""

from __future__ import annotations

from datetime import date
from functools import reduce

import numpy as np
import polars as pl

from matching.ids import is_valid_uscc
from matching.normalize import org_name_forms, person_name_forms

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)  # ISO 7064 MOD 11-2, indexed by sum % 11
_SEPARATORS = r"[\s\-_－—‐]+"
_DIGIT0, _STAR, _X = ord("0"), ord("*"), ord("X")
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = np.array(
    [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64
)  # GB 32100, the same table as stdnum.cn.uscc
_USCC_SHAPE = r"^[0-9]{8}[0-9A-HJ-NPQRTUWXY]{10}$"  # what stdnum.cn.uscc.validate accepts
_ORG_CODE_SHAPES = (
    r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$",
    r"^[0-9A-Z]{8}[0-9X]$",
)


def fold_ids(raw: pl.Series) -> pl.Series:
    """Fold width, case and separators out of IDs as typed (NFKC, separators, upper case).

    NFKC leaves ASCII unchanged, so only texts with a multi-byte character are normalised.
    """
    wide = (raw.str.len_bytes() != raw.str.len_chars()).fill_null(False)
    if wide.any():
        raw = raw.clone().scatter(wide.arg_true(), raw.filter(wide).str.normalize("NFKC"))
    return raw.str.replace_all(_SEPARATORS, "").str.to_uppercase()


def _byte_matrix(texts: pl.Series, width: int) -> np.ndarray:
    """Texts of exactly `width` bytes each as an (n, width) uint8 matrix, laid end to end."""
    buf = texts.str.join("").item().encode()
    return np.frombuffer(buf, dtype=np.uint8).reshape(-1, width)


def _is_digit(m: np.ndarray) -> np.ndarray:
    return (m >= _DIGIT0) & (m <= _DIGIT0 + 9)


def _any(mask: np.ndarray) -> np.ndarray:
    """Row-wise any of a narrow boolean matrix (column by column: faster than axis=1)."""
    return reduce(np.logical_or, (mask[:, j] for j in range(mask.shape[1])))


def _all(mask: np.ndarray) -> np.ndarray:
    """Row-wise all of a narrow boolean matrix."""
    return reduce(np.logical_and, (mask[:, j] for j in range(mask.shape[1])))


def ric_check_chars(body17: np.ndarray) -> np.ndarray:
    """ISO 7064 MOD 11-2 check byte of each row of 17 ASCII digits, as in stdnum.cn.ric."""
    total = sum((body17[:, j].astype(np.int64) - _DIGIT0) * int(w) for j, w in enumerate(_WEIGHTS))
    return _CHECK[total % 11]


def _legacy_to_18(m15: np.ndarray) -> np.ndarray:
    """Legacy 15-char numbers laid out as 18: `19` before the 2-digit year, check char appended.

    Every legacy number was issued to someone born in the 1900s, so the century is known even when
    the year digits are masked; the check char is computed when all 17 digits are visible and is
    itself unknown (`*`) otherwise, so a masked legacy number becomes an ordinary masked 18-char
    pattern and every later step reads it by its visible positions.
    """
    century = np.broadcast_to(np.frombuffer(b"19", dtype=np.uint8), (len(m15), 2))
    body = np.hstack([m15[:, :6], century, m15[:, 6:]])
    check = np.full(len(body), _STAR, dtype=np.uint8)
    whole = _all(_is_digit(body)) if len(body) else np.zeros(0, dtype=bool)
    if whole.any():
        check[whole] = ric_check_chars(body[whole])
    return np.hstack([body, check[:, None]])


def _shaped_ids(txt: pl.Series, rows: pl.Series) -> tuple[np.ndarray, np.ndarray, pl.Series]:
    """Row numbers, cleaned 18-byte matrix and cleaned text of the selected IDs that are usable.

    Usable: 18 digits (last may be X), a legacy 15-digit number, or an 18- or 15-char mask of digits
    and `*` with at least one `*` and at least one digit. Anything else (empty, Excel-mangled,
    malformed) carries no evidence.
    """
    nbytes = txt.str.len_bytes()
    at18 = (rows & (nbytes == 18)).fill_null(False)
    at15 = (rows & (nbytes == 15)).fill_null(False)
    m18, m15 = _byte_matrix(txt.filter(at18), 18), _byte_matrix(txt.filter(at15), 15)
    digit, star = _is_digit(m18), m18 == _STAR
    last = m18[:, 17]
    full = _all(digit[:, :17]) & (digit[:, 17] | (last == _X))
    masked = (
        _all((digit | star)[:, :17]) & (digit[:, 17] | (last == _X) | (last == _STAR)) & _any(star)
    )
    d15 = _is_digit(m15)
    ok18 = full | (masked & _any(digit))
    ok15 = _all(d15 | (m15 == _STAR)) & _any(d15) if len(m15) else np.zeros(0, dtype=bool)
    legacy = _legacy_to_18(m15[ok15])
    rows_out = np.concatenate([at18.arg_true().to_numpy()[ok18], at15.arg_true().to_numpy()[ok15]])
    legacy_text = pl.Series(np.ascontiguousarray(legacy).view("S18").ravel()).cast(pl.String)
    text = pl.concat([txt.filter(at18).filter(pl.Series(ok18)), legacy_text])
    return rows_out, np.vstack([m18[ok18], legacy]), text


def _number(cid: np.ndarray, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer value of columns start..stop and whether they are all digits (else not a number)."""
    value, ok = np.zeros(len(cid), dtype=np.int64), np.ones(len(cid), dtype=bool)
    for j in range(start, stop):  # column by column: numpy is slow on rows this short
        value = value * 10 + cid[:, j] - _DIGIT0
        ok &= _is_digit(cid[:, j])
    return value, ok


def _real_date(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whether year-month-day is a date on the proleptic Gregorian calendar (as chrono parses)."""
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_ok = (month >= 1) & (month <= 12)
    days_max = _DAYS_IN_MONTH[np.where(month_ok, month, 0)] + (leap & (month == 2))
    return month_ok & (day >= 1) & (day <= days_max)


def _person_id_values(cid: np.ndarray, text: pl.Series, as_of: date) -> pl.DataFrame:
    """`pid, pid_kind, id_birth, id_year, id_gender` for usable cleaned IDs (one row each)."""
    year, year_ok = _number(cid, 6, 10)
    month, month_ok = _number(cid, 10, 12)
    day, day_ok = _number(cid, 12, 14)
    seq, seq_ok = _number(cid, 16, 17)
    ymd = year * 10000 + month * 100 + day
    plausible = (
        year_ok
        & month_ok
        & day_ok
        & _real_date(year, month, day)
        & (ymd >= 19000101)
        & (ymd <= as_of.year * 10000 + as_of.month * 100 + as_of.day)
    )
    f = pl.DataFrame(
        {
            "pid": text,
            "masked": _any(cid == _STAR),
            "check_ok": ric_check_chars(cid[:, :17]) == cid[:, 17],
            "plausible": plausible,
            "y": np.where(plausible, year, 1970),  # placeholders keep pl.date total
            "m": np.where(plausible, month, 1),
            "d": np.where(plausible, day, 1),
            "year": year.astype(np.int32),
            "year_ok": year_ok & (year >= 1900) & (year <= as_of.year),
            "seq": seq,
            "seq_ok": seq_ok,
        }
    )
    c = pl.col
    return f.select(
        "pid",
        # A mistyped birth digit gives bad_check, not nothing: the other digits are still evidence.
        pl.when(c("masked"))
        .then(pl.lit("masked"))
        .when(c("plausible") & c("check_ok"))
        .then(pl.lit("full"))
        .otherwise(pl.lit("bad_check"))
        .alias("pid_kind"),
        pl.when(c("plausible")).then(pl.date(c("y"), c("m"), c("d"))).alias("id_birth"),
        pl.when(c("year_ok")).then(c("year")).alias("id_year"),
        pl.when(c("seq_ok"))
        .then(pl.when(c("seq") % 2 == 1).then(pl.lit("M")).otherwise(pl.lit("F")))
        .alias("id_gender"),
    )


def _spread(values: pl.DataFrame, rows: np.ndarray, n: int) -> list[pl.Series]:
    """Each column of `values` placed at `rows` of an otherwise null column of height n."""
    at = np.full(n, -1, dtype=np.int64)
    at[rows] = np.arange(len(rows))
    index = pl.Series(at)
    return values.select(pl.all().gather(pl.when(index >= 0).then(index))).get_columns()


def person_id_features(txt: pl.Series, person: pl.Series, as_of: date) -> list[pl.Series]:
    """Columns `pid, pid_kind, id_birth, id_year, id_gender` from folded ID text (`fold_ids`).

    Null outside `person` rows and where the text is not a usable resident ID.
    """
    rows, cid, text = _shaped_ids(txt, person)
    return _spread(_person_id_values(cid, text, as_of), rows, txt.len())


def org_code_expr(text: pl.Expr) -> pl.Expr:
    """The 9-char organisation code inside a USCC (chars 9-17) or given alone, from folded text."""
    uscc_shape, code_shape = _ORG_CODE_SHAPES
    return (
        pl.when(text.str.contains(uscc_shape))
        .then(text.str.slice(8, 9))
        .when(text.str.contains(code_shape))
        .then(text)
        .otherwise(None)
    )


def uscc_valid(folded: pl.Series) -> pl.Series:
    """Whether each folded ID is a USCC with a correct GB 32100 check character (as stdnum says).

    Printable ASCII text is already what `is_valid_uscc` would fold it to, so it is checked with
    integer arithmetic; any other text (rare) goes through `is_valid_uscc` itself, once per value.
    """
    shaped = folded.str.contains(_USCC_SHAPE).fill_null(False)
    codes = np.full(256, -1, dtype=np.int64)
    codes[np.frombuffer(_USCC_ALPHABET.encode(), dtype=np.uint8)] = np.arange(31)
    m = codes[_byte_matrix(folded.filter(shaped), 18)]
    good = (31 - (m[:, :17] @ _USCC_WEIGHTS) % 31) % 31 == m[:, 17]
    valid = np.zeros(folded.len(), dtype=bool)
    valid[shaped.arg_true().to_numpy()] = good
    odd = (~folded.str.contains(r"^[\x21-\x7E]*$")).fill_null(False)
    for i, text in zip(odd.arg_true().to_list(), folded.filter(odd).to_list(), strict=True):
        valid[i] = is_valid_uscc(text)
    return pl.Series(valid)


def org_id_features(txt: pl.Series, org: pl.Series) -> list[pl.Series]:
    """Columns `org_code, uscc` from folded ID text; null outside `org` rows."""
    otxt = txt.filter(org).rename("t")
    codes = otxt.to_frame().select(org_code_expr(pl.col("t")).alias("org_code"))
    uscc = otxt.to_frame().select(pl.when(uscc_valid(otxt)).then(pl.col("t")).alias("uscc"))
    return _spread(pl.concat([codes, uscc], how="horizontal"), org.arg_true().to_numpy(), txt.len())


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
