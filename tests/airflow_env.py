"""Pytest plugin: an isolated Airflow home for the DAG tests, set before Airflow is imported.

Airflow reads its configuration when `airflow` is first imported, so the environment must be in
place before any test (or module it imports) touches Airflow. Register it from tests/conftest.py
with `pytest_plugins = ["tests.airflow_env"]`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.orchestration.airflow_runner import airflow_env


@pytest.fixture(scope="session")
def credsweep_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A session folder whose `airflow/` sub-folder is AIRFLOW_HOME (SQLite metadata inside)."""
    base = tmp_path_factory.mktemp("credsweep")
    # A deployment's own connection string must not leak into the tests.
    os.environ.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", None)
    env = {k: v for k, v in airflow_env(base).items() if k != "CREDSWEEP_HOME"}
    (base / "airflow").mkdir()
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    yield base
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def airflow_dags(credsweep_base: Path) -> dict:
    """The parsed dags folder (import errors fail the run that loads it)."""
    from pipelines.orchestration.airflow_runner import load_dags

    dags = load_dags()
    # Importing Airflow turns logging up to INFO; keep test output readable.
    for noisy in ("airflow", "great_expectations", "alembic", "sqlalchemy"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return dags


@pytest.fixture(scope="session")
def airflow_db(airflow_dags: dict) -> bool:
    """Airflow's SQLite metadata database, migrated once per session; True if it was created."""
    from pipelines.orchestration.airflow_runner import ensure_metadata_db

    return ensure_metadata_db()
