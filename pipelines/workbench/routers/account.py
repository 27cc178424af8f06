"""The signed-in user's own account: changing the password (which ends every other session)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pipelines.review import accounts
from pipelines.review.auth import MIN_PASSWORD_LENGTH
from pipelines.review.password_policy import PasswordRejected
from pipelines.workbench.deps import CSRF, Anyone, ClientIp, Store
from pipelines.workbench.pages import render
from pipelines.workbench.web import start_session

router = APIRouter()


def _form(request: Request, status: int = 200, error: str | None = None) -> HTMLResponse:
    return render(
        request, "password.html", status=status, error=error, min_length=MIN_PASSWORD_LENGTH
    )


@router.get("/account/password", response_class=HTMLResponse)
def password_form(request: Request, user: Anyone) -> HTMLResponse:
    """The change-password form."""
    return _form(request)


@router.post("/account/password", dependencies=[CSRF])
def change_password(
    request: Request,
    user: Anyone,
    store: Store,
    ip: ClientIp,
    current: Annotated[str, Form()],
    new: Annotated[str, Form()],
    repeat: Annotated[str, Form()],
) -> Response:
    """Check the current password and the policy, store the new one; only a new session survives."""
    if new != repeat:
        return _form(request, 400, "两次输入的新密码不一致")
    try:
        accounts.change_password(store.db, user, current, new, store.clock(), ip)
    except PasswordRejected as exc:
        return _form(request, 400, exc.zh)
    # every session of the user was revoked with the change; this browser gets a fresh one
    start_session(request, user)
    request.session["flash"] = "密码已修改，其他已登录的会话已全部失效"
    return RedirectResponse("/", status_code=303)
