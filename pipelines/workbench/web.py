"""Request plumbing shared by the views: who is signed in, CSRF, client address, templates,
and the store's refusals as HTTP errors."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request
from fastapi.templating import Jinja2Templates

from pipelines.review.auth import csrf_ok, new_csrf_token
from pipelines.review.models import (
    DECISION_ZH,
    KIND_ZH,
    OUTCOME_ZH,
    ROLE_ZH,
    STATUS_ZH,
    Decision,
    DecisionRefused,
    Role,
    User,
)
from pipelines.review.security import SecurityStore
from pipelines.review.web_side import WebReview
from pipelines.runtime.masking import mask_ids_in_text
from pipelines.storage.hit_schema import header as hit_header
from pipelines.workbench import vocab
from pipelines.workbench.settings import WorkbenchSettings
from pipelines.workbench.state import workbench_of

HERE = Path(__file__).parent
# agency codes are dataset names (hotel_booking): nothing that could break a header or a path
_AGENCY_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")
BEIJING = timedelta(hours=8)


class LoginRequired(Exception):
    """No valid session: the handler sends the browser to the login page."""


def _beijing(value: datetime | None) -> str:
    """Stored UTC time shown as Beijing time."""
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return (value + BEIJING).strftime("%Y-%m-%d %H:%M")


def _label(mapping: dict[Any, str]) -> Callable[[Any], str]:
    return lambda value: mapping.get(value, "" if value is None else str(value))


def make_templates() -> Jinja2Templates:
    """Templates with the Chinese labels as filters."""
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env
    env.filters["bj"] = _beijing
    env.filters["decision_zh"] = _label({k.value: v for k, v in DECISION_ZH.items()})
    env.filters["outcome_zh"] = _label({k.value: v for k, v in OUTCOME_ZH.items()})
    env.filters["role_zh"] = _label({k.value: v for k, v in ROLE_ZH.items()})
    env.filters["kind_zh"] = _label(KIND_ZH)
    env.filters["status_zh"] = _label(STATUS_ZH)
    env.filters["pct"] = lambda v: "—" if v is None else f"{100 * v:.1f}%"
    env.filters["zh"] = vocab.zh
    env.filters["hit_header"] = hit_header
    env.filters["ev_field"] = vocab.evidence_field_zh
    env.filters["ev_level"] = lambda level, field: vocab.evidence_level_zh(field, level)
    return templates


def store_of(request: Request) -> WebReview:
    """The app's one store; views reach the database only through it."""
    return workbench_of(request).store


def settings_of(request: Request) -> WorkbenchSettings:
    """The app's workbench settings."""
    return workbench_of(request).settings


def client_ip(request: Request) -> str:
    """Where the request came from, for the audit log."""
    if settings_of(request).trust_proxy_headers:
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.client.host if request.client else "unknown"


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use (the login form needs one too)."""
    token = request.session.get("csrf")
    if not token:
        token = new_csrf_token()
        request.session["csrf"] = token
    return str(token)


async def require_csrf(request: Request) -> None:
    """Refuse a form whose token does not match the session's (HTTP 403)."""
    form = await request.form()
    given = form.get("csrf_token")
    if not csrf_ok(request.session.get("csrf"), given if isinstance(given, str) else None):
        raise HTTPException(status_code=403, detail="表单已失效（CSRF 校验失败），请刷新页面后重试")


def security_of(request: Request) -> SecurityStore:
    """The app's sessions and login throttle."""
    return workbench_of(request).security


def start_session(request: Request, user: User) -> None:
    """A fresh session for the user: new server-side session, new token, absolute expiry."""
    request.session.clear()
    clock = workbench_of(request).clock
    max_age = settings_of(request).session_max_age_s
    token = security_of(request).open_session(user, max_age, client_ip(request))
    request.session.update(
        {
            "user": user.username,
            "role": user.role.value,
            "agency": user.agency,
            "sid": token,
            "csrf": new_csrf_token(),
            "exp": clock() + max_age,
        }
    )


def audited_path(request: Request) -> str:
    """The request path as the audit log keeps it: a typed-in ID number is masked."""
    return mask_ids_in_text(request.url.path)


def current_user(request: Request) -> User:
    """The signed-in user; an absent, expired or revoked session means logging in again.

    The cookie only names a server-side session: logout, a password change or a role change
    revoke it there, and the next request lands here without a user. Every GET of a signed-in
    user is audited as a page view (path only: query strings may carry filter values).
    """
    session = request.session
    clock = workbench_of(request).clock
    token = session.get("sid")
    user = None
    if session.get("user") and token and float(session.get("exp", 0)) > clock():
        viewed = audited_path(request) if request.method == "GET" else None
        user = security_of(request).session_user(str(token), client_ip(request), viewed)
    if user is None:
        session.clear()
        raise LoginRequired()
    return user


def checked_agency(request: Request, agency: str | None) -> str | None:
    """An `agency` parameter, validated before any use (queries, file names, headers).

    It must look like an agency code and, when the app knows its agencies, be one of them;
    anything else is HTTP 400 and never echoed back.
    """
    if not agency:
        return None
    known = workbench_of(request).agencies
    if not _AGENCY_CODE.fullmatch(agency) or (known and agency not in known):
        raise HTTPException(status_code=400, detail="机构参数无效")
    return agency


def agency_scope(user: User, agency: str | None) -> str | None:
    """The agency a request may see: an agency user's own, never another (HTTP 403)."""
    if agency and not _AGENCY_CODE.fullmatch(agency):
        raise HTTPException(status_code=400, detail="机构参数无效")
    if user.role == Role.AGENCY:
        if agency and agency != user.agency:
            raise HTTPException(status_code=403, detail="只能查看本机构的命中记录")
        return user.agency
    if user.role == Role.COURT:
        raise HTTPException(status_code=403, detail="执行法院用户无权查看机构命中")
    return agency or None


def parse_day(text: str | None) -> date | None:
    """A YYYY-MM-DD filter value, or None when empty; bad input is HTTP 400."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise HTTPException(status_code=400, detail="日期格式应为 YYYY-MM-DD") from None


def safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


def wall_clock() -> float:
    """Seconds since the epoch; tests pass their own clock to expire sessions."""
    return time.time()


def decide_items(
    store: WebReview, user: User, item_ids: list[str], decision: Decision, note: str, ip: str
) -> int:
    """Write the decisions; a refused one is HTTP 409, an unknown item HTTP 404."""
    try:
        return store.decide(user, item_ids, decision, note=note.strip() or None, client_ip=ip)
    except DecisionRefused as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    except LookupError:
        raise HTTPException(status_code=404, detail="未找到该复核项") from None
