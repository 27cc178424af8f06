"""Vectorised parsing of raw text into typed values (polars expressions, no I/O).

Each parser returns null where the text cannot be read; whether that null means "empty" or
"unreadable" is decided by comparing with the raw text (see `data_contracts.derive`). Accepted
spellings, all after NFKC folding (full-width digits and punctuation become ASCII):
- dates/datetimes: `2024-05-01`, `2024/5/1`, `2024.5.1`, `2024年5月1日`, `20240501`, each with an
  optional time `14:00` or `14:00:00` (`T` separator, fractions and a zone suffix are tolerated);
- numbers: `20,000`, `２００００`, `¥388.5`, `388.5元`, `1e3`; ints must be whole numbers.
"""

from __future__ import annotations

import unicodedata

import polars as pl

from data_contracts.schemas import FieldSpec

# The patterns below are shared with `data_contracts.parse_one` (one text at a time, Python's `re`),
# which reads them with Rust's meaning of `\s` and `$`: one spelling of each accepted format.
DATE_SEPARATORS = r"[年月/.]"
COMPACT_DATE = r"^([0-9]{4})([0-9]{2})([0-9]{2})(\D|$)"
"""20240501 (optionally followed by a time): gets its dashes back."""
FRACTION = r"(:[0-9]{2})-([0-9]+)"
"""A fraction of a second whose "." became "-" with the date separators."""
NUMBER_NOISE = r"[,\s¥$]"
NUMBER_UNIT = r"(元|RMB|CNY)$"
DATE_RE = (
    r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"(?:[ T]+([0-9]{1,2}):([0-9]{1,2})(?::([0-9]{1,2}))?(?:[.,][0-9]+)?)?"
    r"\s*(?:Z|[+-][0-9]{2}:?[0-9]{2})?$"
)


def text(col: str) -> pl.Expr:
    """Raw text folded (NFKC) and trimmed; empty becomes null."""
    t = pl.col(col).str.normalize("NFKC").str.strip_chars()
    return pl.when(t.str.len_bytes() > 0).then(t)


def parse_datetime(col: str) -> pl.Expr:
    """Text -> pl.Datetime (naive, as written); null when empty or not a real calendar time."""
    t = text(col).str.replace_all(DATE_SEPARATORS, "-").str.replace_all("日", "")
    # Compact 20240501 (optionally followed by a time) gets its dashes back first.
    t = t.str.replace(COMPACT_DATE, "$1-$2-$3$4")
    # "." became "-" above; restore a fraction-of-second separator after a time.
    t = t.str.replace(FRACTION, "$1.$2")
    g = t.str.extract_groups(DATE_RE)
    iso = pl.concat_str(
        g.struct[0],
        pl.lit("-"),
        g.struct[1].str.zfill(2),
        pl.lit("-"),
        g.struct[2].str.zfill(2),
        pl.lit(" "),
        g.struct[3].fill_null("0").str.zfill(2),
        pl.lit(":"),
        g.struct[4].fill_null("0").str.zfill(2),
        pl.lit(":"),
        g.struct[5].fill_null("0").str.zfill(2),
    )
    return iso.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False, time_unit="us")


# Text already in the canonical layout: the full parser above would return exactly what a plain
# strptime does, at a twentieth of the cost (the regex chain runs ~15 µs per value).
ISO_DATETIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$"
ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
PLAIN_NUMBER = r"^-?[0-9]+(?:\.[0-9]+)?$"


def fast_path(field: FieldSpec) -> tuple[pl.Expr, pl.Expr] | None:
    """(applies, value) for the canonical spelling of a date/number field, else None.

    Where `applies` holds, `value` equals `parse_field(field)`: `tests/test_contracts.py` pins it.
    """
    raw = pl.col(field.name)
    if field.kind in ("date", "datetime"):
        as_dt = raw.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False, time_unit="us")
        day = raw.str.to_date("%Y-%m-%d", strict=False)
        is_dt = raw.str.contains(ISO_DATETIME)
        applies = is_dt | raw.str.contains(ISO_DATE)
        if field.kind == "date":
            value = pl.when(is_dt).then(as_dt.dt.date()).otherwise(day)
        else:
            value = pl.when(is_dt).then(as_dt).otherwise(day.cast(pl.Datetime("us")))
        return applies.fill_null(False), value
    if field.kind in ("int", "float"):
        number = raw.cast(pl.Float64, strict=False)
        if field.kind == "int":
            number = pl.when(number == number.floor()).then(number).cast(pl.Int64, strict=False)
        return raw.str.contains(PLAIN_NUMBER).fill_null(False), number
    return None


def parse_date(col: str) -> pl.Expr:
    """Text -> pl.Date; a time part, when present, is dropped."""
    return parse_datetime(col).dt.date()


def parse_float(col: str) -> pl.Expr:
    """Text -> Float64, tolerating thousands separators, currency signs and a 元 suffix."""
    t = text(col).str.replace_all(NUMBER_NOISE, "").str.replace(NUMBER_UNIT, "")
    return t.cast(pl.Float64, strict=False)


def parse_int(col: str) -> pl.Expr:
    """Text -> Int64; a fractional value (3.5 stars) is unreadable, not rounded."""
    f = parse_float(col)
    return pl.when(f == f.floor()).then(f).cast(pl.Int64, strict=False)


def fold_label(value: str) -> str:
    """Enum spelling folded for lookup: NFKC, trimmed, case-folded."""
    return unicodedata.normalize("NFKC", value).strip().casefold()


def enum_lookup(field: FieldSpec) -> dict[str, str]:
    """Folded accepted spelling -> canonical code (codes accept themselves)."""
    out = {fold_label(code): code for code in field.enum}
    for code, spellings in field.enum.items():
        out.update({fold_label(s): code for s in spellings})
    return out


def parse_enum(field: FieldSpec) -> pl.Expr:
    """Text -> canonical code, or null when the text is no accepted spelling."""
    folded = text(field.name).str.to_lowercase()
    return folded.replace_strict(enum_lookup(field), default=None, return_dtype=pl.String)


def parse_field(field: FieldSpec) -> pl.Expr:
    """The typed value of a field per its kind; text kinds are trimmed, IDs kept as given."""
    if field.kind == "date":
        return parse_date(field.name)
    if field.kind == "datetime":
        return parse_datetime(field.name)
    if field.kind == "int":
        return parse_int(field.name)
    if field.kind == "float":
        return parse_float(field.name)
    if field.kind == "enum":
        return parse_enum(field)
    if field.kind == "id":
        return pl.col(field.name)
    return text(field.name)
