"""Checks made before a sweep does any work: an output or warehouse it cannot use stops it now.

Without them a typo in `--out` or a `--warehouse` that is not a DuckDB file was found only after
the whole sweep, with alerts already committed. Each check ends in one line naming the option.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pipelines.errors import CredsweepError

# Every DuckDB database file carries this magic at byte offset 8 (its storage header).
_DUCKDB_MAGIC = b"DUCK"


def writable_folder(path: Path, option: str) -> None:
    """`path` is (or can become) a folder this process can create files in."""
    if path.exists() and not path.is_dir():
        raise CredsweepError(f"{option} {path}: is a file, not a folder (输出目录不可用)")
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".probe-", suffix=".tmp", dir=path)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise CredsweepError(
            f"{option} {path}: cannot write there ({exc.strerror or type(exc).__name__};"
            " 输出目录不可写)"
        ) from None


def usable_warehouse(path: Path) -> None:
    """`path` is a DuckDB database file, or a new one can be created there."""
    option = "--warehouse"
    if path.is_dir():
        raise CredsweepError(f"{option} {path}: is a folder, not a database file (仓库文件不可用)")
    if path.exists():
        try:
            with path.open("rb") as fh:
                head = fh.read(16)
        except OSError as exc:
            raise CredsweepError(
                f"{option} {path}: cannot be opened ({exc.strerror}; 仓库文件不可用)"
            ) from None
        if head[8:12] != _DUCKDB_MAGIC:
            raise CredsweepError(f"{option} {path}: not a DuckDB database file (不是DuckDB数据库)")
        if not os.access(path, os.W_OK):
            raise CredsweepError(f"{option} {path}: is read-only (仓库文件只读)")
        return
    writable_folder(path.parent, f"{option} folder")
