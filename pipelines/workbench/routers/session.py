"""Signing in and out, and the start page of each role.

A name that failed too often must wait (HTTP 429, `Retry-After`) before its password is even
checked; a successful login opens a fresh server-side session.
"""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pipelines.review.models import Role
from pipelines.review.throttle import wait_message
from pipelines.workbench.deps import CSRF, Anyone, ClientIp, Store
from pipelines.workbench.pages import render
from pipelines.workbench.web import safe_next, security_of, start_session

router = APIRouter()
_START = {Role.AGENCY: "/agency", Role.COURT: "/court/leads"}


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    """The login form; `next` is followed afterwards when it is a same-site path."""
    return render(request, "login.html", next=safe_next(next), error=None)


@router.post("/login", dependencies=[CSRF])
def login(
    request: Request,
    store: Store,
    ip: ClientIp,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the throttle, then the password; success opens a session."""
    name, security = username.strip(), security_of(request)
    wait = security.login_verdict(name)
    if not wait.allowed:
        # refused before the password is checked: waiting is the only way on
        security.audit_refused_try(name, ip, wait)
        refused = render(
            request, "login.html", status=429, next=safe_next(next), error=wait_message(wait)
        )
        refused.headers["Retry-After"] = str(math.ceil(wait.wait_s))
        return refused
    user = store.authenticate(name, password)
    if user is None:
        after = security.login_failed(name, ip)
        error = "用户名或密码错误" + ("" if after.allowed else "；" + wait_message(after))
        return render(request, "login.html", status=401, next=safe_next(next), error=error)
    start_session(request, user)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", dependencies=[CSRF])
def logout(request: Request, ip: ClientIp) -> Response:
    """End the server-side session, then the cookie's."""
    session = request.session
    security_of(request).close_session(session.get("sid"), session.get("user"), ip)
    session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/")
def home(user: Anyone) -> Response:
    """Each role's start page: the queue, the agency's hits, or the court's leads."""
    return RedirectResponse(_START.get(user.role, "/queue"), status_code=303)
