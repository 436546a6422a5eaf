"""The policy OPA serves now."""

from fastapi import APIRouter
from pydantic import BaseModel

from app.api.deps import EmbeddedOpaDep, PolicyDep, PrincipalDep
from app.api.errors import error_responses

router = APIRouter(tags=["operations"])


class PolicyRead(BaseModel):
    revision: str | None
    opa_url: str
    embedded: bool
    reachable: bool
    healthy: bool
    restarts: int | None
    error: str | None


@router.get(
    "/v1/policy",
    operation_id="get_policy",
    summary="Active policy",
    response_model=PolicyRead,
    responses=error_responses(401, 403, 503),
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
