"""Configuration faults fail fast with one line; a relative home works as the docs' recipe needs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from pipelines.errors import ConfigError, CredsweepError
from pipelines.orchestration.airflow_runner import LIST_INGEST_DAG_ID
from pipelines.settings import DEFAULT_SETTINGS, load_settings

# Airflow fixtures come from tests/airflow_env.py via tests/conftest.py


def test_a_broken_settings_file_is_one_config_error(tmp_path: Path) -> None:
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("storage: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML at line"):
        load_settings(bad_yaml)
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("thresholds:\n  match: banana\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(wrong)
    assert "\n" not in str(err.value) and "wrong.yaml" in str(err.value)


@pytest.mark.parametrize(
    "fault",
    [IsADirectoryError(21, "Is a directory"), ConfigError("settings file x.yaml: bad")],
)
def test_config_faults_fail_the_task_without_retry(
    airflow_dags: dict,
    airflow_db: bool,
    monkeypatch: pytest.MonkeyPatch,
    fault: BaseException,
) -> None:
    import pipelines.orchestration.nightly
    from pipelines.orchestration.airflow_runner import run_dag

    def broken(run_date: str, settings_path: str | None = None) -> dict:
        raise fault

    monkeypatch.setattr(pipelines.orchestration.nightly, "ingest_lists", broken)
    started = time.perf_counter()
    with pytest.raises(CredsweepError) as failure:
        run_dag(airflow_dags[LIST_INGEST_DAG_ID], "2024-06-03")
    message = str(failure.value)
    assert "\n" not in message and type(fault).__name__ in message
    assert time.perf_counter() - started < 60  # the 5-minute retry delay was not waited out


def test_relative_home_runs_the_night_with_data_docs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh clone without CREDSWEEP_HOME: the home is `var` under the working folder."""
    from pipelines.orchestration import nightly

    monkeypatch.delenv("CREDSWEEP_HOME", raising=False)
    monkeypatch.delenv("CREDSWEEP_SETTINGS", raising=False)
    monkeypatch.chdir(tmp_path)
    nightly.prepare_demo("2024-05-01", 80, 7)
    assert nightly.ingest_lists("2024-05-01")["added"] > 0
    assert not (tmp_path / "var" / "data_docs").exists()  # not written by default
    settings = tmp_path / "settings.yaml"  # Data Docs on: the relative folder GE once refused
    packaged = yaml.safe_load(DEFAULT_SETTINGS.read_text("utf-8"))
    packaged.setdefault("contracts", {})["write_data_docs"] = True
    settings.write_text(yaml.safe_dump(packaged, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("CREDSWEEP_SETTINGS", str(settings))
    result = nightly.ingest_lists("2024-05-01")  # the same night again: a replay, docs written
    assert result["rows_in"] > 0
    assert (tmp_path / "var" / "data_docs" / "2024-05-01").is_dir()


def test_documented_metadata_url_has_its_driver_installed() -> None:
    """Every SQLAlchemy URL the Airflow docs give must load its DBAPI driver from the lock."""
    import re

    import sqlalchemy

    docs = (Path(__file__).parents[1] / "docs" / "airflow.md").read_text(encoding="utf-8")
    urls = set(re.findall(r"(postgresql\+\w+|mysql\+\w+)://", docs))
    assert urls, "the docs name a metadata database URL"
    for scheme in urls:
        engine = sqlalchemy.create_engine(f"{scheme}://user:pass@localhost/airflow")
        assert engine.dialect.dbapi is not None  # imported without connecting
        engine.dispose()


def test_no_command_offers_a_double_negative_flag() -> None:
    from typer.testing import CliRunner

    from pipelines.cli.app import app

    for command in (["sweep"], ["capacity"], ["nightly"], ["evaluate"]):
        shown = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"}).output
        assert "--no-no-" not in shown, command
