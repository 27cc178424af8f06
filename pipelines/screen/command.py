"""`credsweep screen add-key` and `credsweep screen serve`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from pipelines.errors import CredsweepError

if TYPE_CHECKING:
    from pipelines.screen.service import ScreenService
    from pipelines.settings import Settings

screen_app = typer.Typer(no_args_is_help=True, add_completion=False)
_HOME = typer.Option(help="Home folder: warehouse, review store, key store; default settings'.")
_SETTINGS = typer.Option(help="Settings YAML; default $CREDSWEEP_SETTINGS or the packaged one.")


def _home(home: Path | None, settings_path: Path | None) -> tuple[Path, Settings]:
    from pipelines.settings import load_settings

    settings = load_settings(settings_path)
    return (home or settings.storage.root()), settings


@screen_app.command("add-key")
def add_key(
    agency: Annotated[str, typer.Option(help="The agency the key screens for.")],
    home: Annotated[Path | None, _HOME] = None,
    settings: Annotated[Path | None, _SETTINGS] = None,
) -> None:
    """Create one API key for AGENCY and print it (only its hash is kept)."""
    from pipelines.screen.service import store_path
    from pipelines.screen.store import ScreenStore
    from pipelines.settings import agency_settings

    root, loaded = _home(home, settings)
    agency_settings(loaded, agency)  # one-line error for an unknown agency
    store = ScreenStore(store_path(root, loaded.screen.store))
    typer.echo(store.add_key(agency))
    store.close()


@screen_app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8787,
    home: Annotated[Path | None, _HOME] = None,
    list_: Annotated[
        list[Path] | None,
        typer.Option("--list", help="List files to serve (snapshot first, then deltas)."),
    ] = None,
    run_date: Annotated[
        str | None, typer.Option(help="Screen as of this date (YYYY-MM-DD); default today.")
    ] = None,
    settings: Annotated[Path | None, _SETTINGS] = None,
) -> None:
    """Serve real-time screening of agency records against the current list."""
    import uvicorn

    from pipelines.screen.app import create_app

    root, loaded = _home(home, settings)
    for path in list_ or []:
        if not path.exists():
            raise CredsweepError(f"list file not found: {path}")
    when = date.fromisoformat(run_date) if run_date else None
    service = build_service(root, loaded, list_ or [], when)
    service.start()  # index built before the port opens: health is ok from the first answer
    uvicorn.run(create_app(service), host=host, port=port, log_level="warning")


def build_service(
    root: Path, settings: Settings, lists: list[Path], run_date: date | None
) -> ScreenService:
    """The service for a home folder, over its warehouse or over `lists` loaded in memory."""
    from pipelines.screen.access import Access
    from pipelines.screen.desk import Desk
    from pipelines.screen.service import ScreenService, store_path
    from pipelines.screen.source import ListSource, embedded_source
    from pipelines.screen.store import ScreenStore
    from pipelines.storage.warehouse import Warehouse

    review_db = store_path(root, settings.storage.review_db)
    if lists:
        source = embedded_source(lists, settings, review_db, run_date)
    else:
        wh = Warehouse(store_path(root, settings.storage.warehouse))
        wh.migrate()
        source = ListSource(wh, settings, review_db, run_date)
    store = ScreenStore(store_path(root, settings.screen.store))
    return ScreenService(
        desk=Desk(settings, source, review_db, store_path(root, settings.screen.journal)),
        store=store,
        access=Access(store, settings.screen),
        poll_s=settings.screen.poll_s,
    )
