"""One pair side by side, with its evidence and history, and the decision on it.

Every view is audited; an agency user sees only its own agency's pairs (HTTP 403 otherwise).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pipelines.review.models import Decision, QueueFilter, Role
from pipelines.workbench import pairview
from pipelines.workbench.deps import CSRF, Anyone, ClientIp, Staff, Store
from pipelines.workbench.pages import render
from pipelines.workbench.web import agency_scope, decide_items

router = APIRouter()


@router.get("/pair/{item_id}", response_class=HTMLResponse)
def pair(request: Request, item_id: str, user: Anyone, store: Store, ip: ClientIp) -> HTMLResponse:
    """The pair page (the view is written to the audit log)."""
    found = store.view_pair(user, item_id, ip)
    if found is None:
        raise HTTPException(status_code=404, detail="未找到该复核项")
    agency_scope(user, found["agency"])
    return render(request, "pair.html", item=found, view=pairview.pair_context(found), user=user)


@router.post("/pair/{item_id}/decide", dependencies=[CSRF])
def decide(
    request: Request,
    item_id: str,
    user: Staff,
    store: Store,
    ip: ClientIp,
    decision: Annotated[Decision, Form()],
    note: Annotated[str, Form()] = "",
) -> Response:
    """Record the decision and go on to the most urgent open item."""
    decide_items(store, user, [item_id], decision, note, ip)
    request.session["flash"] = "已记录决定"
    following = store.queue(QueueFilter(include_escalated=user.role == Role.SUPERVISOR), limit=1)
    target = f"/pair/{following[0]['item_id']}" if following else "/queue"
    return RedirectResponse(target, status_code=303)
