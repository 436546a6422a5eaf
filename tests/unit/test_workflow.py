"""The approval workflow driven directly against a database session (each database), with the real policy."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.approvals import actions, escalation, inbox
from app.approvals import repository as tasks_repository
from app.approvals.context import WorkflowContext
from app.approvals.review import TaskAction
from app.approvals.states import CASE_TRANSITIONS, TASK_TRANSITIONS, CaseStatus, TaskStatus, move_case, move_task
from app.auth.principal import Principal
from app.cases import intake
from app.cases import repository as cases_repository
from app.cases.models import SaveCase
from app.cases.schemas import SaveCaseCreate
from app.clock import FixedClock
from app.directory import service as directory
from app.directory.schemas import PersonSeed
from app.errors import Conflict, Forbidden
from app.policy.client import PolicyClient
from tests.conftest import DECISION_TIME, SEED_DIRECTORY, load_example
from tests.support.opa_process import OpaProcess


@pytest.fixture
async def policy(opa_server: OpaProcess) -> AsyncIterator[PolicyClient]:
    client = PolicyClient(url=opa_server.url, timeout_seconds=2, retries=1)
    await client.open()
    yield client
    await client.close()


@pytest.fixture
async def seeded(db_session: AsyncSession) -> AsyncSession:
    for person in json.loads(SEED_DIRECTORY.read_text()):
        await directory.add_missing_person(session=db_session, person_in=PersonSeed(**person), now=DECISION_TIME)
    return db_session


class _OneSession:
    """The use-cases' read and write phases, both on the test's session (rolled back after the test)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @asynccontextmanager
    async def _scope(self) -> AsyncIterator[AsyncSession]:
        yield self._session

    read = write = _scope


async def _decide(session: AsyncSession, policy: PolicyClient, example: str) -> SaveCase:
    case_in = SaveCaseCreate.model_validate(load_example(example))
    result = await intake.decide_new_case(
        db=_OneSession(session),  # type: ignore[arg-type]
        policy=policy,
        clock=FixedClock(DECISION_TIME),
        case_in=case_in,
        raw_body=json.dumps(load_example(example)).encode(),
        principal=Principal(service_name=case_in.source),
        crm_url="http://crm.invalid/hook",
    )
    case = await cases_repository.get_case(session, case_id=result.decision.case_id or "")
    assert case is not None
    return case


async def _open_review(session: AsyncSession, case: SaveCase) -> dict[str, str]:
    tasks = await tasks_repository.tasks_of_case(session, case_id=case.id)
    return {t.role: t.id for t in tasks if t.status == TaskStatus.OPEN and t.kind == "review"}


async def _act(session: AsyncSession, policy: PolicyClient, task_id: str, actor: str, action: TaskAction) -> SaveCase:
    ctx = WorkflowContext(targets=await policy.known_escalation_targets(), crm_url="http://crm.invalid/hook")
    return await actions.act_on_task(
        session=session,
        task_id=task_id,
        actor_id=actor,
        token_id=None,
        action=action,
        note="because",
        now=DECISION_TIME,
        ctx=ctx,
    )


def test_the_transition_tables_cover_every_status_and_final_statuses_go_nowhere() -> None:
    assert set(CASE_TRANSITIONS) == set(CaseStatus)
    assert set(TASK_TRANSITIONS) == set(TaskStatus)
    for final in (CaseStatus.LOST, CaseStatus.REJECTED, CaseStatus.EXPIRED):
        assert CASE_TRANSITIONS[final] == frozenset()
    assert all(not targets for status, targets in TASK_TRANSITIONS.items() if status is not TaskStatus.OPEN)


def test_a_move_outside_the_table_is_a_conflict_naming_the_current_state() -> None:
    case = SaveCase(id="c", status="authorized", current_stage=None, current_decision_id="d", hold_reason=None)
    with pytest.raises(Conflict) as refused:
        move_case(case, CaseStatus.IN_REVIEW)
    assert refused.value.current == {
        "status": "authorized",
        "current_stage": None,
        "decision_id": "d",
        "hold_reason": None,
    }
    assert case.status == "authorized"


