"""The analyst workbench: FastAPI app, server-rendered pages, no JavaScript framework.

`create_app` only builds the app's state, its middleware and error pages, and includes one
router per area (`routers/`). Views read and write only through the store (`WebReview`);
every pair view and decision is audited with user, time and client address. Agency users see
only their agency (HTTP 403 otherwise).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from matching.config import MatchCalibration, MatchThresholds
from pipelines.review.security import SecurityStore
from pipelines.review.web_side import WebReview
from pipelines.workbench.pages import render
from pipelines.workbench.routers import (
    account,
    agency,
    alerts,
    audit,
    courts,
    health,
    pairs,
    precision,
    queue,
    session,
    stats,
)
from pipelines.workbench.settings import WorkbenchSettings
from pipelines.workbench.state import Workbench
from pipelines.workbench.web import (
    HERE,
    LoginRequired,
    audited_path,
    client_ip,
    security_of,
    wall_clock,
)

ExceptionHandler = Callable[[Request, Any], Coroutine[Any, Any, Response]]
ROUTERS = (health, session, account, queue, pairs, agency, alerts, courts, stats, precision, audit)
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


async def security_headers(request: Request, call_next: Callable[..., Any]) -> Response:
    """The same restrictive headers on every response (no framing, no sniffing, no caching)."""
    response: Response = await call_next(request)
    for key, value in _SECURITY_HEADERS.items():
        response.headers.setdefault(key, value)
    return response


async def to_login(request: Request, exc: LoginRequired) -> Response:
    """No valid session: to the login page, then back to the page asked for."""
    target = request.url.path if request.method == "GET" else "/"
    return RedirectResponse(f"/login?next={target}", status_code=303)


async def bad_request(request: Request, exc: RequestValidationError) -> Response:
    """A malformed parameter gets the Chinese error page, never the framework's JSON echo."""
    return render(request, "error.html", status=400, message="请求参数无效")


async def error_page(request: Request, exc: HTTPException) -> Response:
    """The Chinese error page; a refusal (403) is audited."""
    if exc.status_code == 403:
        # who tried what: the path and the refusal, never the form or query values
        who = request.session.get("user")
        security_of(request).audit_denial(
            who, audited_path(request), str(exc.detail), client_ip(request)
        )
    return render(request, "error.html", status=exc.status_code, message=exc.detail)


HANDLERS: dict[type[Exception] | int, ExceptionHandler] = {
    LoginRequired: to_login,
    RequestValidationError: bad_request,
    HTTPException: error_page,
}


def create_app(
    store: WebReview,
    settings: WorkbenchSettings,
    *,
    thresholds: MatchThresholds | None = None,
    calibration: MatchCalibration | None = None,
    agency_titles: dict[str, str] | None = None,
    clock: Callable[[], float] = wall_clock,
) -> FastAPI:
    """Build the workbench around one store; the store is migrated here."""
    store.migrate()
    app = FastAPI(
        title="credsweep 复核工作台",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        exception_handlers=HANDLERS,
    )
    app.state.workbench = Workbench(
        store=store,
        settings=settings,
        security=SecurityStore(store.db, store.clock, settings.throttle_policy()),
        clock=clock,
        thresholds=thresholds or MatchThresholds.model_validate({}),
        calibration=calibration or MatchCalibration.model_validate({}),
        agencies=agency_titles or {},
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="credsweep_review",
        max_age=settings.session_max_age_s,
        same_site="strict",
        https_only=settings.https_only,
    )
    app.middleware("http")(security_headers)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for area in ROUTERS:
        app.include_router(area.router)
    return app
