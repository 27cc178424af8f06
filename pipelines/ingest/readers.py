"""Readers for each accepted format, all returning every column as text.

Everything is read as `pl.String`: typing is the data contract's job, and reading an ID as a
number would destroy it. Where a format carries real numbers (Parquet, JSON), floats are written
out in the shortest round-trip form, so a large float that once was an ID shows as `1.1e+17` and
is recognised downstream as lost rather than passed off as a valid 18-digit number.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import polars as pl

from pipelines.errors import InputError
from pipelines.ingest.csvrows import tolerant_csv
from pipelines.ingest.sniff import decode_text, sniff_delimiter


def _as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Every column as String; nested values as JSON text."""
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.Struct):
            exprs.append(col.struct.json_encode())
        elif isinstance(dtype, pl.List | pl.Array):
            exprs.append(
                pl.struct(col)
                .struct.json_encode()
                .str.extract(r"^\{\"[^\"]*\":(.*)\}$")
                .alias(name)
            )
        else:
            exprs.append(col.cast(pl.String))
    return frame.select(exprs)


def read_csv(data: bytes, name: str) -> pl.DataFrame:
    """A delimited text table; polars parses bytes directly when they are already UTF-8.

    A file polars refuses (a row with too many fields, an unbalanced quote) is read again
    record by record, and only the bad records are marked for quarantine (`csvrows`).
    """
    data = _unify_line_ends(data)
    header = _utf8_header(data)
    if header is not None:
        # Plain UTF-8, the usual case: polars validates the values' UTF-8 while it parses (not
        # the header's: checked above), so the whole file need not be decoded in Python first
        # (3 s and ~1 GB for a national list).
        try:
            return _checked_breaks(_parse_csv(data, header), lambda: data.decode("utf-8"))
        except pl.exceptions.PolarsError:
            pass  # bad UTF-8 in a value, or a malformed row: both are judged on decoded text
    text, encoding = decode_text(data, name)
    if "\r" in text:  # UTF-16 files skipped the byte-level pass
        text = _BARE_CR_TEXT.sub("\n", text)
    if not text.strip():
        raise InputError(f"{name}: the file holds no header row (文件为空)")
    payload = data if encoding == "utf-8" else text.encode("utf-8")
    end = text.find("\n")
    first_line = text[: end if end >= 0 else len(text)].lstrip("\ufeff")
    try:
        return _checked_breaks(_parse_csv(payload, first_line), lambda: text)
    except pl.exceptions.PolarsError:
        return tolerant_csv(text, sniff_delimiter(first_line))


def _checked_breaks(frame: pl.DataFrame, decoded: Callable[[], str]) -> pl.DataFrame:
    """`frame`, unless a value holds a line break: then the records are re-read one by one.

    polars lets an unbalanced quote swallow the following lines into one value (and fills the
    short row with nulls), which would lose those records silently. Genuine quoted line breaks
    are rare, so only files that have any pay for the careful pass.
    """
    broken = frame.select(
        pl.any_horizontal(pl.all().str.contains("[\r\n]").fill_null(False)).any()
    ).item()
    if not broken:
        return frame
    text = decoded()  # only now: decoding a national list in Python costs seconds
    first = text[: max(text.find("\n"), 0) or len(text)].lstrip("\ufeff")
    return tolerant_csv(text, sniff_delimiter(first))


_BARE_CR = re.compile(rb"\r(?!\n)")
_BARE_CR_TEXT = re.compile(r"\r(?!\n)")


def _unify_line_ends(data: bytes) -> bytes:
    """Old-Mac bare CR line ends as LF (CRLF stays): else the file is one enormous header line.

    Skipped for UTF-16, whose code units may hold a 0x0D byte; its text is fixed after decoding.
    GB18030 never uses 0x0D inside a multi-byte character, so the byte-level pass is safe there.
    """
    if b"\r" not in data or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data
    return _BARE_CR.sub(b"\n", data)


_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def _utf8_header(data: bytes) -> str | None:
    """The header line when the file has no BOM and a non-blank, valid UTF-8 header."""
    if data.startswith(_BOMS):
        return None
    end = data.find(b"\n")
    try:
        header = data[: end if end >= 0 else len(data)].decode("utf-8")
    except UnicodeDecodeError:
        return None
    return header if header.strip() else None


def _parse_csv(payload: bytes, first_line: str) -> pl.DataFrame:
    return pl.read_csv(
        io.BytesIO(payload),
        separator=sniff_delimiter(first_line),
        infer_schema=False,
        truncate_ragged_lines=False,
    )


def read_jsonl(data: bytes, name: str) -> pl.DataFrame:
    """JSON Lines (or one JSON array of objects), decoded like text tables."""
    text, _ = decode_text(data, name)
    payload = text.encode("utf-8")
    reader = pl.read_json if text.lstrip().startswith("[") else pl.read_ndjson
    try:
        # Inferred types first, so float IDs stay visibly floats; mixed-type keys fall back to text.
        frame = reader(io.BytesIO(payload), infer_schema_length=None)
    except pl.exceptions.PolarsError:
        try:
            keys = _json_keys(text)
            frame = reader(io.BytesIO(payload), schema={k: pl.String for k in keys})
        except (ValueError, pl.exceptions.PolarsError) as exc:
            raise InputError(
                f"{name}: not valid JSON Lines ({_json_fault(exc)}; 格式错误)"
            ) from None
    return _as_text(frame)


def _json_keys(text: str) -> list[str]:
    """Keys of every object, in first-seen order (slow path for mixed-type files only)."""
    stripped = text.lstrip()
    objects = (
        json.loads(stripped)
        if stripped.startswith("[")
        else (json.loads(line) for line in text.splitlines() if line.strip())
    )
    keys: dict[str, None] = {}
    for obj in objects:
        if not isinstance(obj, dict):
            raise ValueError("a line is not a JSON object")
        keys.update(dict.fromkeys(obj))
    return list(keys)


def read_parquet(path: Path) -> pl.DataFrame:
    """A Parquet file, every column cast to text."""
    try:
        return _as_text(pl.read_parquet(path))
    except pl.exceptions.PolarsError as exc:
        raise InputError(
            f"{path.name}: not a readable Parquet file ({_first_line(exc)}; 无法读取)"
        ) from None


def _json_fault(exc: BaseException) -> str:
    """Where JSON broke, without the text around it (it may hold a name or an ID)."""
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno}"
    return "a line is not a JSON object" if isinstance(exc, ValueError) else type(exc).__name__


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
