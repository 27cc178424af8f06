"""`validate`: one dataset through its data contract (see data_contracts/README.md for policy).

Order of work: refuse the dataset outright if a required column is absent; derive the check
columns; let Great Expectations judge them; turn GE's failing row indexes into quarantine rows
(one reason per failed check, joined with `; `) and flags; refuse the dataset when too many
non-empty IDs are unusable or nothing is left; type what remains.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from data_contracts import warmup
from data_contracts.checks import Side, build_checks, reason_text
from data_contracts.config import ContractSettings
from data_contracts.derive import check_frame, parse_fields, required_columns, typed_frame
from data_contracts.errors import ContractError
from data_contracts.result import QUARANTINE_SCHEMA, REJECT_COLUMN, ContractResult
from data_contracts.schemas import DatasetSpec
from data_contracts.schemas import spec as dataset_spec

if TYPE_CHECKING:  # GE is imported only when a suite runs (see data_contracts.warmup)
    from data_contracts.gx_runner import CheckOutcome, SuiteRun

_RUN_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")
LIST_DATASETS = frozenset({"dishonest_list"})


def run_date_of(run_id: str, given: date | None = None) -> date:
    """The run's logical date: given, else the first date in `run_id`, else today."""
    if given is not None:
        return given
    m = _RUN_DATE.search(run_id)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            pass
    return date.today()


def _refuse(spec: DatasetSpec, why_en: str, why_zh: str) -> ContractError:
    return ContractError(f"{spec.name} ({spec.title_zh}) refused: {why_en} ({why_zh})")


def _row_reasons(
    outcomes: list[CheckOutcome], severity: str, checked: pl.DataFrame
) -> pl.DataFrame:
    """(position, reason) for every failed check of `severity`, reasons joined per row."""
    positions: list[int] = []
    reasons: list[str] = []
    for o in outcomes:
        if o.success or o.check.severity != severity:
            continue
        if o.check.is_id_kind:
            # GE caps `unexpected_list` (200 values) but not the index list: read each failing
            # row's kind back from the check frame GE judged.
            index = pl.Series(o.unexpected_index, dtype=pl.Int64)
            values = checked[o.check.column].gather(index).to_list()
            texts = [reason_text(o.check, v) for v in values]
        else:
            texts = [reason_text(o.check)] * len(o.unexpected_index)
        positions += [int(i) for i in o.unexpected_index]
        reasons += texts
    frame = pl.DataFrame(
        {"_pos": positions, "reason": reasons}, schema={"_pos": pl.Int64, "reason": pl.String}
    )
    # group_by keeps first-seen order within a group when maintain_order is set; checks were
    # appended in suite order, so reasons read in the order the contract lists them.
    # Reasons were appended in suite order; the stable sort keeps it within a row, and sorting
    # by position lines the groups up with `raw.filter(mask)`.
    return (
        frame.sort("_pos", maintain_order=True)
        .group_by("_pos", maintain_order=True)
        .agg(pl.col("reason").str.join("; "))
    )


def _mark(height: int, rows: pl.DataFrame) -> pl.Series:
    """Boolean mask of the positions listed in `rows["_pos"]`."""
    mask = pl.Series("bad", [False] * height, dtype=pl.Boolean)
    return mask.scatter(rows["_pos"], True) if rows.height else mask


def _spread(height: int, rows: pl.DataFrame, name: str) -> pl.Series:
    """`rows["reason"]` placed at positions `rows["_pos"]`, null elsewhere."""
    out = pl.Series(name, [None] * height, dtype=pl.String)
    return out.scatter(rows["_pos"], rows["reason"]) if rows.height else out


def _invalid_id_fraction(outcomes: list[CheckOutcome]) -> float:
    """Share of non-empty IDs (all ID columns) that GE found unusable."""
    bad = nonempty = 0
    for o in outcomes:
        if o.check.is_id_kind:
            bad += len(o.unexpected_index)
            nonempty += o.element_count - o.missing_count
    return bad / nonempty if nonempty else 0.0


