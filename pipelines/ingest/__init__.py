"""Source readers: any accepted file -> the raw frame of docs/ARCHITECTURE.md.

`read_dataset(path, dataset)` returns every canonical column as `pl.String` (absent optional
columns as null), unknown extra columns under their own header, `_source` (file name) and `_row`
(1-based data-row number). Anything that makes the file unreadable as a whole raises a one-line
`InputError`; row-level problems are left to `data_contracts.validate`.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from data_contracts.schemas import spec as dataset_spec
from pipelines.errors import InputError
from pipelines.ingest.headers import conform
from pipelines.ingest.readers import read_csv, read_jsonl, read_parquet
from pipelines.ingest.sniff import sniff_format
from pipelines.ingest.xlsx import read_xlsx

__all__ = ["read_dataset"]


def read_dataset(path: Path | str, dataset: str) -> pl.DataFrame:
    """Read one source file of `dataset` into the raw frame (all text, canonical headers)."""
    path = Path(path)
    try:
        spec = dataset_spec(dataset)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file (应为文件，而非文件夹)")
    if not path.is_file():
        raise InputError(f"{path}: file not found (文件不存在)")
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise InputError(f"{path.name}: cannot be opened ({exc.strerror}; 无法打开)") from None
    if not head:
        raise InputError(f"{path.name}: the file is empty, 0 bytes (文件为空)")
    fmt = sniff_format(path, head)
    if fmt in ("xlsx", "xls"):
        frame = read_xlsx(path, spec)
    elif fmt == "parquet":
        frame = read_parquet(path)
    else:
        data = path.read_bytes()
        frame = read_jsonl(data, path.name) if fmt == "jsonl" else read_csv(data, path.name)
    return conform(frame, spec, path.name)
