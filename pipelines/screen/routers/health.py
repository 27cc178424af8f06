"""`GET /v1/health`: ready once the first index is built; the list version it serves."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter()


@router.get("/v1/health")
def health(request: Request) -> JSONResponse:
    index = request.app.state.service.desk.index
    if index is None:
        return JSONResponse({"status": "starting"}, status_code=503)
    body: dict[str, Any] = {
        "status": "ok",
        "list_version": index.version,
        "list_entries": index.list_entries,
        "as_of": index.as_of.isoformat(),
    }
    return JSONResponse(body)
