"""Map source headers onto canonical column names and shape the raw frame.

Headers arrive in Chinese or English, with stray spaces, a BOM, full-width characters or
different case; they are folded (NFKC, whitespace removed, ASCII lower-cased) on both sides before
lookup so `记录编号 `, `Record_ID` and `ｒｅｃｏｒｄ＿ｉｄ` all land on `record_id`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import polars as pl

from data_contracts.schemas import DatasetSpec
from pipelines.errors import InputError

_INVISIBLE = re.compile(r"[\s\ufeff\u200b\u200c\u200d\u2060]+")


def fold_header(header: object) -> str:
    """Header text folded for lookup: width, case, spaces and BOM removed."""
    text = unicodedata.normalize("NFKC", "" if header is None else str(header))
    return _INVISIBLE.sub("", text).lower()


def folded_header_map(spec: DatasetSpec) -> dict[str, str]:
    """Folded accepted spelling -> canonical name."""
    return {fold_header(k): v for k, v in spec.header_map().items()}


def count_known(cells: Iterable[object], spec: DatasetSpec) -> int:
    """How many distinct canonical columns a row of header candidates names."""
    lookup = folded_header_map(spec)
    return len({lookup[f] for c in cells if (f := fold_header(c)) in lookup})


def canonical_names(headers: list[str], spec: DatasetSpec) -> list[str]:
    """Rename headers to canonical names; unknown or repeated ones keep their own text."""
    lookup = folded_header_map(spec)
    taken: set[str] = set()
    out: list[str] = []
    for i, header in enumerate(headers):
        canonical = lookup.get(fold_header(header))
        if canonical is not None and canonical not in taken:
            name = canonical
        else:
            # An unknown column keeps its header; a second alias of a taken column stays apart
            # under its own header instead of silently overwriting the first.
            name = _INVISIBLE.sub("", str(header)).strip() or f"column_{i + 1}"
        while name in taken:
            name = f"{name}_{i + 1}"
        taken.add(name)
        out.append(name)
    return out


def missing_required(columns: Iterable[str], spec: DatasetSpec) -> list[str]:
    """Required canonical columns absent from `columns`."""
    present = set(columns)
    return [name for name in spec.required if name not in present]


def describe_field(spec: DatasetSpec, name: str) -> str:
    """`name (中文别名)` for messages to operators."""
    aliases = spec.field(name).aliases
    return f"{name} ({aliases[0]})" if aliases else name


def conform(frame: pl.DataFrame, spec: DatasetSpec, source: str) -> pl.DataFrame:
    """Canonical headers, every column as String, absent optional columns as null, provenance."""
    own = [c for c in frame.columns if c != "_row"]
    frame = frame.rename(dict(zip(own, canonical_names(own, spec), strict=True)))
    absent = missing_required(frame.columns, spec)
    if absent:
        names = ", ".join(describe_field(spec, n) for n in absent)
        raise InputError(
            f"{source}: required column missing for {spec.name} ({spec.title_zh}): {names}"
            " (缺少必填列)"
        )
    frame = frame.with_columns(pl.exclude("_row").cast(pl.String))
    added = [
        pl.lit(None, pl.String).alias(f.name) for f in spec.fields if f.name not in frame.columns
    ]
    if "_row" not in frame.columns:  # the XLSX reader numbers rows itself, before dropping blanks
        added.append(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("_row"))
    frame = frame.with_columns(*added, pl.lit(source, pl.String).alias("_source"))
    return frame.select(pl.exclude("_source", "_row"), "_source", "_row")
