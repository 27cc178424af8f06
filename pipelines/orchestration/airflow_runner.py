"""The Airflow side of the nightly job: the conventions the DAG files share, and the local runner.

The DAG files import this module while Airflow parses them, so its top level stays light (stdlib
and `pipelines.settings` only); everything that touches Airflow's metadata database is imported
inside `run_nightly`, after the environment that configures Airflow has been set.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, get_args
from zoneinfo import ZoneInfo

from pipelines.errors import CredsweepError
from pipelines.sanctions.config import Agency

# The courts and agencies work on Beijing time: a "night" is a calendar date there, not in UTC.
NIGHT_TZ = "Asia/Shanghai"
# Lists are published during the day; ingest them at 01:00 after the day closes.
INGEST_CRON = "0 1 * * *"
# Safety net: sweep at 03:00 even if the list did not change (agency data still arrives nightly).
SWEEP_CRON = "0 3 * * *"
LIST_ASSET_URI = "credsweep://warehouse/list_entries"
LIST_INGEST_DAG_ID = "credsweep_list_ingest"
COURT_LEADS_DAG_ID = "credsweep_court_leads"
COURT_WEEKLY_DAG_ID = "credsweep_court_weekly"
AGENCIES: tuple[str, ...] = get_args(Agency)
# Retries are for transient faults (a locked file, a slow share); data faults fail at once.
RETRIES = 2
RETRY_DELAY = timedelta(minutes=5)
DEFAULT_ARGS = {"retries": RETRIES, "retry_delay": RETRY_DELAY}
"""Task defaults shared by every credsweep DAG."""


def run_date_params(description: str) -> dict[str, Any]:
    """The `run_date` param every credsweep DAG takes, so any night can be rerun or backfilled."""
    from airflow.sdk import Param  # deferred: the CLI imports this module without Airflow loaded

    return {
        "run_date": Param(
            None,
            type=["null", "string"],
            pattern=r"^\d{4}-\d{2}-\d{2}$",
            description=description,
        )
    }


def sweep_dag_id(agency: str) -> str:
    """The id of one agency's sweep DAG."""
    return f"credsweep_sweep_{agency}"


def outbox_asset_uri(agency: str) -> str:
    """The Asset an agency's sweep updates: its hit reports in the outbox."""
    return f"credsweep://outbox/{agency}"


def night_of_interval(start: datetime) -> str:
    """The night a timed run covers: the Beijing date its data interval starts on."""
    return start.astimezone(ZoneInfo(NIGHT_TZ)).date().isoformat()


def resolve_nights(
    explicit: str | None,
    event_nights: Iterable[str],
    interval_start: datetime | None,
    run_after: datetime,
) -> list[str]:
    """The nights one DAG run processes, most explicit source first.

    An operator's `run_date` param wins; an asset-triggered run has no logical date in Airflow 3,
    so it takes the nights named by the triggering list updates (several when a backfill
    queued them); a timed run takes its data interval; anything else the day before `run_after`.
    """
    if explicit:
        return [date.fromisoformat(explicit).isoformat()]
    nights = sorted({date.fromisoformat(n).isoformat() for n in event_nights})
    if nights:
        return nights
    if interval_start is not None:
        return [night_of_interval(interval_start)]
    return [night_of_interval(run_after - timedelta(days=1))]


def nights_from_context(context: Mapping[str, Any]) -> list[str]:
    """`resolve_nights` fed from an Airflow task context."""
    events = context.get("triggering_asset_events") or {}
    named = [
        str(event.extra["run_date"])
        for asset_events in events.values()
        for event in asset_events
        if (event.extra or {}).get("run_date")
    ]
    dag_run = context["dag_run"]
    return resolve_nights(
        (context.get("params") or {}).get("run_date"),
        named,
        context.get("data_interval_start"),
        dag_run.run_after,
    )


