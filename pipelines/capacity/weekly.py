"""The weekly capacity step as the Airflow task calls it: keyed by the week's last night.

Inputs follow the nightly layout: the night's list files and capacity sources under
`landing/<night>/` (lists/, capacity/welfare_status.*, capacity/asset_inquiry.*) and the week's
sweep outputs under `runs/<night>/<agency>/hits.csv`. Output goes to `runs/<night>/capacity/`,
so a rerun of the same week overwrites the same files.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from pipelines.errors import InputError

WEEK_DAYS = 7
NIGHT_TZ = "Asia/Shanghai"


def _one(folder: Path, stem: str) -> Path:
    found = sorted(p for p in folder.glob(f"{stem}.*") if p.is_file())
    if not found:
        raise InputError(f"no {stem} file in {folder}")
    return found[0]


def week_hits(runs: Path, night: date) -> list[Path]:
    """Sweep output folders of the week ending on `night` that hold a hits.csv."""
    days = [night - timedelta(days=i) for i in range(WEEK_DAYS)]
    return sorted(p.parent for d in days for p in (runs / d.isoformat()).glob("*/hits.csv"))


def capacity_week(run_date: str, settings_path: str | None = None) -> dict:
    """Score every active listed debtor as of `run_date`; return the run summary (for XCom)."""
    from pipelines.ingest.listing import list_files
    from pipelines.settings import load_settings

    from .run import CapacityRequest, run_capacity

    settings = load_settings(settings_path)
    night = date.fromisoformat(run_date)
    landing = settings.storage.path("landing") / run_date
    runs = settings.storage.path("runs")
    lists = list_files(landing / "lists")
    if not lists:
        raise InputError(f"no list files for {run_date} in {landing / 'lists'}")
    req = CapacityRequest(
        lists=tuple(lists),
        welfare=_one(landing / "capacity", "welfare_status"),
        assets=_one(landing / "capacity", "asset_inquiry"),
        hits=tuple(week_hits(runs, night)),
        out=runs / run_date / "capacity",
        as_of=night,
    )
    summary = run_capacity(req, settings)
    return {"run_date": run_date, "out": str(req.out), **summary}
