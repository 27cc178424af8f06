"""Workbench settings: where review state lives and how long a login lasts.

Kept apart from `pipelines.settings.Settings` (whose `storage` section belongs to the sweep) so
the workbench can run on a machine that never sees the warehouse. Every field is documented in
docs/workbench.md; a test fails when one is not.
"""

from __future__ import annotations

import os
import secrets
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

ENV_PREFIX = "CREDSWEEP_REVIEW_"


class WorkbenchSettings(BaseModel):
    """Settings of the analyst workbench and its review database."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    review_db: str = Field(
        "var/review.duckdb",
        description="DuckDB file with review state; separate from the warehouse (one-writer rule).",
    )
    secret_key: str = Field(
        default_factory=lambda: secrets.token_urlsafe(32),
        description="Key signing session cookies; random per process when unset.",
    )
    session_max_age_s: int = Field(8 * 3600, ge=60, description="Session lifetime in seconds.")
    https_only: bool = Field(
        False, description="Mark the session cookie Secure (serve behind TLS)."
    )
    trust_proxy_headers: bool = Field(
        False, description="Take the client IP for the audit log from X-Forwarded-For."
    )
    lock_retry_s: float = Field(
        30.0, ge=0, description="How long to retry when another process holds the review DB."
    )
    review_deadline_working_days: int = Field(
        1, ge=1, le=30, description="Deadline of a borderline match (an information query)."
    )
    dispute_deadline_working_days: int = Field(
        5, ge=1, le=30, description="Deadline of an agency-disputed hit (a coordination item)."
    )
    page_size: int = Field(200, ge=10, le=5000, description="Queue rows shown per page.")


def load_workbench_settings(**overrides: Any) -> WorkbenchSettings:
    """Settings from `CREDSWEEP_REVIEW_<FIELD>` environment variables, then explicit overrides."""
    values: dict[str, Any] = {}
    for name in WorkbenchSettings.model_fields:
        env = os.environ.get(ENV_PREFIX + name.upper())
        if env is not None:
            values[name] = env
    values.update({k: v for k, v in overrides.items() if v is not None})
    return WorkbenchSettings.model_validate(values)
