"""Excel workbooks: find the real header row and keep number-cell IDs recognisable as lost.

Agencies put a title line (`某市酒店住宿登记表 2024年5月`) or a blank row above the header, so the
header is the first of the top rows that names known columns. Excel stores numbers as doubles
with 15 significant digits: an 18-digit ID typed into a number cell has lost its last digits
(`110105194912310021` -> `110105194912310000`, displayed `1.10105E+17`). fastexcel renders such
a cell as plain digits, indistinguishable from a good ID, so a sheet's ID columns are read a
second time as cell types (calamine's own, no pass over the sheet XML) and number cells that a
double cannot hold are rendered in Excel's scientific form, which `matching.ids` classifies as
`mangled`. Numbers of up to 15 digits survive a double exactly and are kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import fastexcel
import polars as pl

from data_contracts.derive import required_columns
from data_contracts.schemas import DatasetSpec
from pipelines.errors import InputError
from pipelines.ingest.headers import count_known, fold_header, folded_header_map, headers_seen

log = logging.getLogger("credsweep.ingest")
HEADER_SCAN_ROWS = 30
_EXACT_DIGITS = 15


def _lost_number_text(number: float) -> str:
    """Excel's General display of a number, e.g. 1.10105E+17 (what the clerk saw)."""
    return f"{number:.5E}"


@dataclass(frozen=True)
class _Sheet:
    """One worksheet as a grid of text, with where its header row is (None: it has none)."""

    index: int
    name: str
    grid: pl.DataFrame
    abs_cols: list[int]
    header: int | None


def _load_sheets(path: Path, spec: DatasetSpec) -> list[_Sheet]:
    try:
        reader = fastexcel.read_excel(path)
        sheets = []
        for i, name in enumerate(reader.sheet_names):
            sheet = reader.load_sheet(i, header_row=None, dtypes="string")
            grid = pl.from_arrow(sheet.to_arrow())
            assert isinstance(grid, pl.DataFrame)
            abs_cols = [c.absolute_index for c in sheet.available_columns()]
            top = [list(r) for r in grid.head(HEADER_SCAN_ROWS).rows()]
            sheets.append(_Sheet(i, name, grid, abs_cols, _header_index(top, spec)))
    except Exception as exc:  # fastexcel raises its own hierarchy for every unreadable workbook
        raise InputError(
            f"{path.name}: not a readable Excel workbook ({type(exc).__name__}; 无法读取)"
        ) from None
    return sheets


def _header_index(rows: list[list[object]], spec: DatasetSpec) -> int | None:
    """Index of the first top row naming known columns (at least two, or every cell it has)."""
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        filled = [c for c in row if c not in (None, "")]
        known = count_known(filled, spec)
        if known >= 2 or (filled and known == len(filled)):
            return i
    return None


def _has_required(headers: list[str], spec: DatasetSpec) -> bool:
    lookup = folded_header_map(spec)
    named = {lookup.get(fold_header(h)) for h in headers}
    return all(r in named for r in required_columns(spec, {n for n in named if n}))


def _headers(sheet: _Sheet) -> list[str]:
    row = sheet.grid.row(sheet.header or 0)
    return [str(c) if c is not None else f"column_{i + 1}" for i, c in enumerate(row)]


def _no_dataset(path: Path, sheets: list[_Sheet], spec: DatasetSpec) -> InputError:
    """The one-line refusal naming every sheet and what header it had (never a data row)."""
    parts = []
    for sh in sheets:
        if sh.grid.height == 0:
            parts.append(f"「{sh.name}」empty")
        elif sh.header is None:
            parts.append(f"「{sh.name}」no header row")
        else:
            parts.append(f"「{sh.name}」{headers_seen(_headers(sh), spec)}")
    needed = ", ".join(spec.required)
    return InputError(
        f"{path.name}: no sheet holds the {spec.name} ({spec.title_zh}) table with its required"
        f" columns {needed}; sheets: {'; '.join(parts)} (未找到数据表)"
    )


def read_xlsx(path: Path, spec: DatasetSpec) -> pl.DataFrame:
    """Every sheet holding the dataset, as strings: header row detected, rows numbered in order.

    The dataset starts on the first sheet whose header names every required column (a cover or
    notes sheet before it is skipped). Later sheets join it when they repeat that header, or,
    having no header row at all, are exactly as wide as the table: an export split over sheets
    (Excel's 1,048,576-row limit, or a clerk's page per month). Any other sheet is left out and
    logged by name. No sheet with the dataset: a one-line error naming each sheet's headers.
    """
    sheets = _load_sheets(path, spec)
    if all(sh.grid.height == 0 for sh in sheets):
        raise InputError(f"{path.name}: every sheet of the workbook is empty (工作表为空)")
    first = next(
        (sh for sh in sheets if sh.header is not None and _has_required(_headers(sh), spec)),
        None,
    )
    if first is None:
        if len(sheets) == 1:  # one sheet: the missing-column error names the gap precisely
            return _sheet_rows(path, spec, sheets[0], _headers(sheets[0]), sheets[0].header or 0)
        raise _no_dataset(path, sheets, spec)
    headers = _headers(first)
    parts = [_sheet_rows(path, spec, first, headers, first.header or 0)]
    for sh in sheets[first.index + 1 :]:
        if sh.grid.height == 0:
            continue
        if sh.header is not None and _same_table(_headers(sh), headers, spec):
            named = _as_first(_headers(sh), headers, spec)
            parts.append(_sheet_rows(path, spec, sh, named, sh.header))
        elif sh.header is None and sh.grid.width == len(headers):
            parts.append(_sheet_rows(path, spec, sh, headers, -1))
        else:
            log.warning(
                "%s: sheet %r left out: not a part of the %s table", path.name, sh.name, spec.name
            )
    frame = pl.concat(
        [p.select(parts[0].columns) for p in parts[:1]]
        + [_align(p, parts[0].columns) for p in parts[1:]],
        how="vertical",
    )
    # one numbering for the whole workbook, so a quarantine row number points at one record
    return frame.with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("_row"))


