"""The audit log, for supervisors: who saw or decided what, when, from where."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pipelines.workbench.deps import Store, Supervisor
from pipelines.workbench.pages import render

router = APIRouter()


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, user: Supervisor, store: Store) -> HTMLResponse:
    """The most recent audit rows."""
    return render(request, "audit.html", rows=store.audit_entries())
