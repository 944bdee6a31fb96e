"""The OpenAPI document as the API really answers: every validation error (422) in the error envelope.

FastAPI documents its own ``{"detail": [...]}`` body for 422, but Cadence's handler answers with the envelope
(``http/errors.py``); clients generated from the document, and the schema checks in CI, must see the envelope.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

__all__ = ["ERROR_ENVELOPE", "install_openapi"]

ERROR_ENVELOPE: dict[str, Any] = {
    "title": "ErrorEnvelope",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "Stable machine-readable code, e.g. invalid_input."},
                "message": {"type": "string", "description": "One sentence for people: what is wrong and where."},
                "data": {"type": "object", "description": "Details, e.g. the problems of each invalid field."},
            },
        },
        "request_id": {"type": ["string", "null"], "description": "The X-Request-ID of the request, to quote."},
    },
}


def _document(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is not None:
        return app.openapi_schema
    doc = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes, tags=app.openapi_tags
    )
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorEnvelope"] = ERROR_ENVELOPE
    envelope = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}
    for operations in doc.get("paths", {}).values():
        for operation in operations.values():
            answer = operation.get("responses", {}).get("422")
            if answer is not None:
                answer["content"] = envelope
                answer["description"] = "Invalid input (the error envelope, code invalid_input)"
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    app.openapi_schema = doc
    return doc


def install_openapi(app: FastAPI) -> None:
    """Serve the envelope-true document at ``app.openapi_url`` (built once, on first request)."""
    app.openapi = lambda: _document(app)  # type: ignore[method-assign]
