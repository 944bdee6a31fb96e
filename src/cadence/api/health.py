"""``/api/health`` (liveness) and ``/api/ready`` (readiness), for load balancers and orchestrators.

Liveness never touches the database: an orchestrator restarts a process whose liveness fails, and restarting every
instance because the database is down would not bring it back. Readiness says whether this instance can serve now
(the database answers and its schema is the one this Cadence needs); a load balancer stops sending it traffic while
it answers 503.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from cadence import __version__
from cadence.domain.errors import DatabaseError
from cadence.services.schema_admin import schema_state
from cadence.store.database import Database

__all__ = ["router"]

router = APIRouter(tags=["operations"])


class Liveness(BaseModel):
    status: Literal["ok"]
    version: str


class Readiness(BaseModel):
    status: Literal["ok", "degraded"]
    database: Literal["ok", "unreachable", "needs-migration"]
    schema_revision: str | None
    detail: str | None = None


@router.get("/api/health", response_model=Liveness)
def health() -> Liveness:
    """200 while the process serves requests, with its version; no database call."""
    return Liveness(status="ok", version=__version__)


@router.get("/api/ready", response_model=Readiness, responses={503: {"model": Readiness}})
def ready(request: Request) -> JSONResponse:
    """200 when the database answers and its schema is current; 503 with the reason otherwise."""
    db: Database = request.app.state.db
    try:
        state = schema_state(db)
    except DatabaseError as error:
        body = Readiness(status="degraded", database="unreachable", schema_revision=None, detail=error.message)
        return JSONResponse(body.model_dump(), status_code=503)
    if not state.up_to_date:
        body = Readiness(
            status="degraded",
            database="needs-migration",
            schema_revision=state.current,
            detail=f"schema at {state.current}, this Cadence needs {state.head}",
        )
        return JSONResponse(body.model_dump(), status_code=503)
    return JSONResponse(Readiness(status="ok", database="ok", schema_revision=state.current).model_dump())
