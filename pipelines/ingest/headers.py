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

from data_contracts.derive import required_columns
from data_contracts.schemas import DatasetSpec
from pipelines.errors import InputError
from pipelines.ingest.mojibake import refuse_mojibake
from pipelines.ingest.rows import blank_rejected, mark_bad_cells

_NAME = ("name", "legal_rep")
_INVISIBLE = re.compile(r"[\s\ufeff\u200b\u200c\u200d\u2060]+")


def fold_header(header: object) -> str:
    """Header text folded for lookup: width, case, spaces and BOM removed."""
    text = unicodedata.normalize("NFKC", "" if header is None else str(header))
    return _INVISIBLE.sub("", text).lower()


_FOLDED: dict[int, tuple[DatasetSpec, dict[str, str]]] = {}


def folded_header_map(spec: DatasetSpec) -> dict[str, str]:
    """Folded accepted spelling -> canonical name (folded once per spec: the desk renames each
    posted record's fields, and folding every spelling again cost more than the record's checks).

    Held with the spec itself, so an id is never reused; callers must not change the map.
    """
    found = _FOLDED.get(id(spec))
    if found is None or found[0] is not spec:
        if len(_FOLDED) >= 64:
            _FOLDED.clear()
        folded = {fold_header(k): v for k, v in spec.header_map().items()}
        found = _FOLDED[id(spec)] = (spec, folded)
    return found[1]


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
    return [name for name in required_columns(spec, present) if name not in present]


def describe_field(spec: DatasetSpec, name: str) -> str:
    """`name (中文别名)` for messages to operators."""
    aliases = spec.field(name).aliases
    return f"{name} ({aliases[0]})" if aliases else name


_DIGITS = re.compile(r"[0-9Xx]{6,}")


def headers_seen(headers: list[str], spec: DatasetSpec) -> str:
    """The headers a file had, for an error message, without echoing a data row.

    A file without a header row has a data row in its place (a name, an ID): such a row names no
    known column, so only its width is reported; long digit runs are masked in any case.
    """
    cells = [str(h) for h in headers if not str(h).startswith("_")]
    if count_known(cells, spec) == 0:
        return f"{len(cells)} columns, none of them a known header (是否缺少表头行？)"
    shown = [_DIGITS.sub("***", c)[:40] for c in cells[:30]]
    more = f" … +{len(cells) - 30}" if len(cells) > 30 else ""
    return "headers found: " + " | ".join(shown) + more


def conform(frame: pl.DataFrame, spec: DatasetSpec, source: str) -> pl.DataFrame:
    """Canonical headers, every column as String, absent optional columns as null, provenance.

    Cells that are too long or hold control characters mark their row for quarantine
    (`pipelines.ingest.rows`); those rows keep no values.
    """
    own = [c for c in frame.columns if not c.startswith("_")]
    frame = frame.rename(dict(zip(own, canonical_names(own, spec), strict=True)))
    absent = missing_required(frame.columns, spec)
    if absent:
        names = ", ".join(describe_field(spec, n) for n in absent)
        raise InputError(
            f"{source}: required column missing for {spec.name} ({spec.title_zh}): {names}"
            f" (缺少必填列); {headers_seen(own, spec)}"
        )
    frame = frame.with_columns(pl.exclude("_row").cast(pl.String))
    frame = blank_rejected(mark_bad_cells(frame))
    refuse_mojibake(frame, [f.name for f in spec.fields if f.name.endswith(_NAME)], source)
    added = [
        pl.lit(None, pl.String).alias(f.name) for f in spec.fields if f.name not in frame.columns
    ]
    if "_row" not in frame.columns:  # the XLSX reader numbers rows itself, before dropping blanks
        added.append(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("_row"))
    frame = frame.with_columns(*added, pl.lit(source, pl.String).alias("_source"))
    return frame.select(pl.exclude("_source", "_row"), "_source", "_row")
