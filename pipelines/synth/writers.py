"""Write frames in the formats, encodings and header languages agencies really send.

`mixed` rotates deterministically over CSV UTF-8, CSV UTF-8 with BOM, CSV GB18030, XLSX (with and
without a hand-typed title row), Parquet and JSON Lines, alternating Chinese and English headers.
XLSX is only written up to `XLSX_MAX_ROWS`; above it the file falls back to CSV with BOM (what an
Excel user would export) and the manifest says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl

from data_contracts.schemas import spec

FORMATS = ("csv_utf8", "csv_bom", "csv_gb18030", "xlsx", "xlsx_title", "parquet", "jsonl")
EXT = {
    "csv_utf8": "csv",
    "csv_bom": "csv",
    "csv_gb18030": "csv",
    "xlsx": "xlsx",
    "xlsx_title": "xlsx",
    "parquet": "parquet",
    "jsonl": "jsonl",
}
ENCODING = {
    "csv_utf8": "utf-8",
    "csv_bom": "utf-8-sig",
    "csv_gb18030": "gb18030",
    "xlsx": "xlsx",
    "xlsx_title": "xlsx",
    "parquet": "parquet",
    "jsonl": "utf-8",
}
XLSX_MAX_ROWS = 50_000
_FIXED_TIME = dt.datetime(
    2025, 6, 30, 0, 0, 0
)  # xlsx core properties, so reruns are byte-identical


@dataclass(frozen=True)
class FileInfo:
    """One written file, as recorded in the manifest."""

    path: str
    dataset: str
    format: str
    encoding: str
    header_lang: str
    title_row: bool
    rows: int
    fallback_from: str | None = None

    def to_dict(self) -> dict[str, object]:
        """Plain dict for JSON."""
        return asdict(self)


def zh_headers(frame: pl.DataFrame, dataset: str) -> pl.DataFrame:
    """Rename canonical columns to their first Chinese alias."""
    ds = spec(dataset)
    names = {f.name: f.aliases[0] for f in ds.fields if f.aliases and f.name in frame.columns}
    return frame.rename(names)


def _as_text(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.all().cast(pl.String))


def _write_xlsx(frame: pl.DataFrame, path: Path, title: str | None) -> None:
    import xlsxwriter  # only XLSX worlds need it; every CLI start imports this package

    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_urls": False})
    book.set_properties({"created": _FIXED_TIME})
    sheet = book.add_worksheet("Sheet1")
    top = 0
    if title:
        sheet.write_string(0, 0, title)
        top = 1
    for c, name in enumerate(frame.columns):
        sheet.write_string(top, c, name)
    for r, row in enumerate(frame.iter_rows(), start=top + 1):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write_string(r, c, value)
    book.close()


def write(
    frame: pl.DataFrame, out_dir: Path, stem: str, dataset: str, fmt: str, lang: str, title_zh: str
) -> FileInfo:
    """Write `frame` (canonical headers) as `out_dir/stem.<ext>`, format `fmt`, header `lang`."""
    fallback = None
    if fmt.startswith("xlsx") and frame.height > XLSX_MAX_ROWS:
        fallback, fmt = fmt, "csv_bom"
    table = _as_text(zh_headers(frame, dataset) if lang == "zh" else frame)
    path = out_dir / f"{stem}.{EXT[fmt]}"
    out_dir.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        table.write_parquet(path, statistics=False)
    elif fmt == "jsonl":
        table.write_ndjson(path)
    elif fmt.startswith("xlsx"):
        _write_xlsx(table, path, f"{title_zh}（导出）" if fmt == "xlsx_title" else None)
    else:
        text = table.write_csv()
        path.write_bytes(text.encode(ENCODING[fmt]))
    return FileInfo(
        str(path.relative_to(out_dir.parent)),
        dataset,
        fmt,
        ENCODING[fmt],
        lang,
        fmt == "xlsx_title",
        frame.height,
        fallback,
    )
