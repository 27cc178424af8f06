"""The court-side steps as the CLI and the Airflow tasks call them, keyed by run date.

`deliver_leads` writes the night's leads per court (files) and publishes them to the workbench;
rerunning a night rewrites the same files and replaces the same rows.
"""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.errors import InputError
from pipelines.settings import Settings, load_settings

if TYPE_CHECKING:
    from pipelines.storage.warehouse import Warehouse


def settings_at(home: Path | None, settings_path: str | None = None) -> Settings:
    """Settings whose storage lives under `home` (the `--home` option), else as configured."""
    if home is not None:
        os.environ["CREDSWEEP_HOME"] = str(home)
    return load_settings(settings_path)


def _warehouse(settings: Settings) -> Warehouse:
    from pipelines.storage.warehouse import Warehouse

    path = settings.storage.path("warehouse")
    if str(path) != ":memory:" and not path.exists():
        raise InputError(f"no warehouse at {path}: run the night's sweeps first")
    return Warehouse(path)


def leads_out(settings: Settings, run_date: str) -> Path:
    """Where the nightly run writes the courts' leads: outbox/courts/<night>/."""
    return settings.storage.path("outbox") / "courts" / run_date


def deliver_leads(run_date: str, out: Path | None = None, settings_path: str | None = None) -> dict:
    """Write `out/<court>/leads.xlsx|json` for the night and publish them to the workbench."""
    from pipelines.courts.leads import night_leads, write_leads
    from pipelines.review import court_desk
    from pipelines.review.sweep_side import SweepReview

    settings = load_settings(settings_path)
    night = date.fromisoformat(run_date)
    leads = night_leads(_warehouse(settings), night)
    target = out or leads_out(settings, run_date)
    per_court = write_leads(leads, night, target)
    court_desk.publish_leads(SweepReview(settings.storage.path("review_db")), night, leads)
    return {"run_date": run_date, "out": str(target), "leads": leads.height, "courts": per_court}


def deliver_relief(run_date: str, settings_path: str | None = None) -> dict:
    """Publish the latest 失能 cases to the courts' desk; write the night's decision files."""
    from pipelines.courts.relief import latest_capacity, relief_cases, write_relief_files
    from pipelines.review import relief_desk
    from pipelines.review.sweep_side import SweepReview

    settings = load_settings(settings_path)
    night = date.fromisoformat(run_date)
    store = SweepReview(settings.storage.path("review_db"))
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


def stats_range(
    settings: Settings, date_from: date | None, date_to: date | None
) -> tuple[date, date]:
    """The range asked for, else from the first to the last night the warehouse holds."""
    nights = _warehouse(settings).query("SELECT min(run_date) AS a, max(run_date) AS b FROM runs")
    first, last = nights.row(0)
    end = date_to or last
    start = date_from or first
    if start is None or end is None:
        raise InputError("the warehouse holds no sweep yet: nothing to count")
    if start > end:
        raise InputError(f"--from {start} is after --to {end}")
    return start, end


def compute_stats(
    date_from: date | None, date_to: date | None, out: Path, settings_path: str | None = None
) -> dict:
    """Write stats.json/xlsx/html for the range into `out` and publish them to the workbench."""
    from pipelines.courts.relief import latest_capacity
    from pipelines.courts.stats import collect, compute
    from pipelines.courts.stats_report import write_stats
    from pipelines.review import court_desk, relief_desk
    from pipelines.review.sweep_side import SweepReview

    settings = load_settings(settings_path)
    start, end = stats_range(settings, date_from, date_to)
    store = SweepReview(settings.storage.path("review_db"))
    inputs = collect(
        _warehouse(settings),
        start,
        end,
        latest_capacity(settings.storage.path("runs"), end),
        relief_desk.reviews_in_force(store, end),
    )
    document = compute(inputs, start, end)
    files = write_stats(document, out)
    court_desk.publish_stats(store, document)
    return {"from": start.isoformat(), "to": end.isoformat(), "files": [str(p) for p in files]}


def weekly_ranking(run_date: str, settings_path: str | None = None) -> dict:
    """The week ending on `run_date`: statistics and the agency cooperation ranking."""
    from pipelines.courts.stats_report import write_ranking

    settings = load_settings(settings_path)
    end = date.fromisoformat(run_date)
    out = settings.storage.path("runs") / run_date / "stats"
    result = compute_stats(end - timedelta(days=6), end, out, settings_path)
    document = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    files = write_ranking(document, out)
    return {**result, "ranking": [str(p) for p in files], "agencies": len(document["ranking"])}
