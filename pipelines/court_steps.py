"""The court-side steps as the CLI and the Airflow tasks call them, keyed by run date.

`deliver_leads` writes the night's leads per court (files) and publishes them to the workbench;
rerunning a night rewrites the same files and replaces the same rows.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.errors import InputError
from pipelines.settings import Settings, load_settings

if TYPE_CHECKING:
    from pipelines.warehouse import Warehouse


def settings_at(home: Path | None, settings_path: str | None = None) -> Settings:
    """Settings whose storage lives under `home` (the `--home` option), else as configured."""
    if home is not None:
        os.environ["CREDSWEEP_HOME"] = str(home)
    return load_settings(settings_path)


def _warehouse(settings: Settings) -> Warehouse:
    from pipelines.warehouse import Warehouse

    path = settings.storage.path("warehouse")
    if str(path) != ":memory:" and not path.exists():
        raise InputError(f"no warehouse at {path}: run the night's sweeps first")
    return Warehouse(path)


def leads_out(settings: Settings, run_date: str) -> Path:
    """Where the nightly run writes the courts' leads: outbox/courts/<night>/."""
    return settings.storage.path("outbox") / "courts" / run_date


def deliver_leads(run_date: str, out: Path | None = None, settings_path: str | None = None) -> dict:
    """Write `out/<court>/leads.xlsx|json` for the night and publish them to the workbench."""
    from pipelines.leads import night_leads, write_leads
    from pipelines.workbench import court_desk
    from pipelines.workbench.store import ReviewStore

    settings = load_settings(settings_path)
    night = date.fromisoformat(run_date)
    leads = night_leads(_warehouse(settings), night)
    target = out or leads_out(settings, run_date)
    per_court = write_leads(leads, night, target)
    court_desk.publish_leads(ReviewStore(settings.storage.path("review_db")), night, leads)
    return {"run_date": run_date, "out": str(target), "leads": leads.height, "courts": per_court}


def deliver_relief(run_date: str, settings_path: str | None = None) -> dict:
    """Publish the latest 失能 cases to the courts' desk; write the night's decision files."""
    from pipelines.relief import latest_capacity, relief_cases, write_relief_files
    from pipelines.workbench import relief_desk
    from pipelines.workbench.store import ReviewStore

    settings = load_settings(settings_path)
    night = date.fromisoformat(run_date)
    store = ReviewStore(settings.storage.path("review_db"))
    scored = latest_capacity(settings.storage.path("runs"), night)
    cases = 0
    if scored is not None:
        cases = relief_desk.publish_cases(store, relief_cases(scored, _warehouse(settings), night))
    reviews = relief_desk.reviews_in_force(store, night)
    files = write_relief_files(reviews, night, leads_out(settings, run_date))
    return {"run_date": run_date, "capacity": str(scored) if scored else None,
            "cases": cases, **files}  # fmt: skip


def deliver_court_outputs(run_date: str, settings_path: str | None = None) -> dict:
    """The nightly court step: leads, then the exit-and-relief cases and files."""
    leads = deliver_leads(run_date, settings_path=settings_path)
    return {**leads, "relief": deliver_relief(run_date, settings_path)}
