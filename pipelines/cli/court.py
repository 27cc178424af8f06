"""`credsweep leads` and `credsweep stats`: the court-side outputs on the command line."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from pipelines.errors import CredsweepError

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="credsweep home (warehouse, review DB); default from settings."),
]


def _day(text: str | None, option: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CredsweepError(f"{option} must be YYYY-MM-DD, got {text!r}") from None


def leads(
    run_date: Annotated[str, typer.Option("--run-date", help="Night (YYYY-MM-DD).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for <court>/leads.xlsx|json.")],
    home: HomeOption = None,
) -> None:
    """Per enforcing court: the night's sightings of its debtors (行踪线索)."""
    from pipelines.courts.steps import deliver_leads, settings_at

    _day(run_date, "--run-date")
    settings_at(home)
    result = deliver_leads(run_date, out)
    typer.echo(json.dumps(result, ensure_ascii=False))


def stats(
    out: Annotated[Path, typer.Option("--out", help="Folder for stats.json, .xlsx and .html.")],
    date_from: Annotated[
        str | None, typer.Option("--from", help="First night (YYYY-MM-DD).")
    ] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last night (YYYY-MM-DD).")] = None,
    home: HomeOption = None,
) -> None:
    """Per agency and per court: hits, intercepts, alerts by status, overdue, outcomes."""
    from pipelines.courts.steps import compute_stats, settings_at

    start, end = _day(date_from, "--from"), _day(date_to, "--to")
    settings_at(home)
    typer.echo(json.dumps(compute_stats(start, end, out), ensure_ascii=False))
