"""Run a dataset's checks through Great Expectations itself and read back row-level failures.

An ephemeral context per call (nothing written except Data Docs, no cloud, no analytics): one
ExpectationSuite per dataset, one ValidationDefinition and one Checkpoint over the check frame on
GE's pandas engine, result format COMPLETE so every failing row index comes back. The verdict, the
per-row failures and the Data Docs all come from that single checkpoint run.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from data_contracts.checks import Check
from data_contracts.gx_import import lean_ge_import
from data_contracts.offline_docs import check_assets, localize_site

# GE logs every public-API registration at INFO (hundreds of lines once airflow set INFO);
# both must be quiet before the first import.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
for _name in ("great_expectations", "great_expectations._docs_decorators"):
    logging.getLogger(_name).setLevel(logging.WARNING)

# GE imports PySpark, SQLAlchemy, scipy.stats and altair for engines and an expectation the
# contracts never use (~5-8 s per process): `lean_ge_import` hides or defers them meanwhile.
with lean_ge_import():
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import ProgressBarsConfig

logging.getLogger("great_expectations").setLevel(logging.WARNING)  # GE may reset it on import
# this module pins its own logger at INFO on import ("Created temporary directory ... for
# ephemeral docs site", once per suite run): operators would read it before every real error
logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)

_EXPECTATIONS: dict[str, Any] = {
    "not_null": gxe.ExpectColumnValuesToNotBeNull,
    "in_set": gxe.ExpectColumnValuesToBeInSet,
    "not_in_set": gxe.ExpectColumnValuesToNotBeInSet,
    "between": gxe.ExpectColumnValuesToBeBetween,
}


@dataclass(frozen=True)
class CheckOutcome:
    """What GE reported for one check."""

    check: Check
    success: bool
    element_count: int
    missing_count: int
    unexpected_index: list[int]
    unexpected_values: list[Any]


@dataclass(frozen=True)
class SuiteRun:
    """Everything one checkpoint run produced."""

    outcomes: list[CheckOutcome]
    success: bool
    result: Any
    docs_index: Path | None


def build_suite(dataset: str, checks: list[Check]) -> gx.ExpectationSuite:
    """The GE suite of one dataset; `meta` ties each expectation to its documented field."""
    suite = gx.ExpectationSuite(name=f"credsweep.{dataset}")
    for i, c in enumerate(checks):
        expectation = _EXPECTATIONS[c.op](
            column=c.column,
            severity=c.severity,
            meta={"field": c.field, "reason": c.reason, "reason_zh": c.reason_zh, "order": i},
            description=f"{c.reason}:{c.field} {c.reason_zh}",
            **c.kwargs,
        )
        suite.add_expectation(expectation)
    return suite


def _context(docs_dir: Path | None) -> Any:
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    for site in list(ctx.list_data_docs_sites()):
        ctx.delete_data_docs_site(site)  # the default site would build into a stray temp folder
    if docs_dir is not None:
        check_assets()  # before GE writes a page that would render blank offline
        ctx.add_data_docs_site(
            "credsweep",
            {
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    # GE refuses a relative folder; a home of "var" is relative to the cwd
                    "base_directory": str(docs_dir.absolute()),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
    return ctx


def _to_pandas(frame: Any) -> pd.DataFrame:
    """Polars check frame -> pandas with a 0..n-1 index, so GE's indexes are row positions."""
    return frame.to_pandas(use_pyarrow_extension_array=False).reset_index(drop=True)


def run_suite(
    dataset: str, checks: list[Check], frame: Any, run_id: str, docs_dir: Path | None
) -> SuiteRun:
    """Validate the check frame with GE and collect per-check failures."""
    ctx = _context(docs_dir)
    asset = ctx.data_sources.add_pandas(f"{dataset}_source").add_dataframe_asset(dataset)
    batch = asset.add_batch_definition_whole_dataframe("whole_file")
    suite = ctx.suites.add(build_suite(dataset, checks))
    definition = ctx.validation_definitions.add(
        gx.ValidationDefinition(name=f"{dataset}_contract", data=batch, suite=suite)
    )
    actions: list[Any] = (
        [gx.checkpoint.UpdateDataDocsAction(name="data_docs")] if docs_dir is not None else []
    )
    checkpoint = ctx.checkpoints.add(
        gx.Checkpoint(
            name=f"{dataset}_checkpoint",
            validation_definitions=[definition],
            actions=actions,
            result_format={"result_format": "COMPLETE"},
        )
    )
    result = checkpoint.run(
        batch_parameters={"dataframe": _to_pandas(frame)}, run_id=gx.RunIdentifier(run_name=run_id)
    )
    validation = next(iter(result.run_results.values()))
    outcomes = [_outcome(checks, r) for r in validation.results]
    outcomes.sort(key=lambda o: checks.index(o.check))
    if docs_dir is not None:
        localize_site(docs_dir)  # GE's pages load CDN assets; point them at local copies
    index = docs_dir / "index.html" if docs_dir is not None else None
    return SuiteRun(outcomes, bool(result.success), result, index)


def _outcome(checks: list[Check], r: Any) -> CheckOutcome:
    meta = r.expectation_config.meta or {}
    info = r.exception_info or {}
    # GE reports a crash either flat or keyed by metric id; a crash is a bug here, not bad data.
    for entry in [info, *[v for v in info.values() if isinstance(v, dict)]]:
        if entry.get("raised_exception"):
            message = (str(entry.get("exception_message") or "").splitlines() or [""])[0]
            raise RuntimeError(f"GE expectation {r.expectation_config.type} raised: {message}")
    res = r.result or {}
    return CheckOutcome(
        check=checks[int(meta["order"])],
        success=bool(r.success),
        element_count=int(res.get("element_count", 0)),
        missing_count=int(res.get("missing_count", 0) or 0),
        unexpected_index=list(res.get("unexpected_index_list") or []),
        unexpected_values=list(res.get("unexpected_list") or []),
    )
