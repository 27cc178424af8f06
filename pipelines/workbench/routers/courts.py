"""The court's pages: its own debtors' whereabouts leads, and the exit-and-relief review of
its debtors classed 失能. Another court's leads or cases are HTTP 403 / 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pipelines.courts.leads import LEAD_FIELDS
from pipelines.review import court_desk, relief_desk
from pipelines.review.models import User
from pipelines.workbench.deps import CSRF, ClientIp, Store
from pipelines.workbench.deps import CourtUser as Court
from pipelines.workbench.pages import render
from pipelines.workbench.web import parse_day

router = APIRouter()
_MEASURES = {m.value: zh for m, zh in relief_desk.MEASURE_ZH.items()}


def court_scope(user: User, court: str | None) -> str:
    """A court user's own court; asking for another one is HTTP 403."""
    assert user.agency is not None
    if court and court != user.agency:
        raise HTTPException(status_code=403, detail="只能查看本院的行踪线索")
    return user.agency


@router.get("/court/leads", response_class=HTMLResponse)
def leads_page(
    request: Request,
    user: Court,
    store: Store,
    ip: ClientIp,
    court: str | None = None,
    run_date: str | None = None,
) -> HTMLResponse:
    """The court's leads of one night (default: the latest with leads)."""
    own = court_scope(user, court)
    nights = court_desk.lead_nights(store, own)
    night = parse_day(run_date) or (nights[0] if nights else None)
    rows = court_desk.leads_of(store, own, night) if night else []
    store.audit(user, "view_leads", own, ip, f"{night} {len(rows)} rows")
    return render(
        request,
        "leads.html",
        court=own,
        night=night,
        nights=nights,
        rows=rows,
        fields=[f for f in LEAD_FIELDS if f[0] not in ("court", "alert_id")],
    )


@router.get("/court/relief", response_class=HTMLResponse)
def relief_list(
    request: Request, user: Court, store: Store, court: str | None = None
) -> HTMLResponse:
    """The court's debtors classed 失能, unreviewed first."""
    own = court_scope(user, court)
    rows = relief_desk.cases_of(store, own)
    return render(request, "relief.html", court=own, rows=rows, measure_zh=_MEASURES)


@router.get("/court/relief/{entry_id}", response_class=HTMLResponse)
def relief_case(
    request: Request, entry_id: str, user: Court, store: Store, ip: ClientIp
) -> HTMLResponse:
    """One case with the evidence and its review history; the view is audited."""
    own = court_scope(user, None)
    found = relief_desk.case_of(store, own, entry_id)
    if found is None:
        raise HTTPException(status_code=404, detail="未找到本院的该案件")
    store.audit(user, "view_relief", entry_id, ip)
    return render(
        request,
        "relief_case.html",
        case=found,
        evidence=[p.strip() for p in (found["evidence"] or "").split("；") if p.strip()],
        measures=list(_MEASURES.items()),
        measure_zh=_MEASURES,
    )


@router.post("/court/relief/{entry_id}/decide", dependencies=[CSRF])
def relief_decide(
    request: Request,
    entry_id: str,
    user: Court,
    store: Store,
    ip: ClientIp,
    measure: Annotated[list[relief_desk.Measure], Form()],
    note: Annotated[str, Form()] = "",
) -> Response:
    """Record the court's decision (audited); the files follow on the nightly run."""
    try:
        relief_desk.decide(store, user, entry_id, measure, note.strip() or None, ip)
    except relief_desk.ReliefRefused as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    request.session["flash"] = "已记录处理决定：" + "、".join(_MEASURES[m.value] for m in measure)
    return RedirectResponse("/court/relief", status_code=303)
