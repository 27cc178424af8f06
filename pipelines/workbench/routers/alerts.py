"""The agency's alert desk: open alerts with deadlines, overdue first; acknowledgements and
outcomes per alert or in bulk. Agency users act on their own alerts only (HTTP 403 otherwise);
analysts and supervisors may look at any agency's desk."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pipelines.review import alert_desk
from pipelines.review.models import Role
from pipelines.sanctions.alert_lifecycle import OUTCOMES, AlertStatus
from pipelines.workbench.deps import CSRF, AgencyUser, Anyone, ClientIp, State, Store
from pipelines.workbench.pages import render, today
from pipelines.workbench.web import agency_scope

router = APIRouter()
ACTIONS = (AlertStatus.ACKNOWLEDGED, *OUTCOMES)
ACTION_ZH = {
    AlertStatus.ACKNOWLEDGED: "签收",
    AlertStatus.INTERCEPTED: "已拦截",
    AlertStatus.FALSE_MATCH: "误匹配",
    AlertStatus.RELEASED: "已放行",
}
STATUS_ZH = {"new": "新增", "sent": "已发送", "acknowledged": "已签收"}


@router.get("/agency/alerts", response_class=HTMLResponse)
def alert_desk_page(
    request: Request,
    user: Anyone,
    store: Store,
    state: State,
    ip: ClientIp,
    agency: str | None = None,
) -> HTMLResponse:
    """Open alerts of one agency, overdue first."""
    chosen = agency_scope(user, agency) or next(iter(state.agencies), None)
    day = today(request)
    rows = alert_desk.open_alerts(store, chosen, day) if chosen else []
    store.audit(user, "view_alerts", chosen, ip, f"{len(rows)} rows")
    return render(
        request,
        "alerts.html",
        rows=rows,
        agency=chosen,
        today=day,
        overdue=sum(r["overdue"] for r in rows),
        actions=[(a.value, ACTION_ZH[a]) for a in ACTIONS],
        status_zh=STATUS_ZH,
        may_act=user.role == Role.AGENCY,
    )


@router.post("/agency/alerts/reply", dependencies=[CSRF])
def reply(
    request: Request,
    user: AgencyUser,
    store: Store,
    ip: ClientIp,
    action: Annotated[AlertStatus, Form()],
    alert_id: Annotated[list[str], Form()],
    note: Annotated[str, Form()] = "",
) -> Response:
    """Acknowledge or give an outcome to one or many of the agency's own alerts."""
    if action not in ACTIONS:
        raise HTTPException(status_code=400, detail="不支持的处理结果")
    assert user.agency is not None
    ids = [a.strip() for a in alert_id if a.strip()]
    if not ids:
        raise HTTPException(status_code=400, detail="请至少选择一条预警")
    foreign = set(ids) - alert_desk.known_alerts(store, user.agency, ids)
    if foreign:
        raise HTTPException(status_code=403, detail="只能处理本机构的预警")
    if action == AlertStatus.ACKNOWLEDGED:
        made = alert_desk.acknowledge(store, user.agency, ids, user.username, "workbench")
        store.audit(user, "acknowledge", ",".join(ids)[:500], ip, f"{made} acks")
        request.session["flash"] = f"已签收 {made} 条预警"
        return RedirectResponse("/agency/alerts", status_code=303)
    rows = [{"alert_id": a, "outcome": action.value, "note": note.strip() or None} for a in ids]
    summary = store.record_outcomes(user.agency, rows, username=user.username)
    store.audit(user, "outcome", ",".join(ids)[:500], ip, f"{summary.recorded} outcomes")
    request.session["flash"] = f"已提交 {summary.recorded} 条处理结果" + (
        f"，{summary.disputed} 条误匹配已转人工复核" if summary.disputed else ""
    )
    return RedirectResponse("/agency/alerts", status_code=303)
