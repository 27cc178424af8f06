"""The analyst workbench: FastAPI app, server-rendered pages, no JavaScript framework.

Views read and write only through `ReviewStore`; every pair view and decision is audited with
user, time and client address. Agency users see only their agency (HTTP 403 otherwise).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from matching.calibrate import labels_to_gammas
from matching.config import MatchCalibration, MatchThresholds
from pipelines.review import precision
from pipelines.review.feedback import thresholds_in_force
from pipelines.review.models import Decision, DecisionRefused, Outcome, QueueFilter, Role, User
from pipelines.review.queue_view import DEFAULT_SORT, SORTS
from pipelines.review.security import SecurityStore
from pipelines.review.store import ReviewStore
from pipelines.review.throttle import wait_message
from pipelines.workbench import account_routes, pairview
from pipelines.workbench.settings import WorkbenchSettings
from pipelines.workbench.web import (
    HERE,
    LoginRequired,
    agency_scope,
    audited_path,
    checked_agency,
    client_ip,
    csrf_token,
    current_user,
    make_templates,
    parse_day,
    require_csrf,
    safe_next,
    security_of,
    staff_user,
    start_session,
    store_of,
    supervisor_user,
    wall_clock,
)

CSRF = Depends(require_csrf)
Staff = Annotated[User, Depends(staff_user)]
Anyone = Annotated[User, Depends(current_user)]
Supervisor = Annotated[User, Depends(supervisor_user)]
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
CSV_HEADERS = {
    "alert_id": "预警编号",
    "record_id": "记录编号",
    "role": "角色",
    "entry_id": "名单编号",
    "query_name": "姓名/名称",
    "query_id_number": "证件号码",
    "list_name": "名单姓名/名称",
    "list_id_number": "名单证件号码",
    "match_score": "匹配概率",
    "intercept": "是否拦截",
    "rule_id": "规则编号",
    "reason": "拦截原因",
    "first_run": "首次发现",
    "last_run": "最近发现",
    "analyst_decision": "复核结论",
    "outcome": "机构反馈",
}


def create_app(
    store: ReviewStore,
    settings: WorkbenchSettings,
    *,
    thresholds: MatchThresholds | None = None,
    calibration: MatchCalibration | None = None,
    agency_titles: dict[str, str] | None = None,
    clock: Callable[[], float] = wall_clock,
) -> FastAPI:
    """Build the workbench around one store; the store is migrated here."""
    store.migrate()
    app = FastAPI(title="credsweep 复核工作台", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = store
    app.state.settings = settings
    app.state.clock = clock
    app.state.thresholds = thresholds or MatchThresholds.model_validate({})
    app.state.calibration = calibration or MatchCalibration.model_validate({})
    app.state.agencies = agency_titles or {}
    app.state.security = SecurityStore(store.db, store.clock, settings.throttle_policy())
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="credsweep_review",
        max_age=settings.session_max_age_s,
        same_site="strict",
        https_only=settings.https_only,
    )
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    from pipelines.workbench import alert_routes, court_routes, stats_routes

    app.include_router(alert_routes.router)
    app.include_router(court_routes.router)
    app.include_router(stats_routes.router)
    templates = make_templates()

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        user = request.session.get("user")
        context.update(
            csrf=csrf_token(request),
            me=user and {"name": user, "role": request.session.get("role")},
            agencies=app.state.agencies,
            flash=request.session.pop("flash", None),
        )
        return templates.TemplateResponse(request, name, context, status_code=status)

    app.state.render = page
    app.include_router(account_routes.router)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[..., Any]) -> Response:
        response: Response = await call_next(request)
        for key, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        target = request.url.path if request.method == "GET" else "/"
        return RedirectResponse(f"/login?next={target}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        # a malformed parameter gets the Chinese error page, never the framework's JSON echo
        return page(request, "error.html", status=400, message="请求参数无效")

    @app.exception_handler(HTTPException)
    async def error_page(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 403:
            # who tried what: the path and the refusal, never the form or query values
            who = request.session.get("user")
            security_of(request).audit_denial(
                who, audited_path(request), str(exc.detail), client_ip(request)
            )
        return page(request, "error.html", status=exc.status_code, message=exc.detail)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/") -> HTMLResponse:
        return page(request, "login.html", next=safe_next(next), error=None)

    @app.post("/login", dependencies=[CSRF])
    def login(
        request: Request,
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
        next: Annotated[str, Form()] = "/",
    ) -> Response:
        name, security = username.strip(), security_of(request)
        wait = security.login_verdict(name)
        if not wait.allowed:
            # refused before the password is checked: waiting is the only way on
            security.audit_refused_try(name, client_ip(request), wait)
            refused = page(
                request, "login.html", status=429, next=safe_next(next), error=wait_message(wait)
            )
            refused.headers["Retry-After"] = str(math.ceil(wait.wait_s))
            return refused
        user = store_of(request).authenticate(name, password)
        if user is None:
            after = security.login_failed(name, client_ip(request))
            error = "用户名或密码错误" + ("" if after.allowed else "；" + wait_message(after))
            return page(request, "login.html", status=401, next=safe_next(next), error=error)
        start_session(request, user)
        return RedirectResponse(safe_next(next), status_code=303)

    @app.post("/logout", dependencies=[CSRF])
    def logout(request: Request) -> Response:
        session = request.session
        security_of(request).close_session(
            session.get("sid"), session.get("user"), client_ip(request)
        )
        session.clear()
        return RedirectResponse("/login", status_code=303)

    @app.get("/")
    def home(user: Anyone) -> Response:
        start = {Role.AGENCY: "/agency", Role.COURT: "/court/leads"}.get(user.role, "/queue")
        return RedirectResponse(start, status_code=303)

    @app.get("/queue", response_class=HTMLResponse)
    def queue(
        request: Request,
        user: Staff,
        agency: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        view: str = "open",
        sort: str = DEFAULT_SORT,
        page_no: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1,
    ) -> HTMLResponse:
        flt = QueueFilter(
            agency=checked_agency(request, agency),
            date_from=parse_day(date_from),
            date_to=parse_day(date_to),
            include_escalated=user.role == Role.SUPERVISOR,
            closed=view == "closed" and user.role == Role.SUPERVISOR,
        )
        if sort not in SORTS:
            raise HTTPException(status_code=400, detail="排序方式无效")
        shown = store_of(request).queue_page(flt, sort, page_no, app.state.settings.page_size)
        return page(
            request,
            "queue.html",
            rows=shown.rows,
            shown=shown,
            sorts={code: label for code, (label, _) in SORTS.items()},
            flt=flt,
            view=view,
            user=user,
        )

    @app.post("/queue/bulk", dependencies=[CSRF])
    def bulk(
        request: Request,
        user: Staff,
        decision: Annotated[Decision, Form()],
        item_id: Annotated[list[str], Form()],
        note: Annotated[str, Form()] = "",
    ) -> Response:
        written = _decide(request, user, item_id, decision, note)
        request.session["flash"] = f"已批量记录 {written} 个配对的决定"
        return RedirectResponse("/queue", status_code=303)

    @app.get("/pair/{item_id}", response_class=HTMLResponse)
    def pair(request: Request, item_id: str, user: Anyone) -> HTMLResponse:
        found = store_of(request).view_pair(user, item_id, client_ip(request))
        if found is None:
            raise HTTPException(status_code=404, detail="未找到该复核项")
        agency_scope(user, found["agency"])
        return page(request, "pair.html", item=found, view=pairview.pair_context(found), user=user)

    @app.post("/pair/{item_id}/decide", dependencies=[CSRF])
    def decide(
        request: Request,
        item_id: str,
        user: Staff,
        decision: Annotated[Decision, Form()],
        note: Annotated[str, Form()] = "",
    ) -> Response:
        _decide(request, user, [item_id], decision, note)
        request.session["flash"] = "已记录决定"
        following = store_of(request).queue(
            QueueFilter(include_escalated=user.role == Role.SUPERVISOR), limit=1
        )
        target = f"/pair/{following[0]['item_id']}" if following else "/queue"
        return RedirectResponse(target, status_code=303)

    @app.get("/agency", response_class=HTMLResponse)
    def agency_page(
        request: Request,
        user: Anyone,
        agency: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
    ) -> HTMLResponse:
        chosen = agency_scope(user, checked_agency(request, agency)) or next(
            iter(app.state.agencies), None
        )
        hits = (
            store_of(request).agency_hits(chosen, parse_day(date_from), parse_day(date_to))
            if chosen
            else None
        )
        rows = hits.to_dicts() if hits is not None else []
        return page(
            request,
            "agency.html",
            rows=rows,
            agency=chosen,
            user=user,
            date_from=date_from or "",
            date_to=date_to or "",
            outcomes=list(Outcome),
        )

    @app.get("/agency/hits.csv")
    def agency_csv(
        request: Request,
        user: Anyone,
        agency: Annotated[str | None, Query()] = None,
        date_from: str | None = None,
        date_to: str | None = None,
    ) -> Response:
        chosen = agency_scope(user, checked_agency(request, agency))
        if not chosen:
            raise HTTPException(status_code=400, detail="请选择机构")
        hits = store_of(request).agency_hits(chosen, parse_day(date_from), parse_day(date_to))
        store_of(request).audit(user, "download", chosen, client_ip(request), f"{hits.height} rows")
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        columns = [c for c in CSV_HEADERS if c in hits.columns]
        writer.writerow([CSV_HEADERS[c] for c in columns])
        # masked as the outbox report for this agency, no cell able to start a formula
        from pipelines.sanctions.reports import download_rows
        from pipelines.settings import agency_settings, load_settings

        safe = download_rows(hits.select(columns), agency_settings(load_settings(), chosen))
        writer.writerows(safe.rows())
        # The BOM makes Excel read the file as UTF-8.
        return Response(
            "\ufeff" + buffer.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{chosen}_hits.csv"'},
        )

    @app.post("/agency/outcome", dependencies=[CSRF])
    def agency_outcome(
        request: Request,
        user: Anyone,
        alert_id: Annotated[str, Form()],
        outcome: Annotated[Outcome, Form()],
        note: Annotated[str, Form()] = "",
    ) -> Response:
        if user.role != Role.AGENCY or not user.agency:
            raise HTTPException(status_code=403, detail="仅机构用户可以反馈处理结果")
        if not store_of(request).owns_alert(user.agency, alert_id):
            # unknown and foreign ids alike: the answer must not tell them apart
            raise HTTPException(status_code=403, detail="只能反馈本机构的预警")
        row = {"alert_id": alert_id, "outcome": outcome.value, "note": note.strip() or None}
        summary = store_of(request).record_outcomes(user.agency, [row], username=user.username)
        store_of(request).audit(user, "outcome", alert_id, client_ip(request), outcome.value)
        request.session["flash"] = "已提交反馈" + ("，已转人工复核" if summary.disputed else "")
        return RedirectResponse("/agency", status_code=303)

    @app.get("/precision", response_class=HTMLResponse)
    def precision_page(request: Request, user: Staff, agency: str | None = None) -> HTMLResponse:
        chosen = agency_scope(user, agency)
        labels = store_of(request).labels()
        # the cut-offs each agency's latest sweep decided with: in target mode they are derived
        # per sweep, so the written ones would mislead
        recorded = store_of(request).latest_thresholds(chosen)
        sections = [precision.recorded_section(labels, used) for used in recorded]
        missing = precision.without_record([chosen] if chosen else app.state.agencies, recorded)
        fallback = None
        if missing or not sections:
            # no sweep recorded: what the settings and labels give before scoring
            configured: MatchThresholds = app.state.thresholds
            limits, source = thresholds_in_force(
                configured, app.state.calibration, labels_to_gammas(labels)
            )
            fallback = precision.section(labels, limits.review, limits.match, source, missing)
        return page(
            request,
            "precision.html",
            sections=sections,
            fallback=fallback,
            chosen=chosen,
            configured=app.state.thresholds,
            calibration=app.state.calibration,
            source_zh=precision.SOURCE_ZH,
            mode_zh=precision.MODE_ZH,
        )

    @app.get("/audit", response_class=HTMLResponse)
    def audit_page(request: Request, user: Supervisor) -> HTMLResponse:
        return page(request, "audit.html", rows=store_of(request).audit_entries())

    def _decide(
        request: Request, user: User, item_ids: list[str], decision: Decision, note: str
    ) -> int:
        try:
            return store_of(request).decide(
                user, item_ids, decision, note=note.strip() or None, client_ip=client_ip(request)
            )
        except DecisionRefused as exc:
            raise HTTPException(status_code=409, detail=str(exc)) from None
        except LookupError:
            raise HTTPException(status_code=404, detail="未找到该复核项") from None

    return app
