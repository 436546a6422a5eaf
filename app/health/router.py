"""Liveness, readiness and the active policy."""

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from app.decisions import repository
from app.decisions.schemas import ErrorRead
from app.deps import EmbeddedOpaDep, PolicyDep, PrincipalDep, SessionDep

router = APIRouter(tags=["operations"])
logger = logging.getLogger(__name__)


class HealthRead(BaseModel):
    status: str


class ReadinessRead(BaseModel):
    status: str
    opa: str
    database: str


class PolicyRead(BaseModel):
    revision: str | None
    opa_url: str
    embedded: bool
    reachable: bool
    healthy: bool
    restarts: int | None
    error: str | None


@router.get("/healthz", operation_id="healthz", summary="Liveness", response_model=HealthRead)
async def healthz() -> HealthRead:
    """The process is up and serving HTTP."""
    return HealthRead(status="ok")


@router.get(
    "/readyz",
    operation_id="readyz",
    summary="Readiness",
    response_model=ReadinessRead,
    responses={503: {"model": ReadinessRead, "description": "OPA or the database is not ready."}},
)
async def readyz(policy: PolicyDep, session: SessionDep) -> JSONResponse:
    """Ready when OPA serves the policy bundle and the database answers."""
    opa = await policy.status()
    try:
        await repository.ping(session)
        database = "ok"
    except SQLAlchemyError as exc:
        logger.error("database not ready", extra={"error": str(exc)})
        database = "unavailable"
    body = ReadinessRead(
        status="ok" if opa.healthy and database == "ok" else "unavailable",
        opa="ok" if opa.healthy else "unavailable",
        database=database,
    )
    return JSONResponse(status_code=200 if body.status == "ok" else 503, content=body.model_dump())


@router.get(
    "/v1/policy", operation_id="get_policy", summary="Active policy", response_model=PolicyRead, responses={
        401: {"model": ErrorRead, "description": "No valid API token."},
        503: {"model": ErrorRead, "description": "The database is unavailable."},
    },
)
async def get_policy(policy: PolicyDep, embedded: EmbeddedOpaDep, _principal: PrincipalDep) -> PolicyRead:
    """The policy revision OPA serves now, and whether OPA is healthy (any authenticated caller)."""
    status = await policy.status()
    return PolicyRead(
        revision=status.revision,
        opa_url=policy.url,
        embedded=embedded is not None,
        reachable=status.reachable,
        healthy=status.healthy,
        restarts=embedded.restarts if embedded else None,
        error=status.error,
    )