def _one_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def call_step(context: Mapping[str, Any], fn: Callable[..., dict], *args: Any) -> dict:
    """Run one pipeline step; a CredsweepError fails the task with no retry: bad data stays bad.

    So do faults of the deployment rather than of the moment (bad settings, a folder that is a
    file, a missing permission): retrying them five minutes later only delays the one line the
    operator needs.

    The one-line reason is also pushed as the task's `error` XCom, so whoever ran the DAG (the
    UI, `run_nightly`) can show it without digging through task logs.
    """
    try:
        return fn(*args)
    except (CredsweepError, PermissionError, IsADirectoryError, NotADirectoryError) as exc:
        from airflow.sdk.exceptions import AirflowFailException

        reason = f"{type(exc).__name__}: {_one_line(exc)}"
        context["ti"].xcom_push(key="error", value=reason)
        raise AirflowFailException(reason) from exc


def dags_folder() -> Path:
    """The DAG folder: `orchestration.dags_folder` of the settings, or `$CREDSWEEP_DAGS_FOLDER`."""
    from pipelines.settings import load_settings

    return load_settings().orchestration.folder()


def week_night(explicit: str | None, interval_end: datetime | None, run_after: datetime) -> str:
    """A weekly run's night: the param, else the Beijing day before the interval ends."""
    if explicit:
        return date.fromisoformat(explicit).isoformat()
    end = interval_end or run_after
    return (end.astimezone(ZoneInfo(NIGHT_TZ)).date() - timedelta(days=1)).isoformat()


def week_night_of(context: Mapping[str, Any]) -> str:
    """The night of a weekly DAG run from its task context (param `run_date`, else interval)."""
    return week_night(
        (context.get("params") or {}).get("run_date"),
        context.get("data_interval_end"),
        context["dag_run"].run_after,
    )


def night_logical_date(run_date: str) -> datetime:
    """The logical date the scheduler gives the night's ingest run: 01:00 Beijing, next day."""
    night = date.fromisoformat(run_date) + timedelta(days=1)
    return datetime(night.year, night.month, night.day, 1, tzinfo=ZoneInfo(NIGHT_TZ))


def airflow_env(home: Path) -> dict[str, str]:
    """The environment that points Airflow and credsweep at one project-local working folder."""
    home = home.resolve()
    return {
        "CREDSWEEP_HOME": str(home),
        "AIRFLOW_HOME": str(home / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder()),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # SQLite is the embedded default; a deployment sets its own connection string instead.
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": os.environ.get(
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{home / 'airflow' / 'airflow.db'}"
        ),
        "AIRFLOW__LOGGING__LOGGING_LEVEL": os.environ.get(
            "AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING"
        ),
    }


def apply_airflow_env(home: Path) -> dict[str, str]:
    """Set `airflow_env(home)` in this process; refuse if Airflow already runs on another home."""
    import sys

    env = airflow_env(home)
    if "airflow.configuration" in sys.modules:
        current = sys.modules["airflow.configuration"].AIRFLOW_HOME
        if Path(current).resolve() != Path(env["AIRFLOW_HOME"]):
            raise CredsweepError(
                f"Airflow is already configured with AIRFLOW_HOME={current}; "
                f"run the nightly job in a fresh process to use {env['AIRFLOW_HOME']}"
            )
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    os.environ.update(env)
    return env


def ensure_metadata_db() -> bool:
    """Create or migrate Airflow's metadata database when it is behind; True when it had to."""
    from airflow.utils import db

    try:
        db.check_migrations(timeout=0)
        return False
    except TimeoutError:
        db.initdb()
        return True


