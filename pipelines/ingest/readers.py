"""Readers for each accepted format, all returning every column as text.

Everything is read as `pl.String`: typing is the data contract's job, and reading an ID as a
number would destroy it. Where a format carries real numbers (Parquet, JSON), floats are written
out in the shortest round-trip form, so a large float that once was an ID shows as `1.1e+17` and
is recognised downstream as lost rather than passed off as a valid 18-digit number.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import polars as pl

from pipelines.errors import InputError
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
    """A delimited text table; polars parses bytes directly when they are already UTF-8."""
    header = _utf8_header(data)
    if header is not None:
        # Plain UTF-8, the usual case: polars validates the values' UTF-8 while it parses (not
        # the header's: checked above), so the whole file need not be decoded in Python first
        # (3 s and ~1 GB for a national list).
        try:
            return _parse_csv(data, header)
        except pl.exceptions.ComputeError as exc:
            if "utf-8" not in str(exc).lower():
                raise _malformed(name, exc) from None
        except pl.exceptions.PolarsError as exc:
            raise _malformed(name, exc) from None
    text, encoding = decode_text(data, name)
    if not text.strip():
        raise InputError(f"{name}: the file holds no header row (文件为空)")
    payload = data if encoding == "utf-8" else text.encode("utf-8")
    end = text.find("\n")
    first_line = text[: end if end >= 0 else len(text)].lstrip("\ufeff")
    del text
    try:
        return _parse_csv(payload, first_line)
    except pl.exceptions.PolarsError as exc:
        raise _malformed(name, exc) from None


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


def _malformed(name: str, exc: BaseException) -> InputError:
    return InputError(f"{name}: not a well-formed CSV table ({_first_line(exc)}; 格式错误)")


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
                f"{name}: not valid JSON Lines ({_first_line(exc)}; 格式错误)"
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


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
