"""Approval integrity under concurrency: the same action sent at the same moment to three replicas.

Every test posts the price-discount example (chain: account owner u-am-04; then finance u-fin-01 and
revops u-revops-01 in parallel; then executive u-exec-01; requester u-csm-31), dated for now, and
fires the racing requests from separate threads released by one barrier, dealt round-robin over
three service processes sharing one SQLite file or one PostgreSQL database. Whatever the
interleaving, one action wins, the others get 409, and the case's tasks, timeline and outbox show
the winner only.
"""

from collections import Counter

from app.cases.examples import example_for_now
from tests.concurrency.helpers import Call, Database, Service, only_open_task, open_tasks, spread

REPLICAS = 3


def _owner_task(service: Service, case_id: str) -> dict:
    return only_open_task(service.case(case_id), "account_owner")


def _events(db: Database, case_id: str, event: str, task_id: str | None = None) -> list:
    return [e for e in db.case_events(case_id) if e.event == event and (task_id is None or e.task_id == task_id)]


def test_ten_simultaneous_approvals_of_one_task_by_owner_and_delegate_approve_it_once(
    service: Service, db: Database, delegation: dict
) -> None:
    case_id = service.decide()["case_id"]
    task = _owner_task(service, case_id)
    approve = f"/v1/approvals/{task['id']}/approve"
    calls = [Call("u-am-04" if i % 2 == 0 else "u-csm-08", "POST", approve, {}, label="approve") for i in range(10)]

    race = service.race(spread(calls, REPLICAS))

    approved = _events(db, case_id, "approved", task["id"])
    case = service.case(case_id)
    stage2 = [t for t in case["tasks"] if t["stage"] == 2 and t["kind"] == "review"]
    roles = dict(Counter(t["role"] for t in stage2))
    after = f"afterwards: {len(approved)} approved events, stage 2 review tasks {roles}"
    assert race.statuses() == Counter({200: 1, 409: 9}), (
        f"one approval must win, nine must conflict; {after}\n{race.describe()}"
    )
    assert len(approved) == 1, f"the timeline must hold one approval of the owner's task, not {len(approved)}"
    assert case["status"] == "in_review" and case["current_stage"] == 2, {
        k: case[k] for k in ("status", "current_stage")
    }
    assert sorted(t["role"] for t in stage2) == ["finance", "revops"], f"stage 2 must open once: {stage2}"
    assert all(t["status"] == "open" for t in stage2), stage2
    owner = next(t for t in case["tasks"] if t["id"] == task["id"])
    assert owner["status"] == "approved" and owner["acted_by"] in {"u-am-04", "u-csm-08"}, owner


def test_approve_and_reject_of_one_task_at_the_same_moment_let_exactly_one_win(service: Service, db: Database) -> None:
    winners = []
    for round_number in range(5):
        case_id = service.decide()["case_id"]
        task = _owner_task(service, case_id)
        calls = [
            Call(
                "u-am-04",
                "POST",
                f"/v1/approvals/{task['id']}/approve",
                {},
                replica=round_number % REPLICAS,
                label="approve",
            ),
            Call(
                "u-am-04",
                "POST",
                f"/v1/approvals/{task['id']}/reject",
                {"note": "Not worth the margin."},
                replica=(round_number + 1) % REPLICAS,
                label="reject",
            ),
        ]

        race = service.race(calls)

        case = service.case(case_id)
        timeline = [e.event for e in db.case_events(case_id)]
        where = (
            f"round {round_number + 1}; afterwards the case is {case['status']} at stage {case['current_stage']}, "
            f"its timeline {timeline}\n{race.describe()}"
        )
        assert race.statuses() == Counter({200: 1, 409: 1}), f"exactly one of approve and reject must win; {where}"
        winner = race.with_status(200)[0].call.label
        winners.append(winner)
        if winner == "reject":
            assert case["status"] == "rejected", f"{case['status']}; {where}"
            assert open_tasks(case, kind=None) == [], (
                f"a rejected case has no open tasks: {open_tasks(case, kind=None)}"
            )
            assert "approved" not in timeline, f"the losing approval left a trace: {timeline}"
        else:
            assert case["status"] == "in_review" and case["current_stage"] == 2, (
                f"{case['status']} {case['current_stage']}; {where}"
            )
            stage2 = open_tasks(case, stage=2)
            assert sorted(t["role"] for t in stage2) == ["finance", "revops"], f"stage 2 tasks: {stage2}; {where}"
            assert len(open_tasks(case, kind=None)) == 2, f"only stage 2 is open: {open_tasks(case, kind=None)}"
            assert "rejected" not in timeline, f"the losing rejection left a trace: {timeline}"
        assert timeline.count("approved") + timeline.count("rejected") == 1, timeline
    print(f"winners by round: {winners}")


