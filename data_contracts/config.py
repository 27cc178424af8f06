"""Typed dataset-level limits of the data contracts.
"""

from __future__ import annotations

from pydantic import Field

from matching.config import ConfigModel


class ContractSettings(ConfigModel):
    """Dataset-level limits of the data contracts."""

    max_invalid_id_fraction: float = Field(
        default=0.5, description="Above this share of unusable IDs the dataset is refused."
    )
    min_date: str = Field(
        default="1900-01-01", description="Earliest plausible date in any date column."
    )
    write_data_docs: bool = Field(
        default=False,
        description=(
            "Write Great Expectations Data Docs (HTML) per night under storage.data_docs. Off by"
            " default: the pages load their styles and scripts from public CDNs and render blank"
            " offline, and take about 20 MB a night; the quarantine files and run summaries"
            " carry the same verdicts."
        ),
    )
