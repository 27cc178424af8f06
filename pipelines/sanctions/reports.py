"""Per-agency hit reports in `outbox/<agency>/<run_date>/`: Excel, CSV (BOM) and JSON.

Agencies open the files themselves, so headers are Chinese, the CSV carries a BOM (Excel
otherwise reads UTF-8 as the local code page), ID numbers are written as text (Excel would turn
them into 1.10105E+17) and masked unless the agency needs them in full. Each file is written to a
temporary name and renamed, so a rerun replaces a report whole and a reader never sees half a file.
Only the agency's own rows are ever written: a foreign row is a bug, and stops the report.
"""

from __future__ import annotations

import json
import os
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from pathlib import Path

import polars as pl
import xlsxwriter

from pipelines.runtime.masking import mask_id, mask_name
from pipelines.sanctions.alerts import STATUS_ZH, withdrawals
from pipelines.sanctions.config import AgencySettings
from pipelines.sanctions.rules import DECISION_ZH, LIST_TYPE_ZH, ROLE_ZH
from pipelines.storage.cellsafe import neutral_frame
from pipelines.storage.hit_schema import header as hit_header
from pipelines.storage.hit_schema import masked
from pipelines.storage.warehouse import Warehouse


def _hit(column: str, key: str | None = None) -> tuple[str, str]:
    """(json key, Chinese header) of a hit column: the header is the hit schema's."""
    return (key or column, hit_header(column))


# (json key, Chinese header) of a hit row, in report order; status and deadline are the ledger's,
# case number and court the list entry's.
HIT_FIELDS: tuple[tuple[str, str], ...] = (
    _hit("alert_id"),
    ("status", "预警状态"),
    _hit("record_id"),
    _hit("role"),
    _hit("query_name", "name"),
    _hit("query_id_number", "id_number"),
    _hit("match_decision"),
    _hit("match_score"),
    _hit("action"),
    _hit("legal_basis"),
    ("deadline", "处置期限"),
    _hit("reason"),
    _hit("explanation_zh"),
    _hit("entry_id"),
    _hit("list_type"),
    ("case_no", "案号"),
    ("court", "执行法院"),
)
WITHDRAWAL_FIELDS: tuple[tuple[str, str], ...] = (
    _hit("alert_id"),
    ("status", "预警状态"),
    _hit("record_id"),
    _hit("role"),
    _hit("entry_id"),
    ("first_run", "首次预警日期"),
    ("sent_run", "发送日期"),
    ("withdrawn_run", "撤回日期"),
    ("reason", "撤回原因"),
)
_MAX_WIDTH = 60


def _text(frame: pl.DataFrame, column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String) if column in frame.columns else pl.lit(None, pl.String)


def _check_agency(hits: pl.DataFrame, agency: str) -> None:
    """Refuse to write when any row belongs to another agency (or carries no agency at all)."""
    if "agency" not in hits.columns:
        raise ValueError("hits lack the agency column; refusing to write an agency report")
    foreign = hits.filter(pl.col("agency").is_null() | (pl.col("agency") != agency)).height
    if foreign:
        raise ValueError(f"{foreign} hit rows do not belong to agency {agency}; report not written")


def report_rows(
    hits: pl.DataFrame, ledger: pl.DataFrame, agency: str, settings: AgencySettings
) -> pl.DataFrame:
    """The agency's intercepted hits as report rows: masked, in words, with ledger deadlines."""
    _check_agency(hits, agency)
    rows = hits.filter(pl.col("intercept")) if "intercept" in hits.columns else hits
    rows = rows.join(ledger.select("alert_id", "status", "deadline"), on="alert_id", how="left")
    ids = _text(rows, "query_id_number")
    id_shown = ids if settings.needs_full_id else ids.map_elements(mask_id, return_dtype=pl.String)
    out = rows.select(
        pl.col("alert_id"),
        pl.col("status").replace_strict(STATUS_ZH, default=pl.col("status")),
        pl.col("record_id").cast(pl.String),
        pl.col("role").replace_strict(ROLE_ZH, default=pl.col("role")),
        _text(rows, "query_name").map_elements(mask_name, return_dtype=pl.String).alias("name"),
        id_shown.alias("id_number"),
        pl.col("match_decision").replace_strict(DECISION_ZH, default=pl.col("match_decision")),
        pl.col("match_score").cast(pl.Float64).round(3),
        _text(rows, "action").alias("action"),
        _text(rows, "legal_basis").alias("legal_basis"),
        pl.col("deadline"),
        _text(rows, "reason").alias("reason"),
        _text(rows, "explanation_zh").alias("explanation_zh"),
        pl.col("entry_id").cast(pl.String),
        _text(rows, "list_type").replace_strict(LIST_TYPE_ZH, default=_text(rows, "list_type")),
        _text(rows, "case_no").alias("case_no"),
        _text(rows, "court").alias("court"),
    )
    return out.sort("deadline", "record_id", "role", "entry_id", nulls_last=True)


def download_rows(hits: pl.DataFrame, settings: AgencySettings) -> pl.DataFrame:
    """Hit rows for an agency's own download, masked as its outbox report and safe to open.

    Names are masked, IDs too unless the agency needs them in full (as `report_rows`); the list
    side's ID is never needed by the agency; every text cell is formula-neutralised.
    """
    masks: list[pl.Expr] = []
    for column in masked("name"):
        if column in hits.columns:
            masks.append(_text(hits, column).map_elements(mask_name, return_dtype=pl.String))
    for column in masked("id"):
        needed = settings.needs_full_id and column == "query_id_number"
        if column in hits.columns and not needed:
            masks.append(_text(hits, column).map_elements(mask_id, return_dtype=pl.String))
    return neutral_frame(hits.with_columns(masks) if masks else hits)


