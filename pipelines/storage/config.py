"""Where state and files live (the embedded default: DuckDB files and local folders)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field

from matching.config import ConfigModel


class StorageSettings(ConfigModel):
    """Where state and files live. Relative paths are taken under `home`."""

    home: str = Field(
        default="var", description="Root of the embedded store; `$CREDSWEEP_HOME` overrides it."
    )
    warehouse: str = Field(
        default="warehouse.duckdb", description="DuckDB file (or `:memory:`) holding all state."
    )
    review_db: str = Field(
        default="review.duckdb",
        description="DuckDB file of the analyst workbench (its own writer).",
    )
    outbox: str = Field(
        default="outbox", description="Folder with one sub-folder of hit reports per agency."
    )
    data_docs: str = Field(
        default="data_docs", description="Folder where Great Expectations writes Data Docs per run."
    )
    landing: str = Field(
        default="landing",
        description=(
            "Folder the nightly DAGs read source files from: <date>/lists, <date>/agencies."
        ),
    )
    runs: str = Field(
        default="runs",
        description="Per-night outputs: hits.csv, quarantine.csv, summary.json per agency.",
    )

    def root(self) -> Path:
        """The home folder, honouring `$CREDSWEEP_HOME`; relative homes are taken from the cwd."""
        return Path(os.environ.get("CREDSWEEP_HOME") or self.home).absolute()

    def path(self, name: str) -> Path:
        """Resolve one of the storage fields (e.g. `"outbox"`) to a path."""
        value = getattr(self, name)
        if value == ":memory:":
            return Path(value)
        p = Path(value)
        return p if p.is_absolute() else self.root() / p
