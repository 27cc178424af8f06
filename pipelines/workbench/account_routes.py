"""The signed-in user's own account: changing the password (which ends every other session)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pipelines.review import accounts
from pipelines.review.auth import MIN_PASSWORD_LENGTH
from pipelines.review.models import User
from pipelines.review.password_policy import PasswordRejected
from pipelines.workbench.web import client_ip, current_user, require_csrf, start_session, store_of

router = APIRouter()
Anyone = Annotated[User, Depends(current_user)]


def _form(request: Request, status: int = 200, error: str | None = None) -> HTMLResponse:
    render = request.app.state.render
    response: HTMLResponse = render(
        request, "password.html", status=status, error=error, min_length=MIN_PASSWORD_LENGTH
    )
    return response


@router.get("/account/password", response_class=HTMLResponse)
def password_form(request: Request, user: Anyone) -> HTMLResponse:
    """The change-password form."""
    return _form(request)


@router.post("/account/password", dependencies=[Depends(require_csrf)])
def change_password(
    request: Request,
    user: Anyone,
    current: Annotated[str, Form()],
    new: Annotated[str, Form()],
    repeat: Annotated[str, Form()],
) -> Response:
    """Check the current password and the policy, store the new one; only a new session survives."""
    if new != repeat:
        return _form(request, 400, "两次输入的新密码不一致")
    store = store_of(request)
    try:
        accounts.change_password(store.db, user, current, new, store.clock(), client_ip(request))
    except PasswordRejected as exc:
        return _form(request, 400, exc.zh)
    # every session of the user was revoked with the change; this browser gets a fresh one
    start_session(request, user)
    request.session["flash"] = "密码已修改，其他已登录的会话已全部失效"
    return RedirectResponse("/", status_code=303)
