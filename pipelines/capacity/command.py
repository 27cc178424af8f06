"""The `credsweep capacity` command (registered by pipelines.cli.app); all work is in `run`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def capacity(
    list: Annotated[
        list[Path],
        typer.Option("--list", help="List files: the snapshot first, then deltas in order."),
    ],  # named `list` so the option is --list (docs/cli.md)
    welfare: Annotated[Path, typer.Option(help="Welfare status file (低保/特困/残疾/重病/失业).")],
    assets: Annotated[Path, typer.Option(help="Court online asset-inquiry results.")],
    out: Annotated[Path, typer.Option(help="Output folder (capacity.csv, reports/).")],
    hits: Annotated[
        list[Path] | None, typer.Option(help="A sweep output folder (hits.csv); repeatable.")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option(help="Date to score at (YYYY-MM-DD); default: latest input date.")
    ] = None,
    model: Annotated[
        Path | None, typer.Option(help="Capacity model JSON (default: the packaged prior).")
    ] = None,
    no_reports: Annotated[
        bool, typer.Option("--no-reports", help="Skip the per-court XLSX and HTML report.")
    ] = False,
) -> None:
    """Score every active listed debtor: 失信 (able but unwilling) vs 失能 (unable)."""
    from pipelines.settings import default_settings

    from .run import CapacityRequest, console_line, parse_as_of, run_capacity

    req = CapacityRequest(
        lists=tuple(list),
        welfare=welfare,
        assets=assets,
        out=out,
        hits=tuple(hits or ()),
        as_of=parse_as_of(as_of),
        model=model,
        reports=not no_reports,
    )
    summary = run_capacity(req, default_settings())
    typer.echo(console_line(summary))
