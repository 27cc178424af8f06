"""A forgiving second pass over a CSV that the fast parser refused: bad rows kept, not fatal.

polars refuses a whole file for one row with too many fields or one unbalanced quote. When that
happens the text is read again record by record with the standard library's `csv` module: a
record is the physical line, extended over the next lines only while its quotes are unbalanced
(a quoted value may hold a line break) and never beyond `MAX_SPAN` lines; a record that still
does not close, or whose field count differs from the header's, becomes an empty row whose
`_reject` names the fault. Its values are not kept: quarantine shows the row number, not the
text, so a guest's name never reaches a report or a log.
"""

from __future__ import annotations

import csv

import polars as pl

from pipelines.ingest.rows import BAD_FIELD_COUNT, BAD_QUOTE, REJECT

MAX_SPAN = 50  # lines a quoted value may span before its quote is judged unbalanced


def _fields(record: str, sep: str) -> list[str] | None:
    """The fields of one record, or None when the csv module cannot take it apart."""
    try:
        rows = list(csv.reader([record], delimiter=sep, strict=True))
    except csv.Error:
        return None
    return rows[0] if len(rows) == 1 else None


def _records(lines: list[str], sep: str, width: int) -> list[tuple[list[str] | None, str | None]]:
    """(fields, None) or (None, reason) per record, in file order; blank lines skipped.

    A line with unbalanced quotes is joined with the next ones until the quotes balance; the
    join is kept only when it parses into exactly `width` fields, otherwise that one line is
    refused and reading resumes on the next, so a stray quote costs one row, not the rest.
    """
    out: list[tuple[list[str] | None, str | None]] = []
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        buf, span = lines[i], 1
        while buf.count('"') % 2 and span < MAX_SPAN and i + span < len(lines):
            buf += "\n" + lines[i + span]
            span += 1
        fields = _fields(buf, sep) if buf.count('"') % 2 == 0 else None
        if fields is not None and len(fields) == width:
            out.append((fields, None))
            i += span
            continue
        alone = _fields(lines[i], sep)
        if lines[i].count('"') % 2 == 0 and alone is not None:
            out.append((None, BAD_FIELD_COUNT))
        else:
            out.append((None, BAD_QUOTE))
        i += 1
    return out


def tolerant_csv(text: str, sep: str) -> pl.DataFrame:
    """Header plus every record as text; malformed records as empty rows with `_reject` set."""
    lines = text.lstrip("\ufeff").split("\n")
    lines = [line.removesuffix("\r") for line in lines]
    while lines and not lines[-1].strip():
        lines.pop()
    csv.field_size_limit(1 << 30)  # over-long cells are judged per cell, not by the parser
    header = _fields(lines[0], sep) or [lines[0]]
    width = len(header)
    columns: list[list[str | None]] = [[] for _ in range(width)]
    rejects: list[str | None] = []
    for fields, reason in _records(lines[1:], sep, width):
        for j in range(width):
            columns[j].append(fields[j] if fields is not None else None)
        rejects.append(reason)
    data: dict[str, list[str | None]] = {}
    for j, name in enumerate(header):
        key = name
        while key in data:  # polars names duplicates name_duplicated_N; keep them apart too
            key = f"{key}_duplicated_{j}"
        data[key] = columns[j]
    data[REJECT] = rejects
    return pl.DataFrame(data, schema={k: pl.String for k in data})
