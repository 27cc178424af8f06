"""Cells safe to open in a spreadsheet: no value may start a formula (CSV injection).

Excel, WPS and LibreOffice evaluate a CSV cell that starts with `=`, `+`, `-` or `@` (and,
after a leading tab or carriage return, whatever follows), so `=HYPERLINK("http://…")` copied
from a court list or an agency's record id would run when an agency opens our report. The OWASP
rule applies: such a text cell is written with a single quote in front, which spreadsheets show
as plain text. Numbers are written as numbers and are never touched.

The rule is reversible, so machine readers of `hits.csv` lose nothing: a value whose leading
quotes are followed by a trigger character got exactly one extra quote (`'=x` back to `=x`,
`''=x` back to `'=x`); `restore` removes it. Every other value is left exactly as it was.
"""

from __future__ import annotations

import polars as pl

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_QUOTE = r"^'*[=+\-@\t\r]"


def neutral(value: str | None) -> str | None:
    """`value` safe for a spreadsheet cell (see the module doc)."""
    if value is None or not value.lstrip("'").startswith(TRIGGERS):
        return value
    return "'" + value


def restore(value: str | None) -> str | None:
    """The value `neutral` was given (the inverse, for machine readers)."""
    if value is None or not value.startswith("'") or not value.lstrip("'").startswith(TRIGGERS):
        return value
    return value[1:]


def neutral_expr(column: str) -> pl.Expr:
    """`neutral` over a text column, vectorised."""
    col = pl.col(column)
    return pl.when(col.str.contains(_NEEDS_QUOTE)).then(pl.lit("'") + col).otherwise(col)


def restore_expr(column: str) -> pl.Expr:
    """`restore` over a text column, vectorised."""
    col = pl.col(column)
    return pl.when(col.str.contains(r"^'+[=+\-@\t\r]")).then(col.str.slice(1)).otherwise(col)


def neutral_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column of `frame` neutralised; other columns as they are."""
    text = [c for c, t in frame.schema.items() if t == pl.String]
    return frame.with_columns(neutral_expr(c).alias(c) for c in text) if text else frame


def restore_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column of `frame` restored (for a CSV read with all columns as text)."""
    text = [c for c, t in frame.schema.items() if t == pl.String]
    return frame.with_columns(restore_expr(c).alias(c) for c in text) if text else frame
