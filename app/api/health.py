"""Liveness and readiness."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app import readiness
from app.api.deps import ClockDep, PolicyDep, SettingsDep

router = APIRouter(tags=["operations"])


class HealthRead(BaseModel):
    status: str


class ReadinessRead(BaseModel):
    status: str
    opa: str
    database: str


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
async def readyz(request: Request, policy: PolicyDep, clock: ClockDep, settings: SettingsDep) -> JSONResponse:
    """Ready when the database takes a write (rolled back) and OPA serves the decision rule; answers within a second."""
    result = await readiness.check(
        factory=request.app.state.session_factory,
        policy=policy,
        now=clock.now(),
        seconds=settings.readiness_timeout_seconds,
    )
    body = ReadinessRead(status="ok" if result.ready else "unavailable", opa=result.opa, database=result.database)
    return JSONResponse(status_code=200 if result.ready else 503, content=body.model_dump())
