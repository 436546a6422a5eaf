"""The tamper-evident audit record, for administrators: verify it, sign a checkpoint, prove a decision."""

from typing import Any

from fastapi import APIRouter, status

from app.api.deps import ClockDep, IdPath, PrincipalDep, SettingsDep
from app.api.errors import error_responses
from app.audit import jobs
from app.audit.schemas import CheckpointRead, VerificationRead
from app.auth.principal import require_admin

router = APIRouter(tags=["audit"])


@router.get(
    "/v1/audit/verification",
    operation_id="verify_audit_record",
    summary="Verify the audit chains",
    response_model=VerificationRead,
    responses=error_responses(401, 403, 503),
)
async def verify_audit_record(principal: PrincipalDep, settings: SettingsDep) -> VerificationRead:
    """Recompute every chain against every signed checkpoint; each broken chain names its first bad row."""
    require_admin(principal)
    return await jobs.verify(settings=settings)


@router.post(
    "/v1/audit/checkpoints",
    operation_id="sign_audit_checkpoint",
    summary="Sign a checkpoint now",
    status_code=status.HTTP_201_CREATED,
    response_model=CheckpointRead,
    responses=error_responses(401, 403, 409, 503),
)
async def sign_audit_checkpoint(principal: PrincipalDep, settings: SettingsDep, clock: ClockDep) -> CheckpointRead:
    """Sign the chain heads and write the checkpoint outside the database; 409 if the chain is broken."""
    require_admin(principal)
    return await jobs.checkpoint(settings=settings, now=clock.now())


@router.get(
    "/v1/audit/decisions/{decision_id}/proof",
    operation_id="prove_decision",
    summary="Inclusion proof of a decision",
    responses=error_responses(401, 403, 404, 409, 503),
)
async def prove_decision(decision_id: IdPath, principal: PrincipalDep, settings: SettingsDep) -> dict[str, Any]:
    """The decision's row, the chain segment to the checkpoint covering it, and that signed checkpoint.

    scripts/check_audit_proof.py checks it without the service.
    """
    require_admin(principal)
    return await jobs.prove(settings=settings, decision_id=decision_id)
