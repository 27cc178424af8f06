"""`credsweep evaluate`: matching quality of the real sweep against the generator's truth.

Generates a world with `pipelines.synth.generate` (parquet, deterministic) unless `--data` names
one, runs `pipelines.sweep.run.run_sweep` per agency exactly as `credsweep sweep` does (snapshot
then deltas, fresh in-memory warehouse), reads each `hits.csv` and scores it with
`matching.evaluation.evaluate_hits`. Prints one table per agency and writes the figures as JSON
(the saved-figure regression test compares against such a file; see docs/evaluation.md).

To class each positive by the identifiers its two sides carry, the list (snapshot then deltas)
and each agency file go once more through their data contracts here, so the parties handed to the
scorer are the ones matching saw; the sweep itself keeps its outputs to files.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import polars as pl
import typer

from data_contracts.schemas import AGENCY_DATASETS
from pipelines.errors import CredsweepError, InputError

if TYPE_CHECKING:
    from pipelines.settings import Settings

UPDATE_HINT = (
    "credsweep evaluate --size 3000 --seed 11 --json tests/data/evaluation_figures.json "
    "(or CREDSWEEP_UPDATE_FIGURES=1 pytest tests/test_evaluation.py)"
)
_TABLE_EXT = (".parquet", ".csv", ".xlsx", ".jsonl", ".json")


@dataclass(frozen=True)
class World:
    """Where a generated world keeps its lists (snapshot first), agency files and truth."""

    root: Path
    lists: tuple[Path, ...]
    inputs: dict[str, Path]
    truth: Path


def _default_run_date() -> date:
    """The night after the synthetic world's fixed 'today' (what an unshifted world is swept on)."""
    from pipelines.synth.timeshift import WORLD_DATE

    return WORLD_DATE + timedelta(days=1)


def _from_manifest(root: Path) -> tuple[list[Path], dict[str, Path]]:
    """List files in manifest order (snapshot, then deltas) and agency files by dataset."""
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    files = manifest.get("files", [])
    lists = [root / f["path"] for f in files if f.get("dataset") == "dishonest_list"]
    inputs = {f["dataset"]: root / f["path"] for f in files if f.get("dataset") in AGENCY_DATASETS}
    return lists, inputs


def _from_glob(root: Path) -> tuple[list[Path], dict[str, Path]]:
    """Without a manifest: lists/snapshot.*, then lists/delta_*.* by name; agencies/<name>.*."""

    def tables(pattern: str) -> list[Path]:
        return [p for p in sorted(root.glob(pattern)) if p.suffix in _TABLE_EXT]

    lists = tables("lists/snapshot.*") + tables("lists/delta_*.*")
    inputs = {a: found[0] for a in AGENCY_DATASETS if (found := tables(f"agencies/{a}.*"))}
    return lists, inputs


def locate(root: Path) -> World:
    """Find a generated world's files, with a one-line error when something is missing."""
    if not root.is_dir():
        raise InputError(f"data folder not found: {root}")
    truth = root / "truth" / "matches.parquet"
    if not truth.exists():
        raise InputError(
            f"no truth in {root}: truth/matches.parquet is missing (use credsweep synth)"
        )
    lists, inputs = _from_manifest(root) if (root / "manifest.json").exists() else _from_glob(root)
    if not lists or not lists[0].exists():
        raise InputError(f"no list snapshot in {root}/lists")
    return World(root, tuple(lists), inputs, truth)


def check_agencies(names: Sequence[str] | None) -> tuple[str, ...]:
    """The agencies asked for (default all four), refusing unknown names in one line."""
    chosen = tuple(names) if names else AGENCY_DATASETS
    unknown = [a for a in chosen if a not in AGENCY_DATASETS]
    if unknown:
        raise CredsweepError(
            f"unknown agency {unknown[0]!r}; choose from {', '.join(AGENCY_DATASETS)}"
        )
    return chosen


def read_hits(path: Path) -> pl.DataFrame:
    """A sweep's hits.csv as text columns (record ids keep their leading zeros)."""
    from pipelines.storage.cellsafe import restore_frame

    return restore_frame(pl.read_csv(path, infer_schema=False))  # undo the formula guards


def screened_records(source: Path, agency: str, quarantine: Path) -> pl.Series:
    """Record ids of the input rows the contract let through (by row: ids can be duplicated)."""
    from pipelines.ingest import read_dataset

    rows = read_dataset(source, agency).select("record_id", "_row")
    q = pl.read_csv(quarantine, infer_schema=False) if quarantine.exists() else pl.DataFrame()
    if not {"dataset", "row"} <= set(q.columns):
        return rows["record_id"]
    dropped = q.filter(pl.col("dataset") == agency)["row"].cast(pl.Int64, strict=False)
    return rows.filter(~pl.col("_row").is_in(dropped.implode()))["record_id"]


def listed_parties(world: World, run_date: date, settings: Settings) -> pl.DataFrame:
    """List parties as the sweep builds them: contracts, snapshot then deltas, current entries."""
    from matching.parties import list_parties
    from pipelines.ingest.listing import current_entries
    from pipelines.ingest.sources import load_list_files
    from pipelines.storage.warehouse import Warehouse

    wh = Warehouse(":memory:")
    wh.migrate()
    load_list_files(wh, world.lists, run_date, settings)
    return list_parties(current_entries(wh, as_of=run_date))


def agency_query_parties(
    source: Path, agency: str, run_date: date, settings: Settings
) -> pl.DataFrame:
    """Query parties of the rows the agency contract lets through, cut by the agency's roles."""
    from data_contracts import validate
    from matching.parties import query_parties
    from pipelines.ingest import read_dataset
    from pipelines.settings import agency_settings

    result = validate(
        agency,
        read_dataset(source, agency),
        run_id=f"{agency}-{run_date.isoformat()}",
        settings=settings.contracts,
        side="agency",
        run_date=run_date,
    )
    return query_parties(result.clean, agency_settings(settings, agency).roles)


