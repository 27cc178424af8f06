"""The dependencies routes declare: who may call them, the store, the settings, the CSRF check.

A route names what it needs in its signature (`user: Staff`, `store: Store`) and FastAPI
resolves it per request; a refused role is HTTP 403 before the route body runs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from pipelines.review.models import Role, User
from pipelines.review.web_side import WebReview
from pipelines.workbench.settings import WorkbenchSettings
from pipelines.workbench.state import Workbench, workbench_of
from pipelines.workbench.web import client_ip, current_user, require_csrf, settings_of, store_of


def staff_user(request: Request) -> User:
    """Analysts and supervisors only; agency and court users get HTTP 403."""
    user = current_user(request)
    if user.role in (Role.AGENCY, Role.COURT):
        raise HTTPException(status_code=403, detail="机构用户无权访问复核队列")
    return user


def supervisor_user(request: Request) -> User:
    """Supervisors only."""
    user = current_user(request)
    if user.role != Role.SUPERVISOR:
        raise HTTPException(status_code=403, detail="仅主管可访问")
    return user


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


Anyone = Annotated[User, Depends(current_user)]
Staff = Annotated[User, Depends(staff_user)]
Supervisor = Annotated[User, Depends(supervisor_user)]
AgencyUser = Annotated[User, Depends(agency_user)]
CourtUser = Annotated[User, Depends(court_user)]
CourtOrStaff = Annotated[User, Depends(court_or_staff)]
Store = Annotated[WebReview, Depends(store_of)]
WbSettings = Annotated[WorkbenchSettings, Depends(settings_of)]
State = Annotated[Workbench, Depends(workbench_of)]
ClientIp = Annotated[str, Depends(client_ip)]
CSRF = Depends(require_csrf)
"""For `dependencies=[CSRF]` on every form post."""
