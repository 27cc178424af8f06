"""Typed settings of the Airflow wiring."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field

from matching.config import ConfigModel


class OrchestrationSettings(ConfigModel):
    """Where Airflow finds credsweep's DAG files."""

    dags_folder: str = Field(
        default="dags",
        description=(
            "Folder of the DAG files; relative paths are taken from the working directory, "
            "`$CREDSWEEP_DAGS_FOLDER` overrides it."
        ),
    )

    def folder(self) -> Path:
        """The DAG folder, honouring `$CREDSWEEP_DAGS_FOLDER`."""
        return Path(os.environ.get("CREDSWEEP_DAGS_FOLDER") or self.dags_folder).absolute()
