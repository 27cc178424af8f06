"""The court's pages: its own debtors' whereabouts leads (HTTP 403 for another court's)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse

from pipelines.leads import LEAD_FIELDS
from pipelines.workbench import court_desk
from pipelines.workbench.models import User
from pipelines.workbench.pages import court_user, render
from pipelines.workbench.web import client_ip, parse_day, store_of

router = APIRouter()
Court = Annotated[User, Depends(court_user)]


def court_scope(user: User, court: str | None) -> str:
    """A court user's own court; asking for another one is HTTP 403."""
    assert user.agency is not None
    if court and court != user.agency:
        raise HTTPException(status_code=403, detail="只能查看本院的行踪线索")
    return user.agency


@router.get("/court/leads", response_class=HTMLResponse)
def leads_page(
    request: Request, user: Court, court: str | None = None, run_date: str | None = None
) -> HTMLResponse:
    """The court's leads of one night (default: the latest with leads)."""
    own = court_scope(user, court)
    store = store_of(request)
    nights = court_desk.lead_nights(store, own)
    night = parse_day(run_date) or (nights[0] if nights else None)
    rows = court_desk.leads_of(store, own, night) if night else []
    store.audit(user, "view_leads", own, client_ip(request), f"{night} {len(rows)} rows")
    return render(
        request,
        "leads.html",
        court=own,
        night=night,
        nights=nights,
        rows=rows,
        fields=[f for f in LEAD_FIELDS if f[0] not in ("court", "alert_id")],
    )
