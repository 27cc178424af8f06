"""Typed settings of the real-time screening desk."""

from __future__ import annotations

from pydantic import Field

from matching.config import ConfigModel


class ScreenSettings(ConfigModel):
    """The real-time screening desk (`credsweep screen serve`): limits and refresh periods."""

    rate_per_s: float = Field(
        default=50.0, gt=0, description="Requests per second one API key may send on average."
    )
    burst: int = Field(
        default=100, ge=1, description="Requests one API key may send at once above its rate."
    )
    daily_quota: int = Field(
        default=200_000,
        ge=1,
        description="Records one API key may screen per calendar day (a batch counts each).",
    )
    max_batch: int = Field(
        default=1000, ge=1, le=1000, description="Most records in one batch request."
    )
    poll_s: float = Field(
        default=30.0,
        gt=0,
        description=(
            "Seconds between checks of the warehouse's list version (a new version is indexed "
            "and swapped in) and re-reads of analyst decisions and recorded thresholds."
        ),
    )
    store: str = Field(
        default="screen.sqlite",
        description="SQLite file under the home folder holding API key hashes and the query audit.",
    )
    journal: str = Field(
        default="screen_journal",
        description=(
            "Folder under the home folder where the desk journals each intercept and review "
            "before a writer thread puts it into the alerts ledger and the analysts' queue."
        ),
    )
