"""The night's steps as the Airflow tasks call them: each keyed by its run date, each idempotent.

Every function takes the run date as an ISO string (the DAG run's logical date, never "now")
and returns a small JSON-serialisable dict for XCom.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from pipelines.errors import InputError
from pipelines.ingest.listing import list_files
from pipelines.ingest.sources import load_list_files
from pipelines.settings import Settings, load_settings
from pipelines.sweep.outputs import write_quarantine
from pipelines.sweep.run import SweepRequest, run_sweep

LIST_ORDER = ("snapshot", "delta")


def _settings(settings_path: str | None) -> Settings:
    return load_settings(settings_path)


def _landing(settings: Settings, run_date: str) -> Path:
    return settings.storage.path("landing") / run_date


def _docs_dir(settings: Settings, run_date: str) -> Path | None:
    """Where the night's Data Docs go, or None when they are not written (the default)."""
    if not settings.contracts.write_data_docs:
        return None
    return settings.storage.path("data_docs") / run_date


def ingest_lists(run_date: str, settings_path: str | None = None) -> dict:
    """Apply the night's list files (snapshot, then deltas) to the versioned list."""
    from pipelines.storage.warehouse import Warehouse

    settings = _settings(settings_path)
    files = list_files(_landing(settings, run_date) / "lists")
    if not files:
        raise InputError(
            f"no list files for {run_date} in {_landing(settings, run_date) / 'lists'}"
        )
    wh = Warehouse(settings.storage.path("warehouse"))
    wh.migrate()
    changes, tally = load_list_files(
        wh,
        files,
        date.fromisoformat(run_date),
        settings,
        docs_dir=_docs_dir(settings, run_date),
    )
    out = settings.storage.path("runs") / run_date / "lists"
    write_quarantine(out, tally.quarantine())
    return {
        "run_date": run_date,
        "files": [p.name for p in files],
        **changes,
        "rows_in": sum(tally.rows_in.values()),
        "rows_quarantined": sum(tally.quarantined.values()),
    }


def agency_input(settings: Settings, run_date: str, agency: str) -> Path:
    """The agency's file for the night, whatever its format."""
    found = sorted(
        p for p in (_landing(settings, run_date) / "agencies").glob(f"{agency}.*") if p.is_file()
    )
    if not found:
        raise InputError(
            f"no {agency} file for {run_date} in {_landing(settings, run_date) / 'agencies'}"
        )
    return found[0]


def sweep_agency(agency: str, run_date: str, settings_path: str | None = None) -> dict:
    """One agency's sweep over the lists already in the warehouse."""
    settings = _settings(settings_path)
    night = date.fromisoformat(run_date)
    request = SweepRequest(
        agency=agency,
        lists=(),
        input=agency_input(settings, run_date, agency),
        out=settings.storage.path("runs") / run_date / agency,
        run_date=night,
        settings=settings,
        warehouse=settings.storage.path("warehouse"),
        outbox=settings.storage.path("outbox"),
        review_db=settings.storage.path("review_db"),
        docs_dir=_docs_dir(settings, run_date),
    )
    return run_sweep(request).summary


def publish_summary(run_date: str, summaries: list[dict], settings_path: str | None = None) -> dict:
    """Write the night's run summary next to the per-agency ones."""
    settings = _settings(settings_path)
    keys = (
        "records_in",
        "records_quarantined",
        "matches",
        "reviews",
        "intercepts",
        "alerts_new",
        "alerts_withdrawn",
    )
    night = {
        "run_date": run_date,
        "agencies": {s["agency"]: {k: s.get(k) for k in (*keys, "duration_s")} for s in summaries},
        "totals": {k: sum(int(s.get(k) or 0) for s in summaries) for k in keys},
        "outbox": str(settings.storage.path("outbox")),
    }
    target = settings.storage.path("runs") / run_date / "summary.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(night, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return night


def prepare_demo(run_date: str, size: int, seed: int, settings_path: str | None = None) -> dict:
    """Generate a night of synthetic sources into the landing folder (the demo's data)."""
    from pipelines.synth import generate

    settings = _settings(settings_path)
    landing = _landing(settings, run_date)
    manifest = generate(
        landing, size=size, seed=seed, as_of=date.fromisoformat(run_date) - timedelta(days=1)
    )
    return {
        "run_date": run_date,
        "landing": str(landing),
        "size": size,
        "seed": seed,
        "files": len(getattr(manifest, "files", []) or []),
    }
