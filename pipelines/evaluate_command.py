"""`credsweep evaluate`: matching quality of the real sweep against the generator's truth.

Generates a world with `pipelines.synth.generate` (parquet, deterministic) unless `--data` names
one, runs `pipelines.sweep.run_sweep` per agency exactly as `credsweep sweep` does (snapshot then
deltas, fresh in-memory warehouse), reads each `hits.csv` and scores it with
`matching.evaluation.evaluate_hits`. Prints one table per agency and writes the figures as JSON
(the saved-figure regression test compares against such a file; see docs/evaluation.md).
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from data_contracts.schemas import AGENCY_DATASETS
from pipelines.errors import CredsweepError, InputError

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
    return pl.read_csv(path, infer_schema=False)


def screened_records(source: Path, agency: str, quarantine: Path) -> pl.Series:
    """Record ids of the input rows the contract let through (by row: ids can be duplicated)."""
    from pipelines.ingest import read_dataset

    rows = read_dataset(source, agency).select("record_id", "_row")
    q = pl.read_csv(quarantine, infer_schema=False) if quarantine.exists() else pl.DataFrame()
    if not {"dataset", "row"} <= set(q.columns):
        return rows["record_id"]
    dropped = q.filter(pl.col("dataset") == agency)["row"].cast(pl.Int64, strict=False)
    return rows.filter(~pl.col("_row").is_in(dropped.implode()))["record_id"]


def evaluate_agency(
    world: World, agency: str, out: Path, run_date: date, settings: object, truth: pl.DataFrame
) -> dict:
    """Sweep one agency through the real sweep path and score its hits.csv."""
    from matching.evaluation import evaluate_hits
    from pipelines.sweep import SweepRequest, run_sweep

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
            settings=settings,  # type: ignore[arg-type]
        )
    )
    n_records = summary["by_dataset"][agency]["in"]
    fig = evaluate_hits(
        read_hits(out / agency / "hits.csv"),
        truth,
        agency,
        n_records=n_records,
        screened=screened_records(source, agency, out / agency / "quarantine.csv"),
    )
    fig["records_quarantined"] = summary["by_dataset"][agency]["quarantined"]
    return fig


def run_evaluation(
    world: World,
    agencies: Sequence[str],
    out: Path,
    run_date: date,
    settings: object,
    progress: Callable[[str], None] = lambda _m: None,
) -> dict:
    """Figures of every agency asked for, keyed by agency."""
    truth = pl.read_parquet(world.truth)
    figures = {}
    for agency in agencies:
        progress(f"sweeping {agency}")
        figures[agency] = evaluate_agency(world, agency, out, run_date, settings, truth)
    return figures


def evaluation_document(
    work: Path,
    agencies: Sequence[str],
    run_date: date,
    settings: object,
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


def summary_table(figures: dict) -> object:
    """One rich table: the headline figures of each agency."""
    from rich.table import Table

    table = Table(title="credsweep evaluate (vs generator truth)")
    table.add_column("agency", no_wrap=True)
    for col in ("records", "positives", "P@match", "R@match", "F1@match"):
        table.add_column(col, justify="right")
    for col in ("P@m+r", "R@m+r", "F1@m+r", "review rate", "removed intercepts"):
        table.add_column(col, justify="right")
    for agency, fig in figures.items():
        m, mr = fig["match"], fig["match+review"]
        table.add_row(
            agency,
            str(fig["records"]),
            str(fig["positives"]),
            *[f"{x[k]:.4f}" for x in (m,) for k in ("precision", "recall", "f1")],
            *[f"{x[k]:.4f}" for x in (mr,) for k in ("precision", "recall", "f1")],
            f"{fig['review_rate']:.3%}",
            str(fig.get("removed_entry_intercepts", "-")),
        )
    return table


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
    """Precision, recall and F1 of the real sweep per agency and noise type, against the truth."""
    from rich.console import Console

    from matching.evaluation import format_figures
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
    Console(width=None if sys.stdout.isatty() else 120).print(summary_table(figures))
    target = json_path or work / "figures.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    typer.echo(f"figures written to {target}")
