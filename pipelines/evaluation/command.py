"""`credsweep evaluate`: matching quality of the real sweep against a truth table.

Generates a world with `pipelines.synth.generate` (parquet, deterministic) unless `--data` names
one, runs `pipelines.sweep.run.run_sweep` per agency exactly as `credsweep sweep` does (snapshot
then deltas, fresh in-memory warehouse), and scores each `hits.csv` with
`pipelines.evaluation.metrics.evaluate_hits` against the world's truth, read as the generic truth
table (`pipelines.evaluation.truth`, adapted from the generator's by `pipelines.synth.truth`).
Prints one table per agency and writes the figures as JSON (the saved-figure regression test
compares against such a file; see docs/evaluation.md).

The sweep's result carries the rows the agency contract let through and the night's list entries,
so positives are classed by the identifiers their two sides carry from the very parties matching
saw, without running the contracts or the list versioning a second time.
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
    from pipelines.evaluation.evidence import Parties
    from pipelines.settings import Settings
    from pipelines.sweep.run import SweepResult

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


def sweep_parties(result: SweepResult, agency: str, run_date: date, settings: Settings) -> Parties:
    """Both sides as matching saw them: the agency's screened parties and the night's list."""
    from matching.parties import list_parties, query_parties
    from pipelines.evaluation.evidence import Parties
    from pipelines.settings import agency_settings

    return Parties(
        query=query_parties(result.records, agency_settings(settings, agency).roles),
        listed=list_parties(result.entries),
        as_of=run_date,
    )


def evaluate_agency(
    world: World,
    agency: str,
    out: Path,
    run_date: date,
    settings: Settings,
    truth: pl.DataFrame,
) -> dict:
    """Sweep one agency through the real sweep path and score its hits.csv against `truth`."""
    from pipelines.evaluation.claims import check_claims
    from pipelines.evaluation.metrics import evaluate_hits
    from pipelines.sweep.run import SweepRequest, run_sweep

    source = world.inputs.get(agency)
    if source is None or not source.exists():
        raise InputError(f"no {agency} dataset in {world.root}/agencies")
    result = run_sweep(
        SweepRequest(
            agency=agency,
            lists=world.lists,
            input=source,
            out=out / agency,
            run_date=run_date,
            settings=settings,
        )
    )
    counts = result.summary["by_dataset"][agency]
    fig = evaluate_hits(
        read_hits(out / agency / "hits.csv"),  # the file the agency's figures are about
        truth,
        agency,
        n_records=counts["in"],
        screened=result.records["record_id"],
        parties=sweep_parties(result, agency, run_date, settings),
    )
    fig["records_quarantined"] = counts["quarantined"]
    # the night's own expected precision/recall (summary.json `feedback`) against this truth
    fig["self_assessment"] = check_claims(result.summary.get("feedback") or {}, fig)
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
    from pipelines.evaluation.truth import check_truth
    from pipelines.synth.truth import read_truth

    truth = check_truth(read_truth(world.truth))
    figures = {}
    for agency in agencies:
        progress(f"sweeping {agency}")
        figures[agency] = evaluate_agency(world, agency, out, run_date, settings, truth)
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
    """Precision, recall and F1 of the real sweep per agency and category, against the truth,
    how well `match_score` is calibrated (reliability per score band), and how far each night's
    own expected precision/recall (summary.json) is from what the truth measures."""
    from rich.console import Console

    from pipelines.evaluation.metrics import format_figures
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
