"""The analysts' review queue: filtered, sorted, paged; decisions on many items at once.

Supervisors also see escalated items and, on request, closed ones.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pipelines.review.models import Decision, QueueFilter, Role
from pipelines.review.queue_view import DEFAULT_SORT, SORTS
from pipelines.workbench.deps import CSRF, ClientIp, Staff, Store, WbSettings
from pipelines.workbench.pages import render
from pipelines.workbench.web import checked_agency, decide_items, parse_day

router = APIRouter()
_SORT_LABELS = {code: label for code, (label, _) in SORTS.items()}


@router.get("/queue", response_class=HTMLResponse)
def queue(
    request: Request,
    user: Staff,
    store: Store,
    settings: WbSettings,
    agency: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    view: str = "open",
    sort: str = DEFAULT_SORT,
    page_no: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    """One page of open items (or, for a supervisor, closed ones) in the chosen order."""
    flt = QueueFilter(
        agency=checked_agency(request, agency),
        date_from=parse_day(date_from),
        date_to=parse_day(date_to),
        include_escalated=user.role == Role.SUPERVISOR,
        closed=view == "closed" and user.role == Role.SUPERVISOR,
    )
    if sort not in SORTS:
        raise HTTPException(status_code=400, detail="排序方式无效")
    shown = store.queue_page(flt, sort, page_no, settings.page_size)
    return render(
        request,
        "queue.html",
        rows=shown.rows,
        shown=shown,
        sorts=_SORT_LABELS,
        flt=flt,
        view=view,
        user=user,
    )


@router.post("/queue/bulk", dependencies=[CSRF])
def bulk(
    request: Request,
    user: Staff,
    store: Store,
    ip: ClientIp,
    decision: Annotated[Decision, Form()],
    item_id: Annotated[list[str], Form()],
    note: Annotated[str, Form()] = "",
) -> Response:
    """One decision for every ticked item (one per distinct pair)."""
    written = decide_items(store, user, item_id, decision, note, ip)
    request.session["flash"] = f"已批量记录 {written} 个配对的决定"
    return RedirectResponse("/queue", status_code=303)
