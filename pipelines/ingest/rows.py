"""Row-level faults found while reading: kept as rows with a reason, never silently dropped.

A reader marks a row it could not take apart (too many fields, an unbalanced quote) or a cell it
will not pass on (a field longer than `MAX_FIELD_CHARS`, NUL or other control characters, a BOM
inside a value) in the text column `_reject` (`code:field 中文`). The data contract sends such
rows to quarantine with that reason before any other check, so `rows in = clean + quarantined`
still holds and one bad row no longer refuses the whole file. Reasons never carry the values.
"""

from __future__ import annotations

import polars as pl

from data_contracts.result import REJECT_COLUMN as REJECT

# Longest cell accepted: a name, address or remark is far shorter; a 10 MB "name" is an attack or
# a broken export, and carrying it on would cost memory in every later stage.
MAX_FIELD_CHARS = 4096
# C0 controls except TAB/LF/CR (which a quoted CSV cell may hold), DEL, and a BOM or other
# zero-width no-break mark inside a value: invisible, yet they change an ID or a name's key.
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff\ufffe]"

BAD_FIELD_COUNT = "bad_field_count:row 字段数与表头不一致"
BAD_QUOTE = "bad_quote:row 引号不成对"


def _cell_reason(name: str) -> pl.Expr:
    """The reason a cell of column `name` is refused, null when it is fine."""
    col = pl.col(name)
    return (
        pl.when(col.str.len_chars() > MAX_FIELD_CHARS)
        .then(pl.lit(f"field_too_long:{name} 字段超长（超过{MAX_FIELD_CHARS}字符）"))
        .when(col.str.contains(_CONTROL))
        .then(pl.lit(f"control_char:{name} 含控制字符或BOM"))
    )


def mark_bad_cells(frame: pl.DataFrame) -> pl.DataFrame:
    """Add (or extend) `_reject` with every over-long or control-character cell's reason."""
    text_cols = [c for c, t in frame.schema.items() if t == pl.String and not c.startswith("_")]
    if REJECT not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.String).alias(REJECT))
    if not text_cols:
        return frame
    reasons = pl.concat_list([_cell_reason(c) for c in text_cols]).list.drop_nulls()
    joined = pl.when(reasons.list.len() > 0).then(reasons.list.join("; "))
    combined = pl.concat_list(pl.col(REJECT), joined).list.drop_nulls().list.join("; ")
    return frame.with_columns(pl.when(combined.str.len_bytes() > 0).then(combined).alias(REJECT))


def blank_rejected(frame: pl.DataFrame) -> pl.DataFrame:
    """Null every value of a rejected row, so no refused text travels further than quarantine."""
    if REJECT not in frame.columns:
        return frame
    keep = {REJECT, "_row", "_source"}
    bad = pl.col(REJECT).is_not_null()
    return frame.with_columns(
        pl.when(~bad).then(pl.col(c)).alias(c) for c in frame.columns if c not in keep
    )
