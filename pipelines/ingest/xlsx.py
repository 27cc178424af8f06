"""Excel workbooks: find the real header row and keep number-cell IDs recognisable as lost.

Agencies put a title line (`某市酒店住宿登记表 2024年5月`) or a blank row above the header, so the
header is the first of the top rows that names known columns. Excel stores numbers as doubles
with 15 significant digits: an 18-digit ID typed into a number cell has lost its last digits
(`110105194912310021` -> `110105194912310000`, displayed `1.10105E+17`). fastexcel renders such
a cell as plain digits, indistinguishable from a good ID, so the ID columns are read a second
time as cell types (calamine's own, no XML scan) and number cells that a double cannot hold are
rendered in Excel's scientific form, which `matching.ids` classifies as `mangled`.
Numbers of up to 15 digits survive a double exactly and are kept.
"""

from __future__ import annotations

from pathlib import Path

import fastexcel
import polars as pl

from data_contracts.schemas import DatasetSpec
from pipelines.errors import InputError
from pipelines.ingest.headers import count_known, fold_header, folded_header_map

HEADER_SCAN_ROWS = 30
_EXACT_DIGITS = 15


def _lost_number_text(number: float) -> str:
    """Excel's General display of a number, e.g. 1.10105E+17 (what the clerk saw)."""
    return f"{number:.5E}"


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
        data = _mark_lost_ids(path, spec, grid, data, headers, h)
    # Formatted but blank rows at the bottom are Excel residue, not records.
    return data.filter(~pl.all_horizontal(pl.exclude("_row").is_null()))


def _number_cell_mask(path: Path, names: list[str]) -> pl.DataFrame:
    """Per sheet row, whether each named column's cell is a number (or boolean) cell.

    calamine knows each cell's type; read as booleans with coercion, text cells come back null
    and number cells as true/false, so no pass over the sheet XML is needed. Same options as
    the text read (no header row, same sheet), so the rows line up with it.
    """
    sheet = fastexcel.read_excel(path).load_sheet(
        0,
        header_row=None,
        use_columns=names,
        dtypes=dict.fromkeys(names, "boolean"),
        dtype_coercion="coerce",
    )
    frame = pl.from_arrow(sheet.to_arrow())
    assert isinstance(frame, pl.DataFrame)
    return frame.select(pl.col(n).is_not_null() for n in names)


def _mark_lost_ids(
    path: Path,
    spec: DatasetSpec,
    grid: pl.DataFrame,
    data: pl.DataFrame,
    headers: list[str],
    h: int,
) -> pl.DataFrame:
    """Replace number-cell IDs that a double cannot hold with their scientific display text."""
    lookup = folded_header_map(spec)
    id_names = {f.name for f in spec.fields if f.kind == "id"}
    id_cols = {
        grid.columns[i]: headers[i]
        for i, hd in enumerate(headers)
        if lookup.get(fold_header(hd)) in id_names
    }
    if not id_cols:
        return data
    mask = _number_cell_mask(path, list(id_cols)).slice(h + 1, data.height)
    fixes = []
    for name, header in id_cols.items():
        number = data[header].cast(pl.Float64, strict=False)
        # up to 15 digits an integer survives a double exactly: such a number cell is kept
        exact = (number == number.round(0)) & (number.abs() < 10.0**_EXACT_DIGITS)
        lost = mask[name] & number.is_not_null() & ~exact
        if lost.any():
            shown = number.map_elements(_lost_number_text, return_dtype=pl.String)
            fixes.append(pl.when(lost).then(shown).otherwise(pl.col(header)).alias(header))
    return data.with_columns(fixes) if fixes else data
