"""The agency's hits: the page, the CSV download, and an outcome per alert.

An agency user sees only its own agency; analysts and supervisors choose one. Downloads are
masked like the outbox report and audited.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pipelines.review.models import Outcome, Role
from pipelines.sanctions.reports import download_rows
from pipelines.settings import agency_settings, load_settings
from pipelines.workbench.deps import CSRF, Anyone, ClientIp, State, Store
from pipelines.workbench.pages import render
from pipelines.workbench.vocab import DOWNLOAD_HEADERS
from pipelines.workbench.web import agency_scope, checked_agency, parse_day

router = APIRouter()


@router.get("/agency", response_class=HTMLResponse)
def agency_page(
    request: Request,
    user: Anyone,
    store: Store,
    state: State,
    agency: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
) -> HTMLResponse:
    """The hits the agency must act on, in the date range (default: the first agency)."""
    chosen = agency_scope(user, checked_agency(request, agency)) or next(iter(state.agencies), None)
    hits = store.agency_hits(chosen, parse_day(date_from), parse_day(date_to)) if chosen else None
    return render(
        request,
        "agency.html",
        rows=hits.to_dicts() if hits is not None else [],
        agency=chosen,
        user=user,
        date_from=date_from or "",
        date_to=date_to or "",
        outcomes=list(Outcome),
    )


@router.get("/agency/hits.csv")
def agency_csv(
    request: Request,
    user: Anyone,
    store: Store,
    ip: ClientIp,
    agency: Annotated[str | None, Query()] = None,
    date_from: str | None = None,
    date_to: str | None = None,
) -> Response:
    """The same hits as a CSV file Excel opens (UTF-8 with BOM, Chinese headers)."""
    chosen = agency_scope(user, checked_agency(request, agency))
    if not chosen:
        raise HTTPException(status_code=400, detail="请选择机构")
    hits = store.agency_hits(chosen, parse_day(date_from), parse_day(date_to))
    store.audit(user, "download", chosen, ip, f"{hits.height} rows")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    columns = [c for c in DOWNLOAD_HEADERS if c in hits.columns]
    writer.writerow([DOWNLOAD_HEADERS[c] for c in columns])
    # masked as the outbox report for this agency, no cell able to start a formula
    safe = download_rows(hits.select(columns), agency_settings(load_settings(), chosen))
    writer.writerows(safe.rows())
    # The BOM makes Excel read the file as UTF-8.
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{chosen}_hits.csv"'},
    )


@router.post("/agency/outcome", dependencies=[CSRF])
def agency_outcome(
    request: Request,
    user: Anyone,
    store: Store,
    ip: ClientIp,
    alert_id: Annotated[str, Form()],
    outcome: Annotated[Outcome, Form()],
    note: Annotated[str, Form()] = "",
) -> Response:
    """An agency user's outcome for one of its own alerts; a false match opens a dispute."""
    if user.role != Role.AGENCY or not user.agency:
        raise HTTPException(status_code=403, detail="仅机构用户可以反馈处理结果")
    if not store.owns_alert(user.agency, alert_id):
        # unknown and foreign ids alike: the answer must not tell them apart
        raise HTTPException(status_code=403, detail="只能反馈本机构的预警")
    row = {"alert_id": alert_id, "outcome": outcome.value, "note": note.strip() or None}
    summary = store.record_outcomes(user.agency, [row], username=user.username)
    store.audit(user, "outcome", alert_id, ip, outcome.value)
    request.session["flash"] = "已提交反馈" + ("，已转人工复核" if summary.disputed else "")
    return RedirectResponse("/agency", status_code=303)
