"""The precision page: what the analysts' labels say about each agency's cut-offs."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from matching.calibrate import labels_to_gammas
from pipelines.review import precision
from pipelines.review.feedback import thresholds_in_force
from pipelines.workbench.deps import Staff, State, Store
from pipelines.workbench.pages import render
from pipelines.workbench.web import agency_scope

router = APIRouter()


@router.get("/precision", response_class=HTMLResponse)
def precision_page(
    request: Request, user: Staff, store: Store, state: State, agency: str | None = None
) -> HTMLResponse:
    """Labelled precision at the cut-offs each agency's latest sweep recorded."""
    chosen = agency_scope(user, agency)
    labels = store.labels()
    # the cut-offs each agency's latest sweep decided with: in target mode they are derived
    # per sweep, so the written ones would mislead
    recorded = store.latest_thresholds(chosen)
    sections = [precision.recorded_section(labels, used) for used in recorded]
    missing = precision.without_record([chosen] if chosen else state.agencies, recorded)
    fallback = None
    if missing or not sections:
        # no sweep recorded: what the settings and labels give before scoring
        limits, source = thresholds_in_force(
            state.thresholds, state.calibration, labels_to_gammas(labels)
        )
        fallback = precision.section(labels, limits.review, limits.match, source, missing)
    return render(
        request,
        "precision.html",
        sections=sections,
        fallback=fallback,
        chosen=chosen,
        configured=state.thresholds,
        calibration=state.calibration,
        source_zh=precision.SOURCE_ZH,
        mode_zh=precision.MODE_ZH,
    )
