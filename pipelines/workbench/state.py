"""What one workbench app holds for its requests, built once by `app.create_app`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request

from matching.config import MatchCalibration, MatchThresholds
from pipelines.review.security import SecurityStore
from pipelines.review.web_side import WebReview
from pipelines.workbench.settings import WorkbenchSettings


@dataclass(frozen=True)
class Workbench:
    """The store, settings and clock every view reaches through a dependency."""

    store: WebReview
    settings: WorkbenchSettings
    security: SecurityStore
    clock: Callable[[], float]
    """Seconds since the epoch; tests pass their own to expire sessions."""
    thresholds: MatchThresholds
    """The configured cut-offs, for agencies whose sweep has recorded none."""
    calibration: MatchCalibration
    agencies: dict[str, str]
    """Agency code -> Chinese title; the agencies a request may name."""


def workbench_of(request: Request) -> Workbench:
    """The app's state (views reach the database only through its store)."""
    state: Workbench = request.app.state.workbench
    return state
