"""The periodic deadline run: escalate overdue tasks and expire cases past renewal, once across replicas."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.approvals import escalation
from app.approvals.context import TargetSource, WorkflowContext
from app.clock import Clock
from app.database import retry_on_deadlock


async def run_once(
    *, factory: async_sessionmaker[AsyncSession], targets: TargetSource, clock: Clock, crm_url: str | None
) -> tuple[int, int]:
    """Escalate what is overdue and expire what is past renewal now; return (escalated, expired)."""
    now = clock.now()
    ctx = WorkflowContext(targets=await targets.escalation_targets(), crm_url=crm_url)

    async def _run(session: AsyncSession) -> tuple[int, int]:
        escalated = await escalation.escalate_overdue(session=session, now=now, ctx=ctx)
        expired = await escalation.expire_cases(session=session, now=now, ctx=ctx)
        return escalated, expired

    # One transaction: the row locks taken on cases hold until their escalations are written.
    async with factory() as session, session.begin():
        return await retry_on_deadlock(session, _run)
