"""``/api/health``: is the process up and is its database usable?"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from cadence.domain.errors import DatabaseError
from cadence.services.schema_admin import schema_state
from cadence.store.database import Database

__all__ = ["router"]

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    database: Literal["ok", "unreachable", "needs-migration"]
    schema_revision: str | None
    detail: str | None = None


@router.get("/api/health", response_model=Health, responses={503: {"model": Health}})
def health(request: Request) -> JSONResponse:
    """200 when the database answers and its schema is current; 503 with the reason otherwise."""
    db: Database = request.app.state.db
    try:
        state = schema_state(db)
    except DatabaseError as error:
        body = Health(status="degraded", database="unreachable", schema_revision=None, detail=error.message)
        return JSONResponse(body.model_dump(), status_code=503)
    if not state.up_to_date:
        body = Health(
            status="degraded",
            database="needs-migration",
            schema_revision=state.current,
            detail=f"schema at {state.current}, this Cadence needs {state.head}",
        )
        return JSONResponse(body.model_dump(), status_code=503)
    return JSONResponse(Health(status="ok", database="ok", schema_revision=state.current).model_dump())
