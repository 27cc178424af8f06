"""Move the synthetic world to the night being run.

The generator builds a fixed world whose "today" is `lists.REF_DATE` (it never reads the clock);
a nightly demo for another night shifts every event date of every dataset by the same number of
days, so that records fall just before that night. Birth dates are never shifted (they are
baked into the ID numbers), and published ages grow with the shifted publication dates.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from data_contracts.schemas import spec
from pipelines.synth.lists import REF_DATE

WORLD_DATE = date.fromisoformat(str(REF_DATE))
_KEEP = frozenset({"birth_date"})


def shift_days(as_of: date | None) -> int:
    """Days between the fixed synthetic world and the night asked for."""
    return 0 if as_of is None else (as_of - WORLD_DATE).days


def _shifted(column: str, kind: str, days: int) -> pl.Expr:
    text = pl.col(column)
    fmt, parsed = (
        ("%Y-%m-%d %H:%M:%S", text.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False))
        if kind == "datetime"
        else ("%Y-%m-%d", text.str.to_date("%Y-%m-%d", strict=False))
    )
    moved = (parsed + pl.duration(days=days)).dt.strftime(fmt)
    # deliberately broken dates (2023-13-45) stay as they were: they are the contract's test
    return pl.coalesce(moved, text).alias(column)


def shift_frame(frame: pl.DataFrame, dataset: str, days: int) -> pl.DataFrame:
    """Shift the event dates (and published ages) of one generated dataset by `days`."""
    if days == 0:
        return frame
    fields = {f.name: f.kind for f in spec(dataset).fields}
    exprs = [
        _shifted(c, fields[c], days)
        for c in frame.columns
        if fields.get(c) in ("date", "datetime") and c not in _KEEP and frame.schema[c] == pl.String
    ]
    if "age" in frame.columns and dataset == "dishonest_list":
        years = round(days / 365.25)
        age = pl.col("age").cast(pl.Int64, strict=False)
        exprs.append(
            pl.when(age.is_not_null())
            .then((age + years).cast(pl.String))
            .otherwise(pl.col("age"))
            .alias("age")
        )
    return frame.with_columns(exprs)
