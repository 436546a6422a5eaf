"""The policy OPA serves now, and the releases the service has decided with."""

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from app.api.deps import EmbeddedOpaDep, PolicyDep, PrincipalDep, ReadSessionDep, SettingsDep, ShadowDep
from app.api.errors import error_responses
from app.config import Settings
from app.policy.release import release_name
from app.releases import service as revision_history
from app.releases.schemas import PolicyRevisionRead
from app.shadow.schemas import ShadowRead
from app.shadow.service import ShadowEvaluator

router = APIRouter(tags=["operations"])


class PolicyRead(BaseModel):
    revision: str | None
    release: str | None = Field(
        description="The release OPA serves now (the revision's `<release>@`); null when the revision names none."
    )
    opa_url: str
    embedded: bool
    reachable: bool
    healthy: bool
    restarts: int | None
    error: str | None
    shadow: ShadowRead | None = Field(
        description="Shadow mode (SHADOW_RELEASE): the release decided beside the live one; null when off."
    )


@router.get(
    "/v1/policy",
    operation_id="get_policy",
    summary="Active policy",
    response_model=PolicyRead,
    responses=error_responses(401, 403, 503),
)
async def get_policy(
    policy: PolicyDep, embedded: EmbeddedOpaDep, shadow: ShadowDep, settings: SettingsDep, _principal: PrincipalDep
) -> PolicyRead:
    """The policy revision and release OPA serves now, and whether OPA is healthy (any authenticated caller)."""
    status = await policy.status()
    return PolicyRead(
        revision=status.revision,
        release=release_name(status.revision),
        opa_url=policy.url,
        embedded=embedded is not None,
        reachable=status.reachable,
        healthy=status.healthy,
        restarts=embedded.restarts if embedded else None,
        error=status.error,
        shadow=_shadow_status(shadow, settings),
    )


def _shadow_status(shadow: ShadowEvaluator | None, settings: Settings) -> ShadowRead | None:
    if shadow is not None:
        return shadow.status()
    if settings.shadow_release is None:
        return None
    # Configured, but its OPA did not start (logged at start-up): say so rather than look switched off.
    return ShadowRead(release=settings.shadow_release, running=False, pending=0, written=0, dropped=0, failed=0)


@router.get(
    "/v1/policy/releases",
    operation_id="list_policy_releases",
    summary="Release history",
    response_model=list[PolicyRevisionRead],
    responses=error_responses(401, 403, 503),
)
async def list_policy_releases(
    _principal: PrincipalDep,
    session: ReadSessionDep,
    limit: Annotated[int, Query(ge=1, le=500, description="At most this many revisions.")] = 100,
) -> list[PolicyRevisionRead]:
    """Each policy revision decided with, its release, its first and last use; latest first (any caller)."""
    return [PolicyRevisionRead.model_validate(row) for row in await revision_history.history(session, limit=limit)]
