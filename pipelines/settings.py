"""Typed run settings, loaded and validated once per run from one YAML file.

Each layer declares its own typed settings next to its code (`matching/config.py`,
`data_contracts/config.py`, `pipelines/<layer>/config.py`); this module only composes them.

The packaged default (`pipelines/credsweep.yaml`) runs everything on the embedded store: DuckDB
files and local folders. A deployment points `CREDSWEEP_SETTINGS` at its own file; nothing in
code changes.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import Field, ValidationError

from data_contracts.config import ContractSettings
from matching.config import ConfigModel, MatchCalibration, MatchThresholds
from pipelines.errors import ConfigError, CredsweepError
from pipelines.orchestration.config import OrchestrationSettings
from pipelines.sanctions.config import Agency, AgencySettings
from pipelines.screen.config import ScreenSettings
from pipelines.storage.config import StorageSettings
from pipelines.sweep.config import EngineSettings

DEFAULT_SETTINGS = Path(__file__).with_name("credsweep.yaml")


class Settings(ConfigModel):
    """Everything one run needs."""

    storage: StorageSettings = Field(default=StorageSettings(), description="Files and stores.")
    thresholds: MatchThresholds = Field(
        default=MatchThresholds(), description="Match/review cut-offs."
    )
    calibration: MatchCalibration = Field(
        default=MatchCalibration(),
        description="Target precision/recall and how labels refine matching.",
    )
    contracts: ContractSettings = Field(
        default=ContractSettings(), description="Dataset-level contract limits."
    )
    agencies: dict[Agency, AgencySettings] = Field(
        description="The agencies swept, keyed by dataset name."
    )
    screen: ScreenSettings = Field(
        default=ScreenSettings(), description="The real-time screening desk."
    )
    engine: EngineSettings = Field(
        default=EngineSettings(), description="Engine of the pair scoring stage."
    )
    orchestration: OrchestrationSettings = Field(
        default=OrchestrationSettings(), description="Where the Airflow DAG files are."
    )


def with_engine(settings: Settings, engine: str | None, spark_master: str | None) -> Settings:
    """The settings with the command line's engine choice, checked like the settings file."""
    chosen = settings.engine.model_dump()
    if engine is not None:
        chosen["engine"] = engine
    if spark_master is not None:
        chosen["spark_master"] = spark_master
    if chosen["engine"] not in ("local", "spark"):
        raise CredsweepError(f"--engine must be local or spark, not {chosen['engine']!r}")
    return settings.model_copy(update={"engine": EngineSettings(**chosen)})


def agency_settings(settings: Settings, agency: str) -> AgencySettings:
    """The settings of `agency`, with a one-line error for an unknown name."""
    try:
        return settings.agencies[agency]  # type: ignore[index]
    except KeyError:
        known = ", ".join(settings.agencies)
        raise CredsweepError(f"unknown agency {agency!r}; expected one of {known}") from None


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Load settings from `path`, `$CREDSWEEP_SETTINGS`, or the packaged default."""
    chosen = Path(path or os.environ.get("CREDSWEEP_SETTINGS") or DEFAULT_SETTINGS)
    try:
        raw = yaml.safe_load(chosen.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read settings file {chosen}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise ConfigError(f"settings file {chosen} is not valid YAML{line}") from None
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"settings file {chosen}: {field}: {first['msg']} ({exc.error_count()} problem(s))"
        ) from None


@lru_cache(maxsize=1)
def default_settings() -> Settings:
    """The packaged default settings, parsed once per process."""
    return load_settings(DEFAULT_SETTINGS)
