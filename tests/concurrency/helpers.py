"""Firing requests at the same moment across replicas, and reading the shared database with raw SQL."""

import contextlib
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa

from app.cases.examples import example_for_now
from app.database import sync_url

REQUEST_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Call:
    """One request of a race: who sends it, to which replica, what."""

    who: str
    method: str
    path: str
    body: dict | None = None
    replica: int = 0
    label: str = ""


@dataclass
class Answer:
    call: Call
    status: int | str  # the HTTP status, or the name of the transport error
    body: Any = None
    seconds: float = 0.0

    @property
    def label(self) -> str:
        return self.call.label or f"{self.call.method} {self.call.path}"


@dataclass
class Race:
    """The answers of requests released together."""

    answers: list[Answer] = field(default_factory=list)

    def statuses(self, label: str | None = None) -> Counter:
        return Counter(a.status for a in self.answers if label is None or a.call.label == label)

    def with_status(self, status: int) -> list[Answer]:
        return [a for a in self.answers if a.status == status]

    def describe(self) -> str:
        lines = [f"statuses: {dict(self.statuses())}"]
        for a in self.answers:
            body = a.body if isinstance(a.body, str) else json.dumps(a.body)
            if isinstance(a.body, dict) and "timeline" in a.body:
                body = json.dumps({k: a.body[k] for k in ("id", "status", "current_stage") if k in a.body})
            lines.append(
                f"  replica {a.call.replica + 1} {a.call.who:<12} {a.label:<40} -> {a.status} "
                f"({a.seconds * 1000:.0f} ms) {body[:300]}"
            )
        return "\n".join(lines)


class Service:
    """HTTP access to the replicas: a client per (person, replica), requests and races."""

    def __init__(self, urls: Sequence[str], tokens: dict[str, str]) -> None:
        self.urls = list(urls)
        self.tokens = tokens
        self._clients: dict[tuple[str, int], httpx.Client] = {}

    def _new_client(self, who: str, replica: int) -> httpx.Client:
        return httpx.Client(
            base_url=self.urls[replica % len(self.urls)],
            timeout=REQUEST_TIMEOUT_SECONDS,
            headers={"Authorization": f"Bearer {self.tokens[who]}"},
        )

    def client(self, who: str, replica: int = 0) -> httpx.Client:
        key = (who, replica % len(self.urls))
        if key not in self._clients:
            self._clients[key] = self._new_client(who, replica)
        return self._clients[key]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()

    # --- sequential steps -------------------------------------------------------------------

    def decide(self, example: str = "price-discount", *, replica: int = 0, **changes: Any) -> dict:
        """Post an example, dated for now, with a unique event id, for an account of its own (an account's
        earlier concessions change how the policy decides); return the decision (201 asserted)."""
        case = example_for_now(example)
        case["account"] = {**case["account"], "id": f"acct-{case['event_id']}"}
        case.update(changes)
        response = self.client("crm", replica).post("/v1/save-cases", json=case)
        assert response.status_code == 201, f"deciding {example}: {response.status_code} {response.text}"
        return response.json()

    def case(self, case_id: str, *, who: str = "u-am-04", replica: int = 0) -> dict:
        response = self.client(who, replica).get(f"/v1/save-cases/{case_id}")
        assert response.status_code == 200, f"reading case {case_id}: {response.status_code} {response.text}"
        return response.json()

    def act(
        self, task_id: str, *, who: str, action: str = "approve", note: str | None = None, replica: int = 0
    ) -> dict:
        body = {"note": note} if note is not None else {}
        response = self.client(who, replica).post(f"/v1/approvals/{task_id}/{action}", json=body)
        assert response.status_code == 200, f"{who} {action} {task_id}: {response.status_code} {response.text}"
        return response.json()

    # --- races ------------------------------------------------------------------------------

    def race(self, calls: Sequence[Call], *, alongside: Callable[[], object] | None = None) -> Race:
        """Send every call from its own thread and connection, released together by a barrier.

        Each thread opens its connection (GET /healthz) before the barrier, so the requests
        themselves leave at the same moment and reach their replicas together. `alongside`, if
        given, runs in one more thread released by the same barrier (e.g. a raw SQL change).
        """
        barrier = threading.Barrier(len(calls) + (1 if alongside else 0))
        answers: list[Answer | None] = [None] * len(calls)
        side_errors: list[BaseException] = []

        def side() -> None:
            assert alongside is not None
            barrier.wait(timeout=REQUEST_TIMEOUT_SECONDS)
            try:
                alongside()
            except BaseException as exc:  # re-raised below, once every request has finished
                side_errors.append(exc)

        def send(index: int, call: Call) -> None:
            with self._new_client(call.who, call.replica) as client:
                with contextlib.suppress(httpx.HTTPError):  # the request below reports the failure
                    client.get("/healthz")
                barrier.wait(timeout=REQUEST_TIMEOUT_SECONDS)
                started = time.monotonic()
                try:
                    response = client.request(call.method, call.path, json=call.body)
                except httpx.HTTPError as exc:
                    answers[index] = Answer(call, type(exc).__name__, str(exc), time.monotonic() - started)
                    return
                try:
                    body: Any = response.json()
                except ValueError:
                    body = response.text
                answers[index] = Answer(call, response.status_code, body, time.monotonic() - started)

        threads = [threading.Thread(target=send, args=(i, c), daemon=True) for i, c in enumerate(calls)]
        if alongside:
            threads.append(threading.Thread(target=side, daemon=True))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=REQUEST_TIMEOUT_SECONDS * 2)
        missing = [calls[i] for i, a in enumerate(answers) if a is None]
        assert not missing, f"{len(missing)} requests of the race never finished: {missing}"
        if side_errors:
            raise side_errors[0]
        return Race([a for a in answers if a is not None])


