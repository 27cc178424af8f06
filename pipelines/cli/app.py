"""The `credsweep` command line (typer). Errors end as one line on stderr, never a traceback."""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from pipelines.errors import CredsweepError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="credsweep: nightly joint-credit-sanction sweeps (失信被执行人联合惩戒比对).",
)
F = TypeVar("F", bound=Callable[..., Any])


def one_line_errors(func: F) -> F:
    """Turn any failure into a one-line reason on stderr and a non-zero exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CredsweepError as exc:
            typer.echo(f"credsweep: error: {exc}", err=True)
            raise typer.Exit(2) from None
        except (typer.Exit, typer.Abort):
            raise
        except (
            Exception
        ) as exc:  # the last line of defence: operators get one line, not a traceback
            if os.environ.get("CREDSWEEP_DEBUG"):
                raise
            first = str(exc).splitlines()[0] if str(exc) else ""
            typer.echo(
                f"credsweep: internal error: {type(exc).__name__}: {first} "
                "(set CREDSWEEP_DEBUG=1 for details)",
                err=True,
            )
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _configure_logging() -> None:
    from pipelines.runtime.masking import install_log_masking

    logging.basicConfig(
        level=os.environ.get("CREDSWEEP_LOG_LEVEL", "WARNING"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("great_expectations", "airflow", "alembic", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    install_log_masking()


def _run_date(text: str | None) -> date:
    if not text:
        return date.today()  # an operator's ad-hoc run; scheduled runs always pass their date
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CredsweepError(f"--run-date must be YYYY-MM-DD, got {text!r}") from None


@app.command()
@one_line_errors
def sweep(
    agency: Annotated[
        str,
        typer.Option(
            help="hotel_booking | school_enrollment | subsidy_application | civil_service_candidate"
        ),
    ],
    list_: Annotated[
        list[Path],
        typer.Option("--list", help="List file: the snapshot first, then deltas, in order."),
    ],
    input: Annotated[Path, typer.Option("--input", help="The agency's dataset for this night.")],
    out: Annotated[
        Path, typer.Option(help="Output folder (hits.csv, quarantine.csv, summary.json, outbox/).")
    ],
    warehouse: Annotated[
        Path | None, typer.Option(help="DuckDB warehouse file; default: a fresh in-memory store.")
    ] = None,
    run_date: Annotated[
        str | None, typer.Option(help="The night being swept (YYYY-MM-DD); default today.")
    ] = None,
    review_db: Annotated[
        Path | None,
        typer.Option(help="Analyst review store: decisions are honoured, review items pushed."),
    ] = None,
    settings: Annotated[
        Path | None,
        typer.Option(help="Settings YAML; default $CREDSWEEP_SETTINGS or the packaged one."),
    ] = None,
    data_docs: Annotated[
        Path | None, typer.Option(help="Write Great Expectations Data Docs here.")
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option(help="local | spark: where pairs are scored; default from the settings."),
    ] = None,
    spark_master: Annotated[
        str | None, typer.Option(help="Spark master for --engine spark; default local[2].")
    ] = None,
) -> None:
    """Screen one agency's dataset against the court lists and write its hit reports."""
    from rich.console import Console

    from pipelines.settings import load_settings, with_engine
    from pipelines.sweep.run import SweepRequest, run_sweep

    _configure_logging()
    for path in [*list_, input]:
        if path.is_dir():
            raise CredsweepError(f"input {path} is a folder, not a file (应为文件)")
        if not path.exists():
            raise CredsweepError(f"input file not found: {path}")
    request = SweepRequest(
        agency=agency,
        lists=list_,
        input=input,
        out=out,
        run_date=_run_date(run_date),
        settings=with_engine(load_settings(settings), engine, spark_master),
        warehouse=warehouse,
        review_db=review_db,
        docs_dir=data_docs,
    )
    console = Console(stderr=True)
    with console.status("sweeping…") as status:
        summary = run_sweep(request, progress=lambda msg: status.update(msg)).summary
    keys = ("records_in", "records_quarantined", "matches", "reviews", "intercepts", "duration_s")
    typer.echo(json.dumps({k: summary[k] for k in keys}, ensure_ascii=False))


@app.command()
@one_line_errors
def nightly(
    run_date: Annotated[
        str | None, typer.Option(help="The night to run (YYYY-MM-DD); default today.")
    ] = None,
    size: Annotated[
        int, typer.Option(help="Generated list entries (records per agency likewise).")
    ] = 20000,
    seed: Annotated[int, typer.Option(help="Generator seed.")] = 7,
    home: Annotated[
        Path, typer.Option(help="Working folder: warehouse, landing, outbox, Airflow metadata.")
    ] = Path("var"),
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the raw result as JSON (for scripts).")
    ] = False,
) -> None:
    """The main job: generate a night's data and run the full sweep of all agencies in Airflow."""
    from rich.console import Console

    from pipelines.orchestration.airflow_runner import run_nightly
    from pipelines.orchestration.nightly_report import StageProgress, night_report
    from pipelines.settings import load_settings

    _configure_logging()
    progress = StageProgress()
    try:
        result = run_nightly(
            _run_date(run_date).isoformat(), size=size, seed=seed, home=home, progress=progress
        )
    finally:
        progress.close()
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        Console(soft_wrap=True).print(night_report(result, load_settings()))


def _register_commands() -> None:
    """Commands owned by other packages; each keeps its heavy imports inside the command."""
    from pipelines.capacity.command import capacity
    from pipelines.cli.court import leads, stats
    from pipelines.evaluation.command import evaluate
    from pipelines.screen.command import screen_app
    from pipelines.synth.command import synth
    from pipelines.workbench.command import review_app

    app.command("synth", help="Generate realistic synthetic datasets with ground truth.")(
        one_line_errors(synth)
    )
    app.command("capacity", help="Score every active listed debtor: 失信 vs 失能.")(
        one_line_errors(capacity)
    )
    app.command("evaluate", help="Matching quality per agency and noise type vs synth truth.")(
        one_line_errors(evaluate)
    )
    app.command("leads", help="Per enforcing court: the night's sightings of its debtors.")(
        one_line_errors(leads)
    )
    app.command("stats", help="Joint-sanction statistics per agency and per court.")(
        one_line_errors(stats)
    )
    app.add_typer(review_app, name="review", help="Analyst workbench (复核工作台).")
    for command in screen_app.registered_commands:  # one-line errors, as every command
        command.callback = one_line_errors(command.callback)  # type: ignore[type-var]
    app.add_typer(screen_app, name="screen", help="Real-time screening service (实时比对).")


_register_commands()

if __name__ == "__main__":
    app()