def _same_table(these: list[str], first: list[str], spec: DatasetSpec) -> bool:
    lookup = folded_header_map(spec)
    return {lookup.get(fold_header(h), h) for h in these} == {
        lookup.get(fold_header(h), h) for h in first
    }


def _as_first(these: list[str], first: list[str], spec: DatasetSpec) -> list[str]:
    """A later sheet's headers spelled as the first sheet's (记录编号 there, record_id here)."""
    lookup = folded_header_map(spec)
    by_canon = {lookup.get(fold_header(h), h): h for h in first}
    return [by_canon.get(lookup.get(fold_header(h), h), h) for h in these]


def _align(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """`frame` with the first sheet's column names (matched by canonical name when renamed)."""
    return frame.select(
        [pl.col(c) if c in frame.columns else pl.lit(None, pl.String).alias(c) for c in columns]
    )


def _sheet_rows(
    path: Path, spec: DatasetSpec, sheet: _Sheet, headers: list[str], h: int
) -> pl.DataFrame:
    """The data rows of one sheet under `headers` (`h` = header row, -1 when it has none)."""
    grid = sheet.grid
    if grid.height == 0:
        raise InputError(
            f"{path.name}: the workbook's sheet 「{sheet.name}」 is empty (工作表为空)"
        )
    data = grid.slice(h + 1).rename(dict(zip(grid.columns, headers, strict=True)))
    data = data.with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("_row"))
    if path.suffix.lower() != ".xls":
        data = _mark_lost_ids(path, spec, data, headers, sheet, h)
    # Formatted but blank rows at the bottom are Excel residue, not records.
    return data.filter(~pl.all_horizontal(pl.exclude("_row").is_null()))


def _number_cell_mask(path: Path, sheet: int, names: list[str]) -> pl.DataFrame:
    """Per sheet row, whether each named column's cell is a number (or boolean) cell.

    calamine knows each cell's type: read as booleans with coercion, text cells come back null
    and number cells as true/false, so no pass over the sheet XML is needed. Same options as the
    text read (no header row, same sheet), so the rows line up with it.
    """
    loaded = fastexcel.read_excel(path).load_sheet(
        sheet,
        header_row=None,
        use_columns=names,
        dtypes=dict.fromkeys(names, "boolean"),
        dtype_coercion="coerce",
    )
    frame = pl.from_arrow(loaded.to_arrow())
    assert isinstance(frame, pl.DataFrame)
    return frame.select(pl.col(n).is_not_null() for n in names)


def _mark_lost_ids(
    path: Path,
    spec: DatasetSpec,
    data: pl.DataFrame,
    headers: list[str],
    sheet: _Sheet,
    h: int,
) -> pl.DataFrame:
    """Replace number-cell IDs that a double cannot hold with their scientific display text."""
    lookup = folded_header_map(spec)
    id_names = {f.name for f in spec.fields if f.kind == "id"}
    id_cols = {
        sheet.grid.columns[i]: headers[i]
        for i, hd in enumerate(headers)
        if lookup.get(fold_header(hd)) in id_names
    }
    if not id_cols:
        return data
    mask = _number_cell_mask(path, sheet.index, list(id_cols)).slice(h + 1, data.height)
    if mask.height < data.height:  # never expected (same sheet, same options): mark none there
        pad = pl.DataFrame({n: [False] * (data.height - mask.height) for n in mask.columns})
        mask = pl.concat([mask, pad])
    fixes = []
    for name, header in id_cols.items():
        number = data[header].cast(pl.Float64, strict=False)
        # up to 15 digits an integer survives a double exactly: such a number cell is kept
        exact = (number == number.round(0)) & (number.abs() < 10.0**_EXACT_DIGITS)
        lost = (mask[name] & number.is_not_null() & ~exact).arg_true()
        if lost.len():
            shown = pl.Series([_lost_number_text(v) for v in number.gather(lost)], dtype=pl.String)
            fixes.append(data[header].scatter(lost, shown))
    return data.with_columns(fixes) if fixes else data
