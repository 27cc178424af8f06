"""Weekly joint-sanction statistics and the agency cooperation ranking for the courts.

Wiring only: the work is `pipelines.courts.steps.weekly_ranking`. Runs on Monday 06:00 Beijing
time, after Sunday night's sweeps and the capacity scoring, over the week ending on Sunday;
files go to runs/<Sunday>/stats/ (stats.*, ranking.*), so a rerun rewrites the same week.
"""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from airflow.sdk import CronTriggerTimetable, dag, task

from pipelines.orchestration.airflow_runner import (
    COURT_WEEKLY_DAG_ID,
    DEFAULT_ARGS,
    NIGHT_TZ,
    call_step,
    run_date_params,
)


@dag(
    dag_id=COURT_WEEKLY_DAG_ID,
    schedule=CronTriggerTimetable("0 6 * * 1", timezone=NIGHT_TZ, interval=timedelta(days=7)),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params=run_date_params("Last night of the week (YYYY-MM-DD); empty = the interval's last."),
    tags=["credsweep", "courts", "stats"],
    doc_md=__doc__,
)
def credsweep_court_weekly() -> None:
    @task
    def night(**context) -> str:
        """The week's last night (param, else the day before the interval ends)."""
        from pipelines.orchestration.airflow_runner import week_night_of

        return week_night_of(context)

    @task
    def ranking(run_date: str, **context) -> dict:
        """The week's statistics and the agency cooperation ranking."""
        from pipelines.courts.steps import weekly_ranking

        return call_step(context, weekly_ranking, run_date)

    # At run time TaskFlow hands `ranking` the str `night` returned; Airflow's typing has no
    # XComArg of a given type, so the call site says what the reference stands for.
    ranking(cast(str, night()))


credsweep_court_weekly()