def withdrawal_rows(withdrawn: pl.DataFrame) -> pl.DataFrame:
    """Withdrawn alerts as report rows, statuses and roles in words."""
    return withdrawn.select(
        pl.col("alert_id"),
        pl.col("status").replace_strict(STATUS_ZH, default=pl.col("status")),
        pl.col("record_id"),
        pl.col("role").replace_strict(ROLE_ZH, default=pl.col("role")),
        pl.col("entry_id"),
        pl.col("first_run"),
        pl.col("sent_run"),
        pl.col("withdrawn_run"),
        pl.col("reason"),
    )


def _atomic(target: Path, write: Callable[[Path], object]) -> Path:
    """Write through a temporary file in the same folder, then rename over the target."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _display_width(value: object) -> int:
    """Columns a value takes in Excel: CJK characters count double."""
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _write_sheet(
    book: xlsxwriter.Workbook, title: str, frame: pl.DataFrame, fields: Sequence[tuple[str, str]]
) -> None:
    """One sheet: bold frozen header, autofilter, text-typed IDs, dates as dates, fitted widths."""
    sheet = book.add_worksheet(title)
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    wrap = book.add_format({"text_wrap": False})
    for col, (_, header) in enumerate(fields):
        sheet.write_string(0, col, header, bold)
    for r, row in enumerate(frame.iter_rows(named=True), start=1):
        for col, (key, _) in enumerate(fields):
            value = row.get(key)
            if value is None:
                sheet.write_blank(r, col, None)
            elif isinstance(value, date):
                sheet.write_datetime(r, col, value, day)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(r, col, value)
            else:
                # always a string cell: text that starts with = stays text, never a formula
                sheet.write_string(r, col, str(value), wrap)
    for col, (key, header) in enumerate(fields):
        values = frame.get_column(key).to_list() if key in frame.columns else []
        widest = max([_display_width(header), *(_display_width(v) for v in values[:5000])])
        sheet.set_column(col, col, min(widest + 2, _MAX_WIDTH))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(frame.height, 1), len(fields) - 1)


def _xlsx(
    target: Path,
    sheets: Sequence[tuple[str, pl.DataFrame, Sequence[tuple[str, str]]]],
    run_date: date,
) -> Path:
    def write(tmp: Path) -> None:
        book = xlsxwriter.Workbook(
            str(tmp), {"strings_to_numbers": False, "strings_to_urls": False}
        )
        # stamped with the night, not the clock: rerunning a night gives the same bytes
        book.set_properties({"created": datetime.combine(run_date, time())})
        try:
            for title, frame, fields in sheets:
                _write_sheet(book, title, frame, fields)
        finally:
            book.close()

    return _atomic(target, write)


def _csv(target: Path, frame: pl.DataFrame, fields: Sequence[tuple[str, str]]) -> Path:
    # no cell may start a formula when the agency opens the file (pipelines.storage.cellsafe)
    headed = neutral_frame(frame.select([pl.col(k).alias(h) for k, h in fields]))
    return _atomic(
        target, lambda tmp: headed.write_csv(tmp, include_bom=True, date_format="%Y-%m-%d")
    )


def _json(target: Path, agency: str, run_date: date, key: str, frame: pl.DataFrame) -> Path:
    rows = frame.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d")).to_dicts()
    document = {"agency": agency, "run_date": run_date.isoformat(), "count": len(rows), key: rows}
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return _atomic(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_reports(
    folder: Path, agency: str, run_date: date, hits: pl.DataFrame, withdrawn: pl.DataFrame
) -> list[Path]:
    """Write hits.xlsx (with a withdrawals sheet), hits.csv/json and withdrawals.csv/json."""
    return [
        _xlsx(
            folder / "hits.xlsx",
            [("拦截预警", hits, HIT_FIELDS), ("撤回预警", withdrawn, WITHDRAWAL_FIELDS)],
            run_date,
        ),
        _csv(folder / "hits.csv", hits, HIT_FIELDS),
        _json(folder / "hits.json", agency, run_date, "hits", hits),
        _csv(folder / "withdrawals.csv", withdrawn, WITHDRAWAL_FIELDS),
        _json(folder / "withdrawals.json", agency, run_date, "withdrawals", withdrawn),
    ]


def write_agency_reports(
    wh: Warehouse,
    agency: str,
    run_date: date,
    hits: pl.DataFrame,
    settings: AgencySettings,
    outbox: str | Path,
    folder: Path | None = None,
) -> list[Path]:
    """Build and write one agency's reports for one run into `outbox/<agency>/<run_date>/`.

    `folder` overrides that place (the sweep writes into a staging folder and publishes later).
    """
    ledger = wh.query("SELECT alert_id, status, deadline FROM alerts WHERE agency = ?", [agency])
    rows = report_rows(hits, ledger, agency, settings)
    withdrawn = withdrawal_rows(withdrawals(wh, agency, run_date))
    folder = folder or Path(outbox) / agency / run_date.isoformat()
    return write_reports(folder, agency, run_date, rows, withdrawn)
