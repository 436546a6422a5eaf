"""Approvals racing the deadline scheduler, which runs every 50 ms in each of the three replicas.

Open tasks are made overdue with raw SQL at the moment their approvers approve them, all at once,
while the replicas' schedulers escalate them: no request may fail (a deadlock or a lock timeout
is a 5xx), and no overdue task may be escalated twice, whichever replica's scheduler got to it.
"""

import time
from collections import Counter

import pytest

from tests.concurrency.helpers import Call, Database, Race, Service, open_tasks
from tests.support.service_processes import ServiceCluster

REPLICAS = 3
BATCHES = 3
CASES_PER_BATCH = 8
SETTLE_SECONDS = 1.0  # time for the schedulers to escalate whatever the approvals left open


@pytest.fixture(scope="module")
def replica_env() -> dict[str, str]:
    # The scheduler ticks every 50 ms in every replica; the outbox sender (whose CRM does not answer)
    # is kept quiet so that the replicas' logs show the races, not its retries.
    return {"BACKGROUND_JOBS": "true", "SCHEDULER_INTERVAL_SECONDS": "0.05", "OUTBOX_INTERVAL_SECONDS": "30"}


def _approvals_of_open_reviews(service: Service, case_ids: list[str]) -> tuple[list[Call], list[str]]:
    """An approval by its assignee of every open, original (not escalation) review task of these cases."""
    calls, task_ids = [], []
    for case_id in case_ids:
        for task in open_tasks(service.case(case_id)):
            if task["escalates_task_id"] is None:
                label = f"approve {task['role']} of {case_id[:8]}"
                calls.append(Call(task["assignee_id"], "POST", f"/v1/approvals/{task['id']}/approve", {}, label=label))
                task_ids.append(task["id"])
    return [Call(c.who, c.method, c.path, c.body, i % REPLICAS, c.label) for i, c in enumerate(calls)], task_ids


def _per_task(db: Database, sql: str, case_ids: list[str]) -> Counter:
    params = {f"c{i}": case_id for i, case_id in enumerate(case_ids)}
    rows = db.rows(sql.format(cases=", ".join(f":{key}" for key in params)), **params)
    return Counter(row[0] for row in rows)


def test_approvals_racing_the_escalation_scheduler_never_fail_and_escalate_each_task_at_most_once(
    service: Service, db: Database, cluster: ServiceCluster
) -> None:
    races: list[tuple[str, Race]] = []
    all_cases: list[str] = []
    for batch in range(1, BATCHES + 1):
        case_ids = [service.decide(replica=i)["case_id"] for i in range(CASES_PER_BATCH)]
        all_cases += case_ids
        for stage in (1, 2):
            calls, task_ids = _approvals_of_open_reviews(service, case_ids)
            assert len(calls) == CASES_PER_BATCH * stage, f"batch {batch} stage {stage}: {len(calls)} open tasks"
            # The deadlines pass at the moment the approvals leave: schedulers and approvers meet on the same rows.
            race = service.race(calls, alongside=lambda ids=task_ids: db.make_open_tasks_overdue(task_ids=ids))
            races.append((f"batch {batch}, stage {stage}", race))
            failed = [a for a in race.answers if not isinstance(a.status, int) or a.status >= 500]
            assert not failed, (
                f"batch {batch}, stage {stage}: {len(failed)} of {len(calls)} approvals failed while the schedulers "
                f"escalated: {Counter(a.status for a in failed)}, e.g. {failed[0].body}\n{race.describe()}"
            )

    report = "\n".join(f"{name}: {race.describe()}" for name, race in races)
    statuses = sum((race.statuses() for _, race in races), Counter())
    assert statuses == Counter({200: BATCHES * CASES_PER_BATCH * 3}), (
        f"every approval of an open task must succeed\n{report}"
    )

    # Let the schedulers run over whatever is still open and overdue, then count escalations per task.
    db.make_open_tasks_overdue(case_ids=all_cases)
    time.sleep(SETTLE_SECONDS)
    events = _per_task(
        db, "SELECT task_id FROM case_events WHERE event = 'escalated' AND case_id IN ({cases})", all_cases
    )
    # An escalation task names the original task it stands in for; a chain (finance -> finance lead ->
    # executive) gives one original several escalation tasks, but never two for the same role.
    escalations = _per_task(
        db,
        "SELECT escalates_task_id || ' -> ' || role FROM approval_tasks "
        "WHERE escalates_task_id IS NOT NULL AND case_id IN ({cases})",
        all_cases,
    )
    twice = {task: n for task, n in events.items() if n > 1}
    assert not twice, f"tasks escalated more than once (escalated events per task): {twice}"
    twice = {task: n for task, n in escalations.items() if n > 1}
    assert not twice, f"the same escalation was opened more than once (original -> role: count): {twice}"
    assert not cluster.crashed(), cluster.crashed()
    # No approval was lost: every original stage-1 and stage-2 task is approved and no case waits in those stages.
    # (What stage 3 looks like depends on who the escalations reached: a person who took a stage-2 escalation
    # may not approve stage 3, so a case can be held for want of an eligible executive.)
    for case_id in all_cases:
        unapproved = [
            tuple(t)
            for t in db.tasks(case_id)
            if t.kind == "review" and t.stage in (1, 2) and t.escalates_task_id is None and t.status != "approved"
        ]
        assert not unapproved, f"case {case_id}: tasks approved with a 200 that are not approved: {unapproved}"
        case = service.case(case_id)
        assert not (case["status"] == "in_review" and case["current_stage"] in (1, 2)), {
            k: case[k] for k in ("id", "status", "current_stage")
        }
    print(f"escalated events: {sum(events.values())} over {len(events)} tasks; approvals: {dict(statuses)}")
