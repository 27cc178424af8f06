"""Which engine scores the sweep's candidate pairs.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from matching.config import ConfigModel


class EngineSettings(ConfigModel):
    """Where the candidate-pair scoring runs (the same hits either way)."""

    engine: Literal["local", "spark"] = Field(
        default="local", description="local: this process; spark: Apache Spark via PySpark."
    )
    spark_master: str = Field(
        default="local[2]", description="Spark master URL for engine spark (local[N] on one host)."
    )