def validate(
    dataset: str,
    raw: pl.DataFrame,
    *,
    run_id: str,
    settings: ContractSettings,
    docs_dir: Path | None = None,
    side: Side | None = None,
    run_date: date | None = None,
) -> ContractResult:
    """Check `raw` against its contract: clean typed rows, quarantine with reasons, or refusal."""
    started = time.perf_counter()
    spec = dataset_spec(dataset)
    side = side or ("list" if dataset in LIST_DATASETS else "agency")
    absent = [n for n in required_columns(spec, raw.columns) if n not in raw.columns]
    if absent:
        names = ", ".join(f"{n} ({spec.field(n).aliases[0]})" for n in absent)
        raise _refuse(spec, f"required column missing: {names}", "缺少必填列")
    raw, unread = _split_unread(raw, spec)
    raw = _with_all_fields(raw, spec)
    when = run_date_of(run_id, run_date)
    checks = build_checks(spec, side, date.fromisoformat(settings.min_date), when)
    docs = docs_dir / dataset if docs_dir is not None else None
    typed = parse_fields(raw, spec)
    checked = check_frame(raw, spec, typed, when)
    run = warmup.gx_runner().run_suite(dataset, checks, checked, run_id, docs)

    failed = _row_reasons(run.outcomes, "critical", checked)
    flags = _row_reasons(run.outcomes, "warning", checked)
    bad = _mark(raw.height, failed)
    quarantine = _quarantine(raw.filter(bad).with_columns(failed["reason"]), spec)
    if unread.height:
        quarantine = pl.concat([unread, quarantine]).sort("row", maintain_order=True)
    flagged = _spread(raw.height, flags, "_flags")
    clean = typed_frame(raw.with_columns(flagged), spec, typed, ~bad)

    fraction = _invalid_id_fraction(run.outcomes)
    if fraction > settings.max_invalid_id_fraction:
        raise _refuse(
            spec,
            f"{fraction:.0%} of non-empty IDs unusable, limit "
            f"{settings.max_invalid_id_fraction:.0%}",
            "证件号码不可用比例过高",
        )
    rows_in = raw.height + unread.height
    if rows_in and clean.height == 0:
        raise _refuse(spec, f"all {rows_in} rows failed the contract", "没有通过校验的记录")
    stats = _stats(spec, side, rows_in, clean, quarantine, run, fraction, started)
    return ContractResult(clean, quarantine, stats, run.result)


def _split_unread(raw: pl.DataFrame, spec: DatasetSpec) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows to check, quarantine rows for those the reader already refused with a reason)."""
    if REJECT_COLUMN not in raw.columns:
        return raw, _quarantine(
            raw.clear().with_columns(pl.lit(None, pl.String).alias("reason")), spec
        )
    refused = pl.col(REJECT_COLUMN).is_not_null()
    unread = raw.filter(refused).with_columns(pl.col(REJECT_COLUMN).alias("reason"))
    # the reader blanked their values, so the record key is empty and nothing personal is kept
    return raw.filter(~refused).drop(REJECT_COLUMN), _quarantine(
        _with_all_fields(unread, spec), spec
    )


def _with_all_fields(raw: pl.DataFrame, spec: DatasetSpec) -> pl.DataFrame:
    """Add absent optional columns as null text, as the reader would have."""
    missing = [
        pl.lit(None, pl.String).alias(f.name) for f in spec.fields if f.name not in raw.columns
    ]
    for name, default in (
        ("_source", pl.lit(None, pl.String)),
        ("_row", pl.int_range(1, pl.len() + 1, dtype=pl.Int64)),
    ):
        if name not in raw.columns:
            missing.append(default.alias(name))
    return raw.with_columns(missing) if missing else raw


def _quarantine(rows: pl.DataFrame, spec: DatasetSpec) -> pl.DataFrame:
    """Quarantine rows; the record key only for datasets whose key is not personal data."""
    key = pl.col(spec.key).cast(pl.String) if spec.key else pl.lit(None, pl.String)
    return rows.select(
        pl.lit(spec.name, pl.String).alias("dataset"),
        pl.col("_source").cast(pl.String).alias("source"),
        pl.col("_row").cast(pl.Int64).alias("row"),
        key.alias("record_key"),
        pl.col("reason"),
    ).cast(QUARANTINE_SCHEMA)  # type: ignore[arg-type]


def _stats(
    spec: DatasetSpec,
    side: str,
    rows_in: int,
    clean: pl.DataFrame,
    quarantine: pl.DataFrame,
    run: SuiteRun,
    fraction: float,
    started: float,
) -> dict:
    reasons: Counter[str] = Counter()
    for text in quarantine["reason"].to_list():
        reasons.update(part.split(" ", 1)[0] for part in text.split("; "))
    flags = Counter(
        {
            o.check.reason + ":" + o.check.field: len(o.unexpected_index)
            for o in run.outcomes
            if o.check.severity == "warning" and o.unexpected_index
        }
    )
    return {
        "dataset": spec.name,
        "side": side,
        "rows_in": rows_in,
        "rows_clean": clean.height,
        "rows_quarantined": quarantine.height,
        "reasons": dict(reasons),
        "flags": dict(flags),
        "invalid_id_fraction": round(fraction, 6),
        "expectations": len(run.outcomes),
        "expectations_failed": sum(not o.success for o in run.outcomes),
        "ge_success": run.success,
        "data_docs": str(run.docs_index) if run.docs_index else None,
        "duration_s": round(time.perf_counter() - started, 3),
    }
