"""The demo programme run through the real domain code, in simulated time.

One queue of steps in time order: a case is decided (case intake and the real
policy, at the case's time on a FixedClock); some hours later the assignees of
its approval chain act on their tasks, stage by stage (mostly approving); once
the offer is authorized, the CRM and the billing system report what came of it
as it happens. Each step runs when the simulated time reaches it, so a decision
sees its account's history as it was then, and no step runs after the end.
"""

import heapq
import itertools
import json
import logging
import math
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from app.approvals import actions
from app.approvals import repository as tasks_repository
from app.approvals.context import WorkflowContext
from app.approvals.review import TaskAction
from app.approvals.states import CaseStatus, TaskKind, TaskStatus
from app.auth.principal import Principal
from app.cases import intake
from app.cases import repository as cases_repository
from app.cases.schemas import SaveCaseCreate
from app.clock import FixedClock
from app.database import Database
from app.demo.outcomes import PlannedFact, plan_outcomes
from app.demo.plan import PlannedCase, rng_for
from app.errors import ServiceError
from app.outcomes import service as outcomes
from app.outcomes.schemas import OutcomeEventCreate
from app.policy.client import PolicyClient

logger = logging.getLogger(__name__)

Step = Callable[[], Awaitable[None]]
# Reports due one after another are recorded in one transaction (each in its own savepoint): far fewer commits.
_REPORTS_PER_TRANSACTION = 100


@dataclass(frozen=True, kw_only=True)
class _Report:
    case: PlannedCase
    case_id: str
    fact: PlannedFact


_NOTES = {
    TaskAction.REJECT: (
        "The offer is too generous for this account's usage and health.",
        "The account had a concession recently; we will not concede again.",
        "The customer has not engaged with the last plan; no offer this time.",
    ),
    TaskAction.REQUEST_CHANGES: (
        "Shorten the offer and attach the latest usage review.",
        "Try a re-onboarding plan first and come back with the customer's answer.",
        "Confirm the renewal terms with the customer before we approve.",
    ),
}


def _action(rng: random.Random, *, stage: int) -> tuple[TaskAction, str | None]:
    """Mostly an approval; now and then a rejection or a change request, each with its note."""
    draw = rng.random()
    if draw < 0.05:
        return TaskAction.REJECT, rng.choice(_NOTES[TaskAction.REJECT])
    if draw < (0.10 if stage == 1 else 0.08):
        return TaskAction.REQUEST_CHANGES, rng.choice(_NOTES[TaskAction.REQUEST_CHANGES])
    return TaskAction.APPROVE, rng.choice((None, None, "Approved.", "Fine by me."))


def _delay(rng: random.Random, *, first: bool) -> timedelta:
    """How long a stage waits for its reviewers: the owner answers within hours, mostly; the others take longer."""
    hours = rng.lognormvariate(math.log(5 if first else 10), 0.9)
    return timedelta(hours=min(max(hours, 0.25), 120))


