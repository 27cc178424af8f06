"""Rendering shared by the routers added beside `app.py`: the same context the app's pages get."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from pipelines.review.models import Role, User
from pipelines.workbench.web import csrf_token, current_user, make_templates, store_of

LIST_TYPE_ZH = {"dishonest": "失信被执行人", "consumption_restriction": "限制消费"}


@cache
def templates() -> Jinja2Templates:
    """The workbench templates (one environment per process)."""
    made = make_templates()
    made.env.filters["list_type_zh"] = lambda v: LIST_TYPE_ZH.get(v, v or "")
    return made


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page with the signed-in user, CSRF token, agency titles and flash message."""
    user = request.session.get("user")
    context.update(
        csrf=csrf_token(request),
        me=user and {"name": user, "role": request.session.get("role")},
        agencies=request.app.state.agencies,
        flash=request.session.pop("flash", None),
    )
    return templates().TemplateResponse(request, name, context, status_code=status)


def today(request: Request) -> date:
    """The Beijing working date now, from the store's clock (tests set it)."""
    return (store_of(request).clock() + timedelta(hours=8)).date()


def agency_user(request: Request) -> User:
    """An agency user bound to an agency (HTTP 403 for anyone else)."""
    user = current_user(request)
    if user.role != Role.AGENCY or not user.agency:
        raise HTTPException(status_code=403, detail="仅机构用户可以处理预警")
    return user


def court_user(request: Request) -> User:
    """A court user bound to a court (HTTP 403 for anyone else); the court is in `agency`."""
    user = current_user(request)
    if user.role != Role.COURT or not user.agency:
        raise HTTPException(status_code=403, detail="仅执行法院用户可以访问")
    return user


def court_or_staff(request: Request) -> User:
    """Courts, analysts and supervisors (statistics hold no personal data); not agencies."""
    user = current_user(request)
    if user.role == Role.AGENCY:
        raise HTTPException(status_code=403, detail="机构用户无权访问该页面")
    return user
