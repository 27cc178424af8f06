"""Rendering shared by the routers: every page gets the same user, token, agencies and flash."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from pipelines.sanctions.rules import LIST_TYPE_ZH
from pipelines.workbench.state import workbench_of
from pipelines.workbench.web import csrf_token, make_templates


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
        agencies=workbench_of(request).agencies,
        flash=request.session.pop("flash", None),
    )
    return templates().TemplateResponse(request, name, context, status_code=status)


def today(request: Request) -> date:
    """The Beijing working date now, from the store's clock (tests set it)."""
    return (workbench_of(request).store.clock() + timedelta(hours=8)).date()