async def test_a_routed_case_walks_its_chain_to_authorization(seeded: AsyncSession, policy: PolicyClient) -> None:
    case = await _decide(seeded, policy, "price-discount")
    assert (case.status, case.current_stage) == (CaseStatus.IN_REVIEW, 1)
    owner_inbox = await inbox.inbox(session=seeded, person_id="u-am-04", now=DECISION_TIME)
    assert [t.role for t in owner_inbox] == ["account_owner"]

    await _act(seeded, policy, owner_inbox[0].id, "u-am-04", TaskAction.APPROVE)
    stage2 = await _open_review(seeded, case)
    assert set(stage2) == {"finance", "revops"}
    await _act(seeded, policy, stage2["finance"], "u-fin-01", TaskAction.APPROVE)
    assert case.current_stage == 2, "one approval of a parallel stage does not advance it"
    await _act(seeded, policy, stage2["revops"], "u-revops-01", TaskAction.APPROVE)
    [executive] = (await _open_review(seeded, case)).values()
    final = await _act(seeded, policy, executive, "u-exec-01", TaskAction.APPROVE)

    assert final.status == CaseStatus.AUTHORIZED
    assert final.authorized_offer == {"type": "discount", "discount_pct": 22, "duration_months": 12, "credit_amount": 0}
    with pytest.raises(Conflict):
        await _act(seeded, policy, executive, "u-exec-01", TaskAction.APPROVE)


async def test_a_reject_cancels_the_other_open_tasks_and_ends_the_case(
    seeded: AsyncSession, policy: PolicyClient
) -> None:
    case = await _decide(seeded, policy, "price-discount")
    owner = (await _open_review(seeded, case))["account_owner"]
    await _act(seeded, policy, owner, "u-am-04", TaskAction.APPROVE)
    stage2 = await _open_review(seeded, case)

    await _act(seeded, policy, stage2["finance"], "u-fin-01", TaskAction.REJECT)

    tasks = await tasks_repository.tasks_of_case(seeded, case_id=case.id)
    assert case.status == CaseStatus.REJECTED
    assert {t.role: t.status for t in tasks if t.stage == 2} == {"finance": "rejected", "revops": "cancelled"}
    with pytest.raises(Conflict):
        await _act(seeded, policy, stage2["revops"], "u-revops-01", TaskAction.APPROVE)


async def test_the_requester_and_strangers_are_refused_without_a_change(
    seeded: AsyncSession, policy: PolicyClient
) -> None:
    case = await _decide(seeded, policy, "price-discount")
    owner = (await _open_review(seeded, case))["account_owner"]

    for stranger in ("u-csm-31", "u-fin-01", "u-admin"):
        with pytest.raises(Forbidden):
            await _act(seeded, policy, owner, stranger, TaskAction.APPROVE)

    task = await tasks_repository.get_task(seeded, task_id=owner)
    assert task is not None and task.status == TaskStatus.OPEN


async def test_an_overdue_task_escalates_once_and_the_original_stays_open(
    seeded: AsyncSession, policy: PolicyClient
) -> None:
    case = await _decide(seeded, policy, "price-discount")
    owner = (await _open_review(seeded, case))["account_owner"]
    ctx = WorkflowContext(targets=await policy.escalation_targets(), crm_url=None)
    later = DECISION_TIME + timedelta(days=5)

    first = await escalation.escalate_overdue(session=seeded, now=later, ctx=ctx)
    again = await escalation.escalate_overdue(session=seeded, now=later, ctx=ctx)

    assert (first, again) == (1, 0)
    tasks = await tasks_repository.tasks_of_case(seeded, case_id=case.id)
    original = next(t for t in tasks if t.id == owner)
    [escalated] = [t for t in tasks if t.escalates_task_id == owner]
    assert original.status == TaskStatus.OPEN and original.escalated_at == later
    assert (escalated.role, escalated.assignee_id) == ("cs_leadership", "u-csl-01")
    # The escalation target approves the slot: the original is superseded, not left open.
    await _act(seeded, policy, escalated.id, "u-csl-01", TaskAction.APPROVE)
    assert original.status == TaskStatus.SUPERSEDED


def test_a_task_moves_only_out_of_open() -> None:
    from app.approvals.models import ApprovalTask

    task = ApprovalTask(id="t", status="approved", assignee_id="p", role="finance", stage=2)
    with pytest.raises(Conflict):
        move_task(task, TaskStatus.CANCELLED)
