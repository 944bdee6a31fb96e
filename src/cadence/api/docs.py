"""``/docs``: the interactive OpenAPI page, with Swagger UI served from our own static files."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

__all__ = ["router"]

router = APIRouter()

SWAGGER_VERSION = "5.35.0"


@router.get("/docs", include_in_schema=False)
def swagger_ui(request: Request) -> HTMLResponse:
    static = request.url_for("static", path="vendor")
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title="Cadence API",
        swagger_js_url=f"{static}/swagger-ui-bundle-{SWAGGER_VERSION}.js",
        swagger_css_url=f"{static}/swagger-ui-{SWAGGER_VERSION}.css",
        swagger_favicon_url=str(request.url_for("static", path="favicon.svg")),
    )