def evaluate_agency(
    world: World,
    agency: str,
    out: Path,
    run_date: date,
    settings: Settings,
    truth: pl.DataFrame,
    listed: pl.DataFrame | None = None,
) -> dict:
    """Sweep one agency through the real sweep path and score its hits.csv.

    With `listed` (list parties, `listed_parties`), positives are also classed by evidence.
    """
    from matching.claims import check_claims
    from matching.evaluation import evaluate_hits
    from matching.evidence import Parties
    from pipelines.sweep.run import SweepRequest, run_sweep

    source = world.inputs.get(agency)
    if source is None or not source.exists():
        raise InputError(f"no {agency} dataset in {world.root}/agencies")
    summary = run_sweep(
        SweepRequest(
            agency=agency,
            lists=world.lists,
            input=source,
            out=out / agency,
            run_date=run_date,
            settings=settings,
        )
    )
    n_records = summary["by_dataset"][agency]["in"]
    parties = None
    if listed is not None:
        query = agency_query_parties(source, agency, run_date, settings)
        parties = Parties(query=query, listed=listed, as_of=run_date)
    fig = evaluate_hits(
        read_hits(out / agency / "hits.csv"),
        truth,
        agency,
        n_records=n_records,
        screened=screened_records(source, agency, out / agency / "quarantine.csv"),
        parties=parties,
    )
    fig["records_quarantined"] = summary["by_dataset"][agency]["quarantined"]
    # the night's own expected precision/recall (summary.json `feedback`) against this truth
    fig["self_assessment"] = check_claims(summary.get("feedback") or {}, fig)
    return fig


def run_evaluation(
    world: World,
    agencies: Sequence[str],
    out: Path,
    run_date: date,
    settings: Settings,
    progress: Callable[[str], None] = lambda _m: None,
) -> dict:
    """Figures of every agency asked for, keyed by agency."""
    truth = pl.read_parquet(world.truth)
    progress("loading list parties")
    listed = listed_parties(world, run_date, settings)  # the same for every agency: read once
    figures = {}
    for agency in agencies:
        progress(f"sweeping {agency}")
        figures[agency] = evaluate_agency(world, agency, out, run_date, settings, truth, listed)
    return figures


def evaluation_document(
    work: Path,
    agencies: Sequence[str],
    run_date: date,
    settings: Settings,
    *,
    data: Path | None = None,
    size: int = 3000,
    seed: int = 11,
    progress: Callable[[str], None] = lambda _m: None,
) -> dict:
    """The figures JSON: where the data came from, the night swept, figures per agency.

    Without `data`, a world of `size` entries is generated (parquet, `seed`) into WORK/data.
    """
    if data is None:
        from pipelines.synth import generate

        data = work / "data"
        progress(f"generating size={size} seed={seed}")
        generate(data, size, seed, formats="parquet")
        source: dict = {"generated": True, "size": size, "seed": seed}
    else:
        source = {"generated": False, "data": str(data)}
    figures = run_evaluation(locate(data), agencies, work, run_date, settings, progress)
    return {
        "source": source,
        "run_date": run_date.isoformat(),
        "update": UPDATE_HINT,
        "agencies": figures,
    }


def evaluate(
    data: Annotated[
        Path | None, typer.Option(help="A generated world (credsweep synth); default: generate.")
    ] = None,
    size: Annotated[int, typer.Option(help="List entries to generate (without --data).")] = 3000,
    seed: Annotated[int, typer.Option(help="Generator seed (without --data).")] = 11,
    agency: Annotated[
        list[str] | None, typer.Option(help="Agency to evaluate; repeatable; default all four.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Working folder (data/, one sweep folder per agency).")
    ] = None,
    json_path: Annotated[
        Path | None,
        typer.Option("--json", help="Write the figures here (default OUT/figures.json)."),
    ] = None,
    run_date: Annotated[
        str | None,
        typer.Option(help="Night swept (YYYY-MM-DD); default the day after the synthetic world."),
    ] = None,
    settings: Annotated[
        Path | None, typer.Option(help="Settings YAML; default $CREDSWEEP_SETTINGS or packaged.")
    ] = None,
) -> None:
    """Precision, recall and F1 of the real sweep per agency and noise type, against the truth,
    how well `match_score` is calibrated (reliability per score band), and how far each night's
    own expected precision/recall (summary.json) is from what the truth measures."""
    from rich.console import Console

    from matching.evaluation import format_figures
    from pipelines.evaluation.tables import (
        calibration_table,
        claims_table,
        evidence_table,
        summary_table,
    )
    from pipelines.settings import load_settings

    agencies = check_agencies(agency)
    try:
        night = date.fromisoformat(run_date) if run_date else _default_run_date()
    except ValueError:
        raise CredsweepError(f"--run-date must be YYYY-MM-DD, got {run_date!r}") from None
    work = out or Path(tempfile.mkdtemp(prefix="credsweep_evaluate_"))
    console = Console(stderr=True)
    with console.status("evaluating") as status:
        doc = evaluation_document(
            work,
            agencies,
            night,
            load_settings(settings),
            data=data,
            size=size,
            seed=seed,
            progress=lambda m: status.update(m),
        )
    figures = doc["agencies"]
    for fig in figures.values():
        typer.echo(format_figures(fig))
    console_out = Console(width=None if sys.stdout.isatty() else 120)
    console_out.print(summary_table(figures))
    console_out.print(evidence_table(figures))
    console_out.print(calibration_table(figures))
    console_out.print(claims_table(figures))
    target = json_path or work / "figures.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    typer.echo(f"figures written to {target}")