def test_a_double_click_on_the_last_stage_authorizes_once_and_notifies_the_crm_once(
    service: Service, db: Database
) -> None:
    case_id = service.decide()["case_id"]
    case = service.act(_owner_task(service, case_id)["id"], who="u-am-04")
    stage2 = {t["role"]: t for t in open_tasks(case, stage=2)}
    service.act(stage2["revops"]["id"], who="u-revops-01", replica=1)
    case = service.act(stage2["finance"]["id"], who="u-fin-01", replica=2)
    assert case["current_stage"] == 3, {k: case[k] for k in ("status", "current_stage")}
    executive = only_open_task(case, "executive")
    assert executive["assignee_id"] == "u-exec-01", executive
    approve = f"/v1/approvals/{executive['id']}/approve"

    race = service.race(spread([Call("u-exec-01", "POST", approve, {}, label="approve")] * 10, REPLICAS))

    case = service.case(case_id)
    authorized = _events(db, case_id, "authorized")
    notices = db.outbox_for_case(case_id, event="case.authorized")
    after = f"afterwards: {len(authorized)} authorized events, {len(notices)} case.authorized outbox messages"
    assert race.statuses() == Counter({200: 1, 409: 9}), (
        f"one final approval must win, nine must conflict; {after}\n{race.describe()}"
    )
    assert case["status"] == "authorized", case["status"]
    assert case["authorized_offer"] == {
        "type": "discount",
        "discount_pct": 22,
        "duration_months": 12,
        "credit_amount": 0,
    }
    assert len(authorized) == 1, f"the case must be authorized once, the timeline says {len(authorized)} times"
    assert len(_events(db, case_id, "approved", executive["id"])) == 1, [tuple(e) for e in db.case_events(case_id)]
    assert len(notices) == 1, (
        f"the CRM must be told once that the case is authorized, the outbox holds {len(notices)}: {notices}"
    )


def test_two_simultaneous_revisions_of_a_returned_case_redecide_it_once(service: Service, db: Database) -> None:
    decided = service.decide()
    case_id = decided["case_id"]
    case = service.act(_owner_task(service, case_id)["id"], who="u-am-04")
    finance = only_open_task(case, "finance")
    case = service.act(
        finance["id"], who="u-fin-01", action="request-changes", note="Try 15% for 12 months first.", replica=1
    )
    assert case["status"] == "changes_requested", case["status"]

    revisions = []
    for i in (1, 2):
        revision = example_for_now("price-discount", event_id=f"{decided['event_id']}-r{i}")
        revision["proposed_offer"] = {**revision["proposed_offer"], "discount_pct": 15}
        revision["account"] = decided["evidence"]["case"]["account"]
        revisions.append(revision)
    path = f"/v1/save-cases/{case_id}/revisions"
    calls = [
        Call("u-am-04", "POST", path, body, replica=i, label=f"revision {i + 1}") for i, body in enumerate(revisions)
    ]

    race = service.race(calls)

    case = service.case(case_id)
    open_now = [t for t in db.tasks(case_id) if t.status == "open"]
    stale = [t for t in open_now if t.decision_id != case["decision"]["id"]]
    after = (
        f"afterwards the case follows {case['decision']['id']} with {len(case['decision_ids'])} decisions and "
        f"{len(open_now)} open tasks, {len(stale)} of them of another decision"
    )
    assert race.statuses() == Counter({201: 1, 409: 1}), (
        f"one revision must win, the other conflict; {after}\n{race.describe()}"
    )
    assert not stale, f"open tasks of a decision the case no longer follows: {[tuple(t) for t in stale]}"
    winner = race.with_status(201)[0].body
    assert case["decision"]["id"] == winner["id"], (
        f"the case follows {case['decision']['id']}, the winner decided {winner['id']}"
    )
    assert len(case["decision_ids"]) == 2, f"the original and one revision, not {case['decision_ids']}"
    assert case["status"] == "in_review" and case["current_stage"] == 1, {
        k: case[k] for k in ("status", "current_stage")
    }
    assert len(open_now) == 1, f"one open task (the owner's, stage 1): {[tuple(t) for t in open_now]}"
    assert [e.event for e in db.case_events(case_id)].count("redecided") == 1, [
        e.event for e in db.case_events(case_id)
    ]


def test_one_revision_resent_at_the_same_moment_redecides_once_and_replays_to_the_rest(
    service: Service, db: Database
) -> None:
    decided = service.decide()
    case_id = decided["case_id"]
    case = service.act(_owner_task(service, case_id)["id"], who="u-am-04")
    finance = only_open_task(case, "finance")
    service.act(finance["id"], who="u-fin-01", action="request-changes", note="Try 15% first.", replica=1)
    revision = example_for_now("price-discount", event_id=f"{decided['event_id']}-r1")
    revision["proposed_offer"] = {**revision["proposed_offer"], "discount_pct": 15}
    revision["account"] = decided["evidence"]["case"]["account"]
    path = f"/v1/save-cases/{case_id}/revisions"
    calls = [Call("u-am-04", "POST", path, revision, replica=i, label=f"copy {i + 1}") for i in range(REPLICAS)]

    race = service.race(calls)

    assert race.statuses() == Counter({201: 1, 200: REPLICAS - 1}), (
        f"a resent revision is answered with the stored decision, never a conflict\n{race.describe()}"
    )
    ids = {answer.body["id"] for answer in race.answers}
    assert len(ids) == 1, f"every copy answers with the one decision made: {ids}"
    case = service.case(case_id)
    assert len(case["decision_ids"]) == 2 and case["decision"]["id"] in ids, case["decision_ids"]
    assert [e.event for e in db.case_events(case_id)].count("redecided") == 1
