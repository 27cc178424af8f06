"""The screening service's app factory: it only wires state, error handlers and routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from pipelines.screen.routers import health, screen
from pipelines.screen.service import ScreenService


def _one_line(exc: RequestValidationError) -> str:
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    return f"invalid request: {where or 'body'}: {first.get('msg', 'malformed')}"


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
