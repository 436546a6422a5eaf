"""What the workflow needs from outside: escalation targets from the policy data, and where the CRM listens."""

from dataclasses import dataclass
from typing import Protocol


class TargetSource(Protocol):
    """Gives the escalation targets of a policy revision (the policy client is one)."""

    async def escalation_targets(self, *, revision: str | None = None) -> dict[str, str]: ...


@dataclass(frozen=True, kw_only=True)
class WorkflowContext:
    targets: dict[str, str]
    crm_url: str | None
