"""The workflow's state machine: the statuses of cases and tasks, and the one table of allowed transitions.

Every status change goes through `move_case` or `move_task`. The ORM writes each
change as `UPDATE … WHERE id = ? AND version = ?` (the models' version column),
and the actions read the case under its row lock first, so of any set of
concurrent callers exactly one wins and the others get 409 with the current state.
"""

from enum import StrEnum
from typing import Any

from app.approvals.models import ApprovalTask
from app.cases.models import SaveCase
from app.errors import Conflict


class CaseStatus(StrEnum):
    IN_REVIEW = "in_review"
    PAUSED = "paused"
    DECLINED = "declined"
    CHANGES_REQUESTED = "changes_requested"
    AUTHORIZED = "authorized"
    REJECTED = "rejected"
    EXPIRED = "expired"
    # After authorization, from the outcomes the CRM and the billing system report (app.outcomes).
    OFFERED = "offered"
    ACCEPTED = "accepted"
    OFFER_DECLINED = "offer_declined"
    SAVED = "saved"
    LOST = "lost"


class TaskStatus(StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"
    CHANGES_REQUESTED = "changes_requested"
    SUPERSEDED = "superseded"
    CANCELLED = "cancelled"


class TaskKind(StrEnum):
    REVIEW = "review"
    COMPLETE_EVIDENCE = "complete_evidence"
    REVISE_OFFER = "revise_offer"


# Statuses in which the case waits for its owner or requester to revise it.
AWAITING_REQUESTER = frozenset({CaseStatus.PAUSED, CaseStatus.DECLINED, CaseStatus.CHANGES_REQUESTED})
UNFINISHED = frozenset({CaseStatus.IN_REVIEW, *AWAITING_REQUESTER})
# A new case starts in one of these, from its first decision.
INITIAL = frozenset({CaseStatus.IN_REVIEW, CaseStatus.PAUSED, CaseStatus.DECLINED})

# An authorized offer and what came of it: the statuses outcome reports apply to.
AFTER_AUTHORIZATION = frozenset(
    {
        CaseStatus.AUTHORIZED,
        CaseStatus.OFFERED,
        CaseStatus.ACCEPTED,
        CaseStatus.OFFER_DECLINED,
        CaseStatus.SAVED,
        CaseStatus.LOST,
    }
)

_REDECIDED = frozenset({CaseStatus.IN_REVIEW, CaseStatus.PAUSED, CaseStatus.DECLINED, CaseStatus.EXPIRED})

CASE_TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    # in_review → in_review is the next stage opening.
    CaseStatus.IN_REVIEW: frozenset(
        {
            CaseStatus.IN_REVIEW,
            CaseStatus.AUTHORIZED,
            CaseStatus.REJECTED,
            CaseStatus.CHANGES_REQUESTED,
            CaseStatus.PAUSED,
            CaseStatus.EXPIRED,
        }
    ),
    CaseStatus.PAUSED: _REDECIDED,
    CaseStatus.DECLINED: _REDECIDED,
    CaseStatus.CHANGES_REQUESTED: _REDECIDED,
    # Reports may arrive late or out of order, so a case can skip ahead (accepted with no report of
    # the offer being presented); facts only accumulate, so it never moves back, and lost is final.
    CaseStatus.AUTHORIZED: frozenset(
        {CaseStatus.OFFERED, CaseStatus.ACCEPTED, CaseStatus.OFFER_DECLINED, CaseStatus.SAVED, CaseStatus.LOST}
    ),
    CaseStatus.OFFERED: frozenset({CaseStatus.ACCEPTED, CaseStatus.OFFER_DECLINED, CaseStatus.SAVED, CaseStatus.LOST}),
    # A customer who declined may still accept; an acceptance stands against a later decline.
    CaseStatus.OFFER_DECLINED: frozenset({CaseStatus.ACCEPTED, CaseStatus.SAVED, CaseStatus.LOST}),
    CaseStatus.ACCEPTED: frozenset({CaseStatus.SAVED, CaseStatus.LOST}),
    CaseStatus.SAVED: frozenset({CaseStatus.LOST}),
    CaseStatus.LOST: frozenset(),
    CaseStatus.REJECTED: frozenset(),
    CaseStatus.EXPIRED: frozenset(),
}

TASK_TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.OPEN: frozenset(
        {
            TaskStatus.APPROVED,
            TaskStatus.REJECTED,
            TaskStatus.CHANGES_REQUESTED,
            TaskStatus.SUPERSEDED,
            TaskStatus.CANCELLED,
        }
    ),
    TaskStatus.APPROVED: frozenset(),
    TaskStatus.REJECTED: frozenset(),
    TaskStatus.CHANGES_REQUESTED: frozenset(),
    TaskStatus.SUPERSEDED: frozenset(),
    TaskStatus.CANCELLED: frozenset(),
}


def case_state(case: SaveCase) -> dict[str, Any]:
    """What a case is now, as the timeline and a 409 show it."""
    return {
        "status": case.status,
        "current_stage": case.current_stage,
        "decision_id": case.current_decision_id,
        "hold_reason": case.hold_reason,
    }


def task_state(task: ApprovalTask) -> dict[str, Any]:
    """What a task is now, as the timeline and a 409 show it."""
    return {"task_status": task.status, "assignee_id": task.assignee_id, "role": task.role, "stage": task.stage}


def move_case(case: SaveCase, to: CaseStatus) -> None:
    """Change a case's status if the table allows it; otherwise 409 with the case's current state."""
    if to not in CASE_TRANSITIONS[CaseStatus(case.status)]:
        raise Conflict(f"The case is {case.status}; it cannot become {to}.", current=case_state(case))
    case.status = to


def move_task(task: ApprovalTask, to: TaskStatus) -> None:
    """Change a task's status if the table allows it; otherwise 409 with the task's current state."""
    if to not in TASK_TRANSITIONS[TaskStatus(task.status)]:
        raise Conflict(f"The task is already {task.status}.", current=task_state(task))
    task.status = to
