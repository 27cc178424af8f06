"""Workbench settings: where review state lives and how long a login lasts.

Kept apart from `pipelines.settings.Settings` so the workbench can run on a machine that never
sees the warehouse, but the review file is the sweep's own: unless given, its location is the
run settings' `storage.review_db` (under `$CREDSWEEP_HOME`), so the two never drift onto two
files. Every field is documented in docs/workbench.md; a test fails when one is not.
"""

from __future__ import annotations

import os
import secrets
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pipelines.review.throttle import ThrottlePolicy
from pipelines.settings import load_settings

ENV_PREFIX = "CREDSWEEP_REVIEW_"


def sweep_review_db() -> str:
    """The review file the sweep writes: `storage.review_db` of the run settings."""
    return str(load_settings().storage.path("review_db"))


class WorkbenchSettings(BaseModel):
    """Settings of the analyst workbench and its review database."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    review_db: str = Field(
        default_factory=sweep_review_db,
        description=(
            "DuckDB file with review state; separate from the warehouse (one-writer rule). "
            "Default: the sweep's `storage.review_db`."
        ),
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
    login_delay_after_failures: int = Field(
        5, ge=1, description="Consecutive failed logins of a name after which each try must wait."
    )
    login_delay_base_s: float = Field(
        2.0, ge=0, description="First wait after the delay threshold; doubles with each failure."
    )
    login_delay_max_s: float = Field(300.0, ge=0, description="Longest wait between two tries.")
    login_lockout_after_failures: int = Field(
        10, ge=1, description="Consecutive failed logins that lock the name."
    )
    login_lockout_minutes: float = Field(
        15.0, gt=0, description="How long a locked name stays locked."
    )

    def throttle_policy(self) -> ThrottlePolicy:
        """The login throttle these settings describe."""
        return ThrottlePolicy(
            delay_after=self.login_delay_after_failures,
            delay_base_s=self.login_delay_base_s,
            delay_max_s=self.login_delay_max_s,
            lockout_after=self.login_lockout_after_failures,
            lockout_minutes=self.login_lockout_minutes,
        )


def load_workbench_settings(**overrides: Any) -> WorkbenchSettings:
    """Settings from `CREDSWEEP_REVIEW_<FIELD>` environment variables, then explicit overrides."""
    values: dict[str, Any] = {}
    for name in WorkbenchSettings.model_fields:
        env = os.environ.get(ENV_PREFIX + name.upper())
        if env is not None:
            values[name] = env
    values.update({k: v for k, v in overrides.items() if v is not None})
    return WorkbenchSettings.model_validate(values)