def spread(calls: Sequence[Call], replicas: int) -> list[Call]:
    """The same calls, dealt round-robin over the replicas."""
    return [Call(c.who, c.method, c.path, c.body, i % replicas, c.label) for i, c in enumerate(calls)]


def open_tasks(case: dict, *, stage: int | None = None, kind: str | None = "review") -> list[dict]:
    return [
        t
        for t in case["tasks"]
        if t["status"] == "open" and (stage is None or t["stage"] == stage) and (kind is None or t["kind"] == kind)
    ]


def only_open_task(case: dict, role: str) -> dict:
    tasks = [t for t in open_tasks(case, kind=None) if t["role"] == role]
    assert len(tasks) == 1, f"expected one open {role} task, found {tasks}"
    return tasks[0]


class Database:
    """Raw SQL on the shared database (the tables of the migrations, not the app's models)."""

    def __init__(self, url: str) -> None:
        sync = sync_url(url)
        connect_args = {"timeout": 30} if sync.startswith("sqlite") else {}
        self.engine = sa.create_engine(sync, connect_args=connect_args)

    def close(self) -> None:
        self.engine.dispose()

    def rows(self, sql: str | sa.TextClause, **params: Any) -> list[sa.Row]:
        statement = sa.text(sql) if isinstance(sql, str) else sql
        with self.engine.connect() as connection:
            return list(connection.execute(statement, params))

    def case_events(self, case_id: str) -> list[sa.Row]:
        return self.rows(
            "SELECT id, event, task_id, actor_id FROM case_events WHERE case_id = :case_id ORDER BY id", case_id=case_id
        )

    def tasks(self, case_id: str) -> list[sa.Row]:
        return self.rows(
            "SELECT id, decision_id, kind, stage, role, assignee_id, status, escalates_task_id "
            "FROM approval_tasks WHERE case_id = :case_id ORDER BY created_at, id",
            case_id=case_id,
        )

    def outbox_for_case(self, case_id: str, *, event: str) -> list[dict]:
        """Outbox messages of one event whose payload names the case (filtered here: JSON differs by database)."""
        found = []
        for (payload,) in self.rows("SELECT payload FROM outbox WHERE event = :event", event=event):
            data = json.loads(payload) if isinstance(payload, (str, bytes)) else payload
            if data.get("case_id") == case_id:
                found.append(data)
        return found

    def make_open_tasks_overdue(
        self, *, case_ids: Sequence[str] = (), task_ids: Sequence[str] = (), by: timedelta = timedelta(hours=1)
    ) -> int:
        """Move the deadline of open tasks (these, or all of these cases) into the past; return how many.

        One short transaction per task: the test never holds two row locks at once, so it cannot
        take part in a deadlock of its own with the service's transactions.
        """
        if not task_ids:
            found = self.rows(
                sa.text(
                    "SELECT id FROM approval_tasks WHERE status = 'open' AND case_id IN :case_ids ORDER BY id"
                ).bindparams(sa.bindparam("case_ids", expanding=True)),
                case_ids=list(case_ids),
            )
            task_ids = [row.id for row in found]
        statement = sa.text("UPDATE approval_tasks SET due_at = :due WHERE id = :id AND status = 'open'").bindparams(
            sa.bindparam("due", type_=sa.DateTime(timezone=True))
        )
        changed = 0
        for task_id in task_ids:
            for attempt in range(5):
                try:
                    with self.engine.begin() as connection:
                        changed += connection.execute(
                            statement, {"due": datetime.now(UTC) - by, "id": task_id}
                        ).rowcount
                    break
                except sa.exc.OperationalError:
                    if attempt == 4:
                        raise
                    time.sleep(0.05)  # SQLite: the replicas held the write lock past the busy timeout
        return changed
