"""The value `data_contracts.validate` returns (kept import-light: no GE here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

# Set by a reader on a row it could not take apart or will not pass on (see pipelines.ingest.rows):
# the reason, `code:field 中文`; such rows go to quarantine before any other check.
REJECT_COLUMN = "_reject"

QUARANTINE_SCHEMA = {
    "dataset": pl.String,
    "source": pl.String,
    "row": pl.Int64,
    "record_key": pl.String,
    "reason": pl.String,
}


@dataclass(frozen=True)
class ContractResult:
    """Clean typed rows, quarantined rows with reasons, and run figures (JSON-safe)."""

    clean: pl.DataFrame
    quarantine: pl.DataFrame
    stats: dict[str, Any]
    validation: Any = field(default=None, repr=False)
    """The Great Expectations CheckpointResult behind the verdict."""