def load_dags() -> dict[str, Any]:
    """Parse the dags folder; any import error stops the run with its first line."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(dags_folder()))
    if bag.import_errors:
        path, err = next(iter(bag.import_errors.items()))
        last = str(err).strip().splitlines()[-1]
        raise CredsweepError(f"DAG file {Path(path).name} does not import: {last}")
    return bag.dags


def run_dag(dag: Any, run_date: str) -> Any:
    """Run one DAG for one night in-process (`dag.test`); a failed run raises naming its tasks."""
    run = dag.test(logical_date=night_logical_date(run_date), run_conf={"run_date": run_date})
    if run.state != "success":
        failed = sorted(
            (ti.task_id, ti.map_index)
            for ti in run.get_task_instances()
            if ti.state in ("failed", "upstream_failed")
        )
        names = [f"{t}[{i}]" if i >= 0 else t for t, i in failed]
        tasks = dict.fromkeys(t for t, _ in failed)
        reasons = [r for t in tasks for r in task_results(run, t, "error")]
        reason = reasons[0] if reasons else "unexpected error, see the task log"
        where = ", ".join(names) or "?"
        raise CredsweepError(
            f"DAG {dag.dag_id} failed for night {run_date} at task {where}: {reason}"
        )
    return run


def task_results(run: Any, task_id: str, key: str = "return_value") -> list[Any]:
    """The XCom values (default: return values) a task's instances pushed in one DAG run."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        query = XComModel.get_many(
            run_id=run.run_id, key=key, dag_ids=run.dag_id, task_ids=task_id
        ).order_by(XComModel.map_index)
        return [XComModel.deserialize_value(row) for row in session.scalars(query)]


def run_nightly(
    run_date: str,
    size: int,
    seed: int,
    home: Path,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Generate a night's demo data, then run list ingest and every agency sweep through Airflow.

    `progress` is told the name of each stage as it starts (the CLI prints one line per stage).
    """
    import warnings

    stage = progress or (lambda _name: None)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    # dag.test's in-process execution API imports starlette's test client, whose deprecation
    # warning Airflow's logging prints to stdout, ahead of the JSON the CLI prints there.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    apply_airflow_env(Path(home))
    from pipelines.orchestration.nightly import prepare_demo, publish_summary

    stage("准备 Airflow 元数据库 / metadata database")
    mark = time.perf_counter()
    migrated = ensure_metadata_db()
    timings["metadata_db_s"] = round(time.perf_counter() - mark, 2)

    stage(f"生成当晚数据 / generating {size} records per dataset")
    mark = time.perf_counter()
    demo = prepare_demo(run_date, size, seed)
    timings["prepare_demo_s"] = round(time.perf_counter() - mark, 2)

    stage("解析 DAG / parsing dags")
    mark = time.perf_counter()
    dags = load_dags()
    timings["parse_dags_s"] = round(time.perf_counter() - mark, 2)

    stage("名单入库 / list ingest")
    mark = time.perf_counter()
    ingest_run = run_dag(dags[LIST_INGEST_DAG_ID], run_date)
    lists = task_results(ingest_run, "ingest")
    timings[LIST_INGEST_DAG_ID + "_s"] = round(time.perf_counter() - mark, 2)

    summaries: list[dict] = []
    for agency in AGENCIES:
        stage(f"比对 / sweep {agency}")
        mark = time.perf_counter()
        run = run_dag(dags[sweep_dag_id(agency)], run_date)
        summaries.extend(task_results(run, "sweep"))
        timings[sweep_dag_id(agency) + "_s"] = round(time.perf_counter() - mark, 2)

    leads: list[Any] = []
    if COURT_LEADS_DAG_ID in dags:
        stage("行踪线索 / court leads")
        mark = time.perf_counter()
        leads = task_results(run_dag(dags[COURT_LEADS_DAG_ID], run_date), "leads")
        timings[COURT_LEADS_DAG_ID + "_s"] = round(time.perf_counter() - mark, 2)
    stage("汇总 / night summary")
    night = publish_summary(run_date, summaries)
    timings["total_s"] = round(time.perf_counter() - started, 2)
    return {
        "run_date": run_date,
        "airflow_home": os.environ["AIRFLOW_HOME"],
        "metadata_db_migrated": migrated,
        "demo": demo,
        "lists": lists[0] if lists else None,
        "summary": night,
        "leads": leads[0] if leads else None,
        "timings": timings,
    }
