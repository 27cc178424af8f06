"""The screening service's app factory: it only wires state, error handlers and routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from pipelines.screen.routers import health, screen
from pipelines.screen.service import ScreenService

_PROBLEMS = {
    "missing": "缺少该字段",
    "extra_forbidden": "不接受该字段",
    "string_type": "应为文本",
    "list_type": "应为数组",
    "dict_type": "应为对象",
    "model_attributes_type": "应为对象",
    "json_invalid": "不是有效的 JSON",
}
"""Pydantic's error types a request body meets, as the desk's callers read them."""


def _one_line(exc: RequestValidationError) -> str:
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    problem = _PROBLEMS.get(str(first.get("type", "")), "格式不符")
    return f"请求格式无效：{where or '请求体'} {problem}"


def create_app(service: ScreenService) -> FastAPI:
    """A FastAPI app serving `service`; the index is built before the first request."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if not service.ready.is_set():
            service.start()
        yield
        service.stop()

    app = FastAPI(title="credsweep screening", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.service = service

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"error": _one_line(exc)}, status_code=400)

    @app.exception_handler(screen.Refused)
    async def _refused(_: Request, exc: screen.Refused) -> JSONResponse:
        return JSONResponse({"error": exc.message}, status_code=exc.status)

    app.include_router(health.router)
    app.include_router(screen.router)
    return app