class Simulation:
    """The queue of the demo's steps and what they did (tally)."""

    def __init__(self, *, db: Database, policy: PolicyClient, ctx: WorkflowContext, seed: int, end: datetime) -> None:
        self.db, self.policy, self.ctx, self.seed, self.end = db, policy, ctx, seed, end
        self.clock = FixedClock(end)
        self.tally: Counter[str] = Counter()
        self._queue: list[tuple[datetime, int, Step | _Report]] = []
        self._order = itertools.count()

    def at(self, when: datetime, step: Step | _Report) -> None:
        """Run step when the simulated time reaches when; a step after the end never runs."""
        if when <= self.end:
            heapq.heappush(self._queue, (when, next(self._order), step))

    def add(self, case: PlannedCase) -> None:
        self.at(case.at, partial(self._decide, case))

    async def run(self) -> None:
        while self._queue:
            _, _, step = heapq.heappop(self._queue)
            if not isinstance(step, _Report):
                await step()
                continue
            # A report schedules nothing, so the reports that are next in time can go together.
            batch = [step]
            while self._queue and isinstance(following := self._queue[0][2], _Report):
                if len(batch) == _REPORTS_PER_TRANSACTION:
                    break
                heapq.heappop(self._queue)
                batch.append(following)
            await self._report(batch)

    def _refused(self, what: str, case: PlannedCase, exc: ServiceError) -> None:
        self.tally["refused"] += 1
        logger.warning("demo: %s of case %s was refused: %s", what, case.event_id, exc.message)

    async def _decide(self, case: PlannedCase) -> None:
        self.clock.set(case.at)
        result = await intake.decide_new_case(
            db=self.db,
            policy=self.policy,
            clock=self.clock,
            case_in=SaveCaseCreate.model_validate(case.body),
            raw_body=json.dumps(case.body).encode(),
            principal=Principal(service_name=case.source),
            crm_url=None,
        )
        self.tally["cases"] += 1
        if result.replay:
            self.tally["replayed"] += 1
            return
        self.tally[result.decision.outcome] += 1
        if result.decision.outcome == "route" and result.decision.case_id:
            rng = rng_for(self.seed, case.index, "review")
            when = case.at + _delay(rng, first=True)
            self.at(when, partial(self._review, case, result.decision.case_id, rng, when))

    async def _review(self, case: PlannedCase, case_id: str, rng: random.Random, when: datetime) -> None:
        """The current stage's assignees act, one after another; then the next stage waits, or the offer is out."""
        async with self.db.read() as session:
            found = await cases_repository.get_case(session, case_id=case_id)
            tasks = await tasks_repository.tasks_of_case(session, case_id=case_id)
        if found is None or found.status != CaseStatus.IN_REVIEW:
            self.tally["case_held"] += 1  # no eligible approver (or owner) when the chain opened
            return
        stage = [
            t
            for t in tasks
            if t.status == TaskStatus.OPEN
            and t.kind == TaskKind.REVIEW
            and t.stage == found.current_stage
            and t.decision_id == found.current_decision_id
            and t.assignee_id is not None
        ]
        status, authorized_at = CaseStatus.IN_REVIEW, None
        for i, task in enumerate(stage):
            when += timedelta(hours=rng.uniform(0.2, 6)) if i else timedelta()
            if when > self.end:
                return  # still in review now
            action, note = _action(rng, stage=task.stage or 1)
            try:
                async with self.db.write() as session:
                    acted = await actions.act_on_task(
                        session=session,
                        task_id=task.id,
                        actor_id=task.assignee_id or "",
                        token_id=None,
                        action=action,
                        note=note,
                        now=when,
                        ctx=self.ctx,
                    )
                    status, authorized_at = CaseStatus(acted.status), acted.authorized_at
            except ServiceError as exc:
                self._refused(f"{action.value} by {task.assignee_id}", case, exc)
                return
            self.tally[f"task_{action.value}"] += 1
            if status != CaseStatus.IN_REVIEW:
                break
        if not stage:
            return
        if status == CaseStatus.IN_REVIEW:
            later = when + _delay(rng, first=False)
            self.at(later, partial(self._review, case, case_id, rng, later))
            return
        self.tally[f"case_{status.value}"] += 1
        if status == CaseStatus.AUTHORIZED and authorized_at is not None:
            for fact in plan_outcomes(seed=self.seed, case=case, authorized_at=authorized_at, end=self.end):
                self.at(fact.reported_at, _Report(case=case, case_id=case_id, fact=fact))

    async def _report(self, batch: list[_Report]) -> None:
        """Record reports in one transaction; a refused one is rolled back to its savepoint and the rest go on."""
        async with self.db.write() as session:
            for report in batch:
                fact = report.fact
                event_in = OutcomeEventCreate(
                    event_id=fact.event_id,
                    source=fact.source,
                    kind=fact.kind,
                    occurred_at=fact.occurred_at,
                    amount=fact.amount,
                    note=fact.note,
                )
                try:
                    recorded = await outcomes.record_outcome(
                        session=session,
                        case_id=report.case_id,
                        event_in=event_in,
                        principal=Principal(service_name=fact.source),
                        now=fact.reported_at,
                    )
                except ServiceError as exc:
                    self._refused(f"the {fact.kind.value} report", report.case, exc)
                    continue
                self.tally["outcome_replayed" if recorded.replay else "outcomes"] += 1
