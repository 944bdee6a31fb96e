"""The API's single error envelope: ``{"error": {"code", "message", "data"}}``."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

from cadence.domain.errors import CadenceError

__all__ = ["cadence_error_response"]


async def cadence_error_response(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, CadenceError)
    return JSONResponse({"error": error.to_dict()}, status_code=error.http_status)
