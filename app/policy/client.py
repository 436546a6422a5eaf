"""Asks OPA for decisions over its REST Data API, failing closed on anything short of a valid decision."""

import asyncio
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from opa_client.opa_async import AsyncOpaClient
from pydantic import ValidationError

from app.errors import PolicyUnavailable
from app.policy.schemas import PolicyDecision, PolicyInput, PolicyResult

logger = logging.getLogger(__name__)

DECISION_PACKAGE = "retention"
DECISION_RULE = "decision"


@dataclass(frozen=True, kw_only=True)
class PolicyStatus:
    reachable: bool
    healthy: bool
    revision: str | None
    error: str | None = None


def _revision(provenance: dict[str, Any] | None) -> str | None:
    bundles = (provenance or {}).get("bundles") or {}
    revisions = sorted(f"{name}={info.get('revision')}" for name, info in bundles.items() if info.get("revision"))
    if len(bundles) == 1 and revisions:
        return str(next(iter(bundles.values()))["revision"])
    return ",".join(revisions) or None


class PolicyClient:
    """One OPA server's decision API, with a per-attempt timeout and bounded retries."""

    def __init__(self, *, url: str, timeout_seconds: float, retries: int) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"OPA URL must be http(s)://host:port, got {url!r}")
        self.url = url
        self._timeout = timeout_seconds
        self._retries = retries
        self._client = AsyncOpaClient(
            host=parts.hostname,
            port=parts.port or (443 if parts.scheme == "https" else 80),
            ssl=parts.scheme == "https",
            timeout=timeout_seconds,
            retries=retries,
        )
        self._opened = False
        self._targets: tuple[str, dict[str, str]] | None = None

    async def open(self) -> None:
        await self._client.__aenter__()
        self._opened = True

    async def close(self) -> None:
        if self._opened:
            await self._client.close_connection()
            self._opened = False

    async def _query(self, *, rule: str, input_data: dict[str, Any]) -> dict[str, Any]:
        # The library bounds each attempt; this bounds the whole call, retries and backoff included.
        budget = self._timeout * (self._retries + 1) + 1.0
        try:
            async with asyncio.timeout(budget):
                body: dict[str, Any] = await self._client.query_rule(
                    input_data=input_data,
                    package_path=DECISION_PACKAGE,
                    rule_name=rule,
                    query_params={"provenance": "true"},
                )
                return body
        except TimeoutError as exc:
            raise PolicyUnavailable(f"OPA did not answer within {budget:.1f}s; no decision was made.") from exc
        except aiohttp.ClientResponseError as exc:
            raise PolicyUnavailable(f"OPA answered HTTP {exc.status}; no decision was made.") from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise PolicyUnavailable(f"OPA is unreachable ({type(exc).__name__}); no decision was made.") from exc

    async def decide(self, policy_input: PolicyInput) -> PolicyResult:
        """Evaluate data.retention.decision for the input; raise PolicyUnavailable rather than guess."""
        body = await self._query(rule=DECISION_RULE, input_data=policy_input.model_dump(mode="json"))
        if "result" not in body:
            raise PolicyUnavailable(
                "OPA returned no decision: data.retention.decision is undefined (is the bundle loaded?)."
            )
        try:
            decision = PolicyDecision.model_validate(body["result"])
        except ValidationError as exc:
            logger.error("OPA returned a malformed decision document", extra={"errors": exc.errors(include_url=False)})
            raise PolicyUnavailable("OPA returned a decision document this service does not recognise.") from exc
        revision = _revision(body.get("provenance"))
        if not revision:
            raise PolicyUnavailable(
                "OPA did not report a policy bundle revision, so the decision could not be attributed."
            )
        return PolicyResult(decision=decision, revision=revision, opa_decision_id=body.get("decision_id"))

    async def escalation_targets(self, *, revision: str | None = None) -> dict[str, str]:
        """Who gets a task when a role's task is overdue, from the policy data finance maintains.

        Cached per bundle revision: a decision made under revision R fetches
        nothing more when R's targets are already known.
        """
        if revision is not None and self._targets is not None and self._targets[0] == revision:
            return self._targets[1]
        body = await self._query(rule="config/approval/escalation_targets", input_data={})
        targets = body.get("result")
        if not isinstance(targets, dict):
            raise PolicyUnavailable(
                "OPA has no escalation targets (data.retention.config.approval.escalation_targets)."
            )
        resolved = {str(role): str(target) for role, target in targets.items()}
        self._targets = (_revision(body.get("provenance")) or "", resolved)
        return resolved

    async def known_escalation_targets(self) -> dict[str, str]:
        """The escalation targets last read from OPA, asking it only when none are known yet.

        Approvals use these, so that an action on a task does not wait on (or fail with) a
        stalled OPA; the targets change only with a policy release, which decisions bring in.
        """
        if self._targets is not None:
            return self._targets[1]
        return await self.escalation_targets()

    async def status(self) -> PolicyStatus:
        """Whether OPA answers the decision rule itself, and which bundle revision it serves."""
        try:
            body = await self._query(rule=DECISION_RULE, input_data={})
        except PolicyUnavailable as exc:
            return PolicyStatus(reachable=False, healthy=False, revision=None, error=exc.message)
        revision = _revision(body.get("provenance"))
        healthy = isinstance(body.get("result"), dict) and revision is not None
        return PolicyStatus(
            reachable=True,
            healthy=healthy,
            revision=revision,
            error=None if healthy else "OPA answers but does not serve data.retention.decision from a policy bundle.",
        )
