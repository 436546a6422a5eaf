"""Deadlines: escalate overdue tasks and expire cases past renewal, once per task across replicas."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.approvals import workflow
from app.clock import Clock
from app.policy.client import PolicyClient


async def run_once(
    *, factory: async_sessionmaker[AsyncSession], policy: PolicyClient, clock: Clock, crm_url: str | None
) -> tuple[int, int]:
    """Escalate what is overdue and expire what is past renewal now; return (escalated, expired)."""
    now = clock.now()
    ctx = workflow.WorkflowContext(targets=await policy.escalation_targets(), crm_url=crm_url)
    # One transaction: the row locks taken on overdue tasks hold until the escalations are written.
    async with factory() as session, session.begin():
        escalated = await workflow.escalate_overdue(session=session, now=now, ctx=ctx)
        expired = await workflow.expire_cases(session=session, now=now, ctx=ctx)
    return escalated, expired
