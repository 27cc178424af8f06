"""Recognise what a source file is, whatever its extension says.

Agencies rename files freely (a Parquet export called `.csv`, JSON Lines called `.txt`), so the
content decides the format and the extension only breaks ties. Text is decoded strictly: UTF-8
(with or without BOM) first, then UTF-16 when it carries a BOM, then GB18030 (a superset of GBK,
what Chinese Excel writes by default). Nothing is decoded lossily: a file that is none of these
is refused rather than read with replacement characters in names and IDs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pipelines.errors import InputError

Format = Literal["csv", "xlsx", "xls", "parquet", "jsonl"]
_EXT: dict[str, Format] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xls": "xls",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}
_UTF8_BOM = b"\xef\xbb\xbf"


def sniff_format(path: Path, head: bytes) -> Format:
    """Format of a file from its first bytes, falling back to its extension."""
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"  # a zip container; fastexcel refuses zips that are not workbooks
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"  # legacy OLE2 workbook
    text = head.removeprefix(_UTF8_BOM).lstrip()
    if text.startswith((b"{", b"[")):
        return "jsonl"
    ext = _EXT.get(path.suffix.lower())
    # A text file is a table either way; trust the extension only for the text formats.
    return ext if ext in ("csv", "jsonl") else "csv"


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode a text table strictly; return (text, encoding used)."""
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
        try:
            return data.decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise InputError(f"{name}: not valid UTF-8 despite its BOM (编码无法识别)") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise InputError(f"{name}: not valid UTF-16 despite its BOM (编码无法识别)") from None
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise InputError(
        f"{name}: unreadable text encoding, expected UTF-8 or GB18030/GBK (编码无法识别)"
    )


def sniff_delimiter(first_line: str) -> str:
    """The field separator of a delimited text table, judged on its header line."""
    counts = {sep: first_line.count(sep) for sep in (",", "\t", ";", "|")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","
