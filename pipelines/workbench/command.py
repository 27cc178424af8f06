"""`credsweep review`: serve the workbench, add users, import agency outcomes."""

from __future__ import annotations

import getpass
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import polars as pl
import typer

from pipelines.review.models import Role
from pipelines.workbench.settings import WorkbenchSettings, load_workbench_settings

if TYPE_CHECKING:  # the review store's web side is imported by the commands that open it
    from pipelines.review.web_side import WebReview

review_app = typer.Typer(help="Analyst workbench: review queue, decisions, agency feedback.")
log = logging.getLogger(__name__)
DbOption = Annotated[
    str | None, typer.Option("--db", help="Review DuckDB file (default from settings).")
]


def _store(settings: WorkbenchSettings) -> WebReview:
    from pipelines.review.web_side import WebReview

    store = WebReview(
        settings.review_db,
        retry_s=settings.lock_retry_s,
        review_deadline_days=settings.review_deadline_working_days,
        dispute_deadline_days=settings.dispute_deadline_working_days,
    )
    store.migrate()
    return store


def _fail(message: str) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code=1)


@review_app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8765,
    db: DbOption = None,
) -> None:
    """Run the workbench web server."""
    import uvicorn

    from pipelines.settings import load_settings
    from pipelines.workbench.app import create_app

    settings = load_workbench_settings(review_db=db)
    if not Path(settings.review_db).is_file():
        # serving a typo'd path would create an empty database nobody can log into
        _fail(
            f"review database not found: {settings.review_db} "
            "(create it with `credsweep review add-user --db PATH`, or give the right --db)"
        )
    run_settings = load_settings()
    titles = {str(code): agency.title_zh for code, agency in run_settings.agencies.items()}
    app = create_app(
        _store(settings),
        settings,
        thresholds=run_settings.thresholds,
        calibration=run_settings.calibration,
        agency_titles=titles,
    )
    uvicorn.run(app, host=host, port=port, proxy_headers=settings.trust_proxy_headers)


@review_app.command("add-user")
def add_user(
    username: Annotated[str, typer.Option(help="Login name.")],
    role: Annotated[Role, typer.Option(help="analyst, supervisor, agency or court.")],
    agency: Annotated[str | None, typer.Option(help="Agency code (agency users only).")] = None,
    court: Annotated[
        str | None, typer.Option(help="Enforcing court's name as on the list (court users).")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin (scripts).")
    ] = False,
    reset: Annotated[
        bool, typer.Option("--reset", help="Change an existing user's password, role and agency.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Create a user (or with --reset change one); the password is asked for, never an argument."""
    from pipelines.settings import load_settings

    if role == Role.AGENCY and agency not in load_settings().agencies:
        _fail(f"agency users need --agency, one of: {', '.join(load_settings().agencies)}")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("密码 / password: ")
        if password != getpass.getpass("再次输入 / repeat: "):
            _fail("passwords differ")
    try:
        bound = court if role == Role.COURT else agency
        store = _store(load_workbench_settings(review_db=db))
        store.add_user(username, password, role, bound, reset=reset)
    except ValueError as exc:
        _fail(str(exc))
    typer.echo(f"user {username} saved as {role.value}")


@review_app.command("import-outcomes")
def import_outcomes(
    file: Annotated[
        Path, typer.Argument(help="CSV or JSON Lines: alert_id, outcome, note[, agency].")
    ],
    agency: Annotated[
        str | None, typer.Option(help="Agency sending the file, if no agency column.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Record agency outcomes; false matches on known hits enter the queue as disputes."""
    try:
        frame = (
            pl.read_ndjson(file)
            if file.suffix.lower() in (".jsonl", ".json", ".ndjson")
            else pl.read_csv(file, infer_schema=False, encoding="utf8-lossy")
        )
    except (OSError, pl.exceptions.PolarsError) as exc:
        _fail(f"cannot read {file.name}: {exc}")
        return
    frame = frame.rename({c: c.lstrip("\ufeff").strip() for c in frame.columns})
    if "agency" not in frame.columns and not agency:
        _fail("the file has no agency column: pass --agency")
    if agency:
        frame = frame.with_columns(pl.lit(agency).alias("agency"))
    store = _store(load_workbench_settings(review_db=db))
    for (name,), rows in frame.group_by(["agency"], maintain_order=True):
        try:
            summary = store.record_outcomes(str(name), rows, username=f"import:{file.name}")
        except ValueError as exc:
            _fail(f"{name}: {exc}")
            return
        typer.echo(
            f"{name}: {summary.recorded} outcomes, {summary.disputed} new disputes, "
            f"{summary.unknown_alerts} unknown alerts"
        )
