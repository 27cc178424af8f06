"""Excel workbooks: find the real header row and keep number-cell IDs recognisable as lost.

Agencies put a title line (`某市酒店住宿登记表 2024年5月`) or a blank row above the header, so the
header is the first of the top rows that names known columns. Excel stores numbers as doubles
with 15 significant digits: an 18-digit ID typed into a number cell has lost its last digits
(`110105194912310021` -> `110105194912310000`, displayed `1.10105E+17`). fastexcel renders such
a cell as plain digits, indistinguishable from a good ID, so the sheet XML is scanned for number
cells in ID columns and those are rendered in Excel's scientific form, which `matching.ids`
classifies as `mangled`. Numbers of up to 15 digits survive a double exactly and are kept.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import fastexcel
import polars as pl

from data_contracts.schemas import DatasetSpec
from pipelines.errors import InputError
from pipelines.ingest.headers import count_known, fold_header, folded_header_map

HEADER_SCAN_ROWS = 30
_CELL = re.compile(rb"<c r=\"([A-Z]+)([0-9]+)\"([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_EXACT_DIGITS = 15


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def _first_sheet_xml(path: Path) -> bytes | None:
    """Raw XML of the first worksheet, or None when the zip does not look like Excel's layout."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = sorted(
                n for n in zf.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)
            )
            if not names:
                return None
            first = "xl/worksheets/sheet1.xml" if "xl/worksheets/sheet1.xml" in names else names[0]
            return zf.read(first)
    except (zipfile.BadZipFile, OSError, KeyError):
        return None


def number_cells(path: Path, columns: set[int]) -> tuple[int, dict[tuple[int, int], str]]:
    """(first sheet row holding a value, {(sheet_row, column): number text}) for `columns`."""
    xml = _first_sheet_xml(path)
    if xml is None:
        return 0, {}
    first_row: int | None = None
    found: dict[tuple[int, int], str] = {}
    for m in _CELL.finditer(xml):
        body = m.group(4) or b""
        if b"<v>" not in body and b"<is>" not in body:
            continue  # styled empty cell: calamine does not count it
        row = int(m.group(2)) - 1
        first_row = row if first_row is None else min(first_row, row)
        col = _col_index(m.group(1))
        attrs = m.group(3)
        if col in columns and (b't="' not in attrs or b't="n"' in attrs):
            v = _VALUE.search(body)
            if v:
                found[(row, col)] = v.group(1).decode()
    return first_row or 0, found


def _lost_number_text(value: str) -> str | None:
    """Scientific text for a number that cannot hold an ID exactly; None when it can."""
    try:
        number = float(value)
    except ValueError:
        return None
    if number.is_integer() and len(str(int(abs(number)))) <= _EXACT_DIGITS:
        return None
    return f"{number:.5E}"  # Excel's General display, e.g. 1.10105E+17


def _header_index(rows: list[list[object]], spec: DatasetSpec) -> int:
    """Index of the first top row naming known columns (at least two, or every cell it has)."""
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        filled = [c for c in row if c not in (None, "")]
        known = count_known(filled, spec)
        if known >= 2 or (filled and known == len(filled)):
            return i
    return 0  # no header recognised: the first row, so the missing-column error names the gap


def read_xlsx(path: Path, spec: DatasetSpec) -> pl.DataFrame:
    """First sheet of a workbook as strings, header row detected, rows numbered as data rows."""
    try:
        sheet = fastexcel.read_excel(path).load_sheet(0, header_row=None, dtypes="string")
        grid = pl.from_arrow(sheet.to_arrow())
        abs_cols = [c.absolute_index for c in sheet.available_columns()]
    except Exception as exc:  # fastexcel raises its own hierarchy for every unreadable workbook
        raise InputError(
            f"{path.name}: not a readable Excel workbook ({type(exc).__name__}; 无法读取)"
        ) from None
    assert isinstance(grid, pl.DataFrame)
    if grid.height == 0:
        raise InputError(f"{path.name}: the workbook's first sheet is empty (工作表为空)")
    top = grid.head(HEADER_SCAN_ROWS).rows()
    h = _header_index([list(r) for r in top], spec)
    headers = [str(c) if c is not None else f"column_{i + 1}" for i, c in enumerate(top[h])]
    data = grid.slice(h + 1).rename(dict(zip(grid.columns, headers, strict=True)))
    data = data.with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("_row"))
    if path.suffix.lower() != ".xls":
        data = _mark_lost_ids(path, spec, data, headers, abs_cols, h)
    # Formatted but blank rows at the bottom are Excel residue, not records.
    return data.filter(~pl.all_horizontal(pl.exclude("_row").is_null()))


def _mark_lost_ids(
    path: Path,
    spec: DatasetSpec,
    data: pl.DataFrame,
    headers: list[str],
    abs_cols: list[int],
    h: int,
) -> pl.DataFrame:
    """Replace number-cell IDs that a double cannot hold with their scientific display text."""
    lookup = folded_header_map(spec)
    id_names = {f.name for f in spec.fields if f.kind == "id"}
    id_cols = {
        abs_cols[i]: headers[i]
        for i, hd in enumerate(headers)
        if lookup.get(fold_header(hd)) in id_names
    }
    if not id_cols:
        return data
    first_row, cells = number_cells(path, set(id_cols))
    for abs_col, header in id_cols.items():
        patch = {
            row - first_row - h - 1: text
            for (row, col), value in cells.items()
            if col == abs_col and (text := _lost_number_text(value)) is not None
        }
        if patch:
            idx = pl.Series(list(patch), dtype=pl.Int64)
            values = pl.Series(list(patch.values()), dtype=pl.String)
            fixed = data[header].scatter(
                idx.filter((idx >= 0) & (idx < data.height)),
                values.filter((idx >= 0) & (idx < data.height)),
            )
            data = data.with_columns(fixed)
    return data
