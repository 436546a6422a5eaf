"""Three service processes on one database, one of them SIGKILLed while its outbox sends are in flight.

Every replica runs the background jobs: the outbox sender every 100 ms with a 2 s lease and the
deadline scheduler every 200 ms. The CRM is a real local receiver that answers slowly (0.5 s), so a
replica always has deliveries in flight while cases are being decided. Cases are decided on all
three replicas, then on two of them while the test waits until the third has deliveries in flight
at the receiver (the sending process is found from the connection's port in /proc), makes the
first cases' open tasks overdue, and kills that replica with SIGKILL: no shutdown, its claimed
messages stay leased and its transactions are cut off.

Then, within a bounded wait, the outbox must hold no pending message: every message is `sent`
and was acknowledged by the receiver at least once under its Idempotency-Key (the message id),
including the ones the killed replica had in flight, which the receiver saw abandoned. A
redelivery carries the same key and body; how many there were is printed. Each task made overdue
is escalated exactly once, whichever scheduler took it, and the two survivors serve requests.

Below it: the lease itself, with two senders interleaved by hand in one process (a sender that
outlived its lease never undoes the process that took the message over; a late delivery still
counts; a message whose senders all die is dead after OUTBOX_MAX_ATTEMPTS), and scripts/serve.sh
with WORKERS (refused on SQLite; on PostgreSQL three Uvicorn workers, migrated and seeded once
before they start, and a worker killed with SIGKILL is replaced).
"""

import asyncio
import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.cases.examples import example_for_now
from app.database import create_engine, create_session_factory
from app.notifications import sender
from app.notifications.models import DeliveryStatus, OutboxMessage
from tests.concurrency.helpers import Database, Service
from tests.support.opa_process import OpaProcess, free_port
from tests.support.postgres import create_database
from tests.support.service_processes import ROOT, ServiceCluster, service_environment

VICTIM = 0  # replica-1 is killed; replica-2 and replica-3 survive
SURVIVORS = (1, 2)
CASES_BEFORE = 24  # decided on all three replicas before the kill
CASES_DURING = 30  # at least this many decided on the survivors while the victim is found sending and killed
RECEIVER_DELAY_SECONDS = 0.5  # each delivery is in flight this long (the lease is 2 s, a send may take 1 s)
LEASE_SECONDS = 2
IN_FLIGHT_TIMEOUT_SECONDS = 15.0
DRAIN_TIMEOUT_SECONDS = 30.0


@dataclass
class Delivery:
    key: str
    body: bytes
    event: str
    port: int  # the sender's source port
    acknowledged: bool  # answered 204 to a live sender; False: the sender was gone before the answer


@dataclass
class SlowReceiver:
    """A real local CRM endpoint: holds each request `delay` seconds, then answers 204 if its sender is still there.

    `frozen()` holds every answer back while the test looks at what is in flight (and kills a sender):
    a request seen in flight is still unanswered when the freeze ends.
    """

    delay: float
    url: str = ""
    deliveries: list[Delivery] = field(default_factory=list)
    in_flight: dict[int, str] = field(default_factory=dict)  # sender port -> Idempotency-Key
    lock: threading.Condition = field(default_factory=threading.Condition)
    freeze: bool = False

    @contextlib.contextmanager
    def frozen(self) -> Iterator[dict[int, str]]:
        """No request is answered inside this block; yield what is in flight (sender port -> Idempotency-Key)."""
        with self.lock:
            self.freeze = True
            in_flight = dict(self.in_flight)
        try:
            yield in_flight
        finally:
            with self.lock:
                self.freeze = False
                self.lock.notify_all()

    def acknowledged(self) -> Counter:
        with self.lock:
            return Counter(d.key for d in self.deliveries if d.acknowledged)

    def abandoned(self) -> list[Delivery]:
        with self.lock:
            return [d for d in self.deliveries if not d.acknowledged]


def _peer_closed(connection: socket.socket) -> bool:
    """The sender waits for the answer and sends nothing more: readable now means it closed (or died)."""
    readable, _, _ = select.select([connection], [], [], 0)
    if not readable:
        return False
    try:
        return connection.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


@contextlib.contextmanager
def slow_receiver(delay: float) -> Iterator[SlowReceiver]:
    state = SlowReceiver(delay=delay)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            key, port = self.headers.get("Idempotency-Key", ""), self.client_address[1]
            with state.lock:
                state.in_flight[port] = key
            acknowledged = False
            try:
                time.sleep(state.delay)
                with state.lock:
                    state.lock.wait_for(lambda: not state.freeze, timeout=10)
                    state.in_flight.pop(port, None)  # answered now: no longer in flight
                if not _peer_closed(self.connection):
                    with contextlib.suppress(OSError):
                        self.send_response(204)
                        self.end_headers()
                        acknowledged = True
            finally:
                with state.lock:
                    state.in_flight.pop(port, None)
                    state.deliveries.append(
                        Delivery(key, body, self.headers.get("X-Event", ""), port, acknowledged=acknowledged)
                    )

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 128  # three senders post up to 20 each at once; the default backlog of 5 drops SYNs

    server = Server(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _socket_inodes_by_local_port(remote_port: int) -> dict[int, int]:
    """Loopback TCP sockets connected to remote_port: their local port -> socket inode (Linux /proc)."""
    found: dict[int, int] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as lines:
            for line in list(lines)[1:]:
                fields = line.split()
                local, remote, inode = fields[1], fields[2], int(fields[9])
                if int(remote.rsplit(":", 1)[1], 16) == remote_port and inode:
                    found[int(local.rsplit(":", 1)[1], 16)] = inode
    return found


def _sockets_of(pid: int) -> set[int]:
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:["):
                    inodes.add(int(link[len("socket:[") : -1]))
    return inodes


def _sent_by(pid: int, in_flight: dict[int, str], crm: SlowReceiver) -> dict[int, str]:
    """Of the deliveries in flight at the receiver, those this process sent (sender port -> Idempotency-Key)."""
    if not in_flight:
        return {}
    receiver_port = int(crm.url.rsplit(":", 1)[1])
    inode_of = _socket_inodes_by_local_port(receiver_port)
    mine = _sockets_of(pid)
    return {port: key for port, key in in_flight.items() if inode_of.get(port) in mine}


@pytest.fixture(scope="module")
def crm(shared_database_url: str) -> Iterator[SlowReceiver]:
    """One receiver per database (it depends on the database fixture, so each run starts with none received)."""
    with slow_receiver(RECEIVER_DELAY_SECONDS) as receiver:
        yield receiver


@pytest.fixture(scope="module")
def replica_env(crm: SlowReceiver) -> dict[str, str]:
    return {
        "BACKGROUND_JOBS": "true",
        "CRM_NOTIFY_URL": f"{crm.url}/crm",
        "OUTBOX_INTERVAL_SECONDS": "0.1",
        "OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
        "SCHEDULER_INTERVAL_SECONDS": "0.2",
    }


def _decide(cluster: ServiceCluster, token: str, replica: int) -> str:
    """Decide a fresh case on one replica (its own connection: called from many threads); return the case id."""
    with httpx.Client(base_url=cluster.urls[replica], timeout=30, headers={"Authorization": f"Bearer {token}"}) as c:
        response = c.post("/v1/save-cases", json=example_for_now("price-discount"))
    assert response.status_code == 201, f"replica-{replica + 1}: {response.status_code} {response.text}"
    return str(response.json()["case_id"])


def _outbox_statuses(db: Database) -> Counter:
    return Counter(dict(db.rows("SELECT status, count(*) FROM outbox GROUP BY status")))


def _payload(value: object) -> object:
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def test_a_replica_killed_mid_send_loses_no_notification_and_escalates_nothing_twice(
    service: Service, db: Database, cluster: ServiceCluster, crm: SlowReceiver
) -> None:
    started = time.monotonic()
    token = service.tokens["crm"]
    victim_pid = cluster.replicas[VICTIM].pid
    assert victim_pid is not None
    can_see_senders = os.path.isdir(f"/proc/{victim_pid}/fd") and os.path.exists("/proc/net/tcp")

    # 1. Cases on all three replicas: each queues its case.* notification; every sender is busy.
    with ThreadPoolExecutor(6) as pool:
        before = list(pool.map(lambda i: _decide(cluster, token, i % 3), range(CASES_BEFORE)))
    overdue_tasks = [
        row.id
        for case_id in before
        for row in db.tasks(case_id)
        if row.status == "open" and row.escalates_task_id is None
    ]
    assert overdue_tasks, "the decided cases have open tasks"

    # 2. More cases on the survivors only (until the kill, and at least CASES_DURING), so that messages keep
    #    being queued while the test waits for the victim to have deliveries in flight, and kills it.
    killed = threading.Event()
    counter = iter(range(1_000_000))

    def keep_deciding() -> list[str]:
        decided = []
        while (i := next(counter)) < CASES_DURING or not killed.is_set():
            decided.append(_decide(cluster, token, SURVIVORS[i % 2]))
        return decided

    with ThreadPoolExecutor(3) as pool:
        during = [pool.submit(keep_deciding) for _ in range(3)]
        db.make_open_tasks_overdue(task_ids=overdue_tasks)  # the three schedulers race on these
        victim_in_flight: dict[int, str] = {}
        status: int | None = None
        deadline = time.monotonic() + IN_FLIGHT_TIMEOUT_SECONDS
        while status is None and time.monotonic() < deadline:
            # Answers wait while the test looks: what it sees in flight is still unanswered when the victim dies.
            with crm.frozen() as in_flight:
                victim_in_flight = _sent_by(victim_pid, in_flight, crm) if can_see_senders else in_flight
                if victim_in_flight:
                    status = cluster.kill(VICTIM)
            time.sleep(0.01)
        killed_at = time.monotonic()
        killed.set()  # the deciding threads stop (or, if the victim was never caught sending, finish before failing)
        if status is None:
            pytest.fail(f"replica-{VICTIM + 1} never had a delivery in flight: {_outbox_statuses(db)}")
        cases_during = [case_id for future in during for case_id in future.result()]
    assert status == -9, f"replica-{VICTIM + 1} should have died of SIGKILL, exit status {status}"

    # 3. The survivors still serve: readiness, and a decision on each.
    assert cluster.alive() == list(SURVIVORS), cluster.crashed()
    for index in SURVIVORS:
        ready = httpx.get(f"{cluster.urls[index]}/readyz", timeout=5)
        assert ready.status_code == 200, f"replica-{index + 1} /readyz: {ready.status_code} {ready.text}"
    last = [_decide(cluster, token, index) for index in SURVIVORS]

    # 4. The outbox drains: the victim's leased messages are taken over once their lease has passed.
    deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
    while (statuses := _outbox_statuses(db))["pending"] and time.monotonic() < deadline:
        time.sleep(0.2)
    drained_in = time.monotonic() - killed_at

    rows = db.rows("SELECT id, status, attempts, last_error, payload FROM outbox")
    assert statuses == Counter({"sent": len(rows)}), (
        f"every notification must be sent within {DRAIN_TIMEOUT_SECONDS:.0f}s of the kill: {dict(statuses)}; "
        f"not sent: {[(r.id, r.status, r.attempts, r.last_error) for r in rows if r.status != 'sent'][:10]}"
    )
    cases = {*before, *cases_during, *last}
    notified = {payload.get("case_id") for r in rows if isinstance(payload := _payload(r.payload), dict)}
    assert cases <= notified, f"cases without a notification in the outbox: {sorted(cases - notified)[:10]}"

    acknowledged = crm.acknowledged()
    ids = {r.id for r in rows}
    missing = ids - set(acknowledged)
    assert not missing, f"{len(missing)} of {len(ids)} sent notifications never reached the receiver: {sorted(missing)}"
    unknown = set(acknowledged) - ids
    assert not unknown, f"the receiver got keys that are not outbox ids: {sorted(unknown)}"
    with crm.lock:
        bodies: dict[str, set[bytes]] = {}
        for delivery in crm.deliveries:
            bodies.setdefault(delivery.key, set()).add(delivery.body)
    changed = {key: len(b) for key, b in bodies.items() if len(b) > 1}
    assert not changed, f"a redelivery must carry the same body as the first delivery: {changed}"

    abandoned = crm.abandoned()
    if can_see_senders:
        # The kill cut these sends off; someone else delivered each of them afterwards.
        cut_off = set(victim_in_flight.values())
        assert cut_off <= {d.key for d in abandoned}, (
            f"the receiver should have seen the victim's in-flight deliveries abandoned: {cut_off}"
        )
        # The same message went out again, from a survivor, under the same Idempotency-Key and with the same body.
        received = Counter(d.key for d in crm.deliveries)
        assert all(received[key] >= 2 and acknowledged[key] >= 1 for key in cut_off), {
            key: (received[key], acknowledged[key]) for key in cut_off
        }

    # 5. The schedulers (one of them killed mid-run, perhaps mid-transaction) escalated each overdue task once.
    escalated = Counter(
        row.task_id
        for row in db.rows("SELECT task_id FROM case_events WHERE event = 'escalated'")
        if row.task_id is not None
    )
    twice = {task: n for task, n in escalated.items() if n > 1}
    assert not twice, f"tasks escalated more than once: {twice}"
    not_escalated = [task for task in overdue_tasks if escalated[task] != 1]
    assert not not_escalated, f"overdue tasks not escalated: {not_escalated}"
    assert cluster.alive() == list(SURVIVORS), cluster.crashed()

    duplicates = sum(n - 1 for n in acknowledged.values())
    redelivered = sum(1 for n in Counter(d.key for d in crm.deliveries).values() if n > 1)
    print(
        f"\n{db.engine.dialect.name}: {len(ids)} notifications sent, all acknowledged; "
        f"{duplicates} duplicate acknowledged deliveries over {sum(1 for n in acknowledged.values() if n > 1)} keys; "
        f"{redelivered} keys received more than once; "
        f"{len(abandoned)} deliveries cut off by the SIGKILL (victim had {len(victim_in_flight)} in flight); "
        f"max attempts {max(r.attempts for r in rows)}; outbox drained {drained_in:.1f}s after the kill; "
        f"{len(overdue_tasks)} overdue tasks escalated once each; test took {time.monotonic() - started:.1f}s"
    )


# --- The lease itself, in one process: senders interleaved by hand on a real database of each kind. ---------------

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


class _Crm:
    """An httpx transport whose answers the test releases one by one: each post waits for its answer."""

    def __init__(self) -> None:
        self.posted: asyncio.Queue[tuple[str, asyncio.Future[int]]] = asyncio.Queue()

    async def handle(self, request: httpx.Request) -> httpx.Response:
        answer: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        await self.posted.put((request.headers["Idempotency-Key"], answer))
        return httpx.Response(await answer)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handle))

    async def next_post(self) -> tuple[str, asyncio.Future[int]]:
        return await asyncio.wait_for(self.posted.get(), timeout=10)


@pytest.fixture
async def outbox(database_url: str) -> AsyncIterator[tuple[async_sessionmaker[AsyncSession], str]]:
    """A migrated database of each kind with one pending message, due at T0."""
    engine = create_engine(database_url)
    factory = create_session_factory(engine)
    async with factory() as session, session.begin():
        session.add(
            OutboxMessage(
                id="m-1",
                target="crm",
                url="http://crm.invalid/notify",
                event="case.in_review",
                payload={"event": "case.in_review", "case_id": "c-1"},
                status=DeliveryStatus.PENDING,
                attempts=0,
                next_attempt_at=T0,
                created_at=T0,
            )
        )
    yield factory, "m-1"
    await engine.dispose()


def _send(
    factory: async_sessionmaker[AsyncSession], crm: _Crm, *, at: timedelta, max_attempts: int = 8
) -> "asyncio.Task[int]":
    return asyncio.create_task(
        sender.send_due(
            factory=factory, http=crm.client(), secret="s", now=T0 + at, max_attempts=max_attempts, lease=LEASE
        )
    )


async def _row(factory: async_sessionmaker[AsyncSession], message_id: str) -> OutboxMessage:
    async with factory() as session:
        row = await session.get(OutboxMessage, message_id)
        assert row is not None
        return row


async def test_a_send_that_outlives_its_lease_never_undoes_the_process_that_took_the_message_over(
    outbox: tuple[async_sessionmaker[AsyncSession], str],
) -> None:
    factory, message_id = outbox
    crm = _Crm()
    # A claims at T0 and hangs; nobody else may claim before the lease has passed.
    first = _send(factory, crm, at=timedelta(0))
    key_a, answer_a = await crm.next_post()
    assert (
        await sender.send_due(
            factory=factory, http=crm.client(), secret="s", now=T0 + LEASE / 2, max_attempts=8, lease=LEASE
        )
        == 0
    ), "a leased message is not claimed again within its lease"
    # B claims once the lease has passed: the same message, under the same Idempotency-Key.
    second = _send(factory, crm, at=LEASE + timedelta(seconds=1))
    key_b, answer_b = await crm.next_post()
    assert key_a == key_b == message_id
    # A's late failure is not recorded: B holds the message now, and its lease stands.
    answer_a.set_result(503)
    assert await first == 0
    row = await _row(factory, message_id)
    assert (row.status, row.attempts, row.last_error) == ("pending", 2, None)
    assert row.next_attempt_at == T0 + LEASE + timedelta(seconds=1) + LEASE
    # B's delivery is.
    answer_b.set_result(204)
    assert await second == 1
    row = await _row(factory, message_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)


async def test_a_late_delivery_still_counts_after_the_message_was_taken_over(
    outbox: tuple[async_sessionmaker[AsyncSession], str],
) -> None:
    factory, message_id = outbox
    crm = _Crm()
    first = _send(factory, crm, at=timedelta(0))
    _, answer_a = await crm.next_post()
    second = _send(factory, crm, at=LEASE + timedelta(seconds=1))
    _, answer_b = await crm.next_post()
    answer_a.set_result(204)  # A's answer came late, but the receiver has the message: it is sent
    assert await first == 1
    assert (await _row(factory, message_id)).status == "sent"
    answer_b.set_result(503)  # B's failure afterwards changes nothing
    assert await second == 0
    row = await _row(factory, message_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)


async def test_a_message_whose_senders_all_die_is_dead_after_max_attempts(
    outbox: tuple[async_sessionmaker[AsyncSession], str],
) -> None:
    factory, message_id = outbox
    crm = _Crm()
    for attempt in range(2):  # each sender dies mid-send (cancelled: no outcome is ever recorded)
        dying = _send(factory, crm, at=attempt * (LEASE + timedelta(seconds=1)), max_attempts=2)
        await crm.next_post()
        dying.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await dying
    assert (
        await sender.send_due(
            factory=factory, http=crm.client(), secret="s", now=T0 + 3 * LEASE, max_attempts=2, lease=LEASE
        )
        == 0
    )
    assert crm.posted.empty(), "a message out of attempts is not sent again"
    row = await _row(factory, message_id)
    assert (row.status, row.attempts) == ("dead", 2)
    assert row.last_error == "no outcome recorded after 2 attempts"


# --- scripts/serve.sh with WORKERS: several Uvicorn workers on PostgreSQL, refused on SQLite. ----------------------

SERVE = ROOT / "scripts" / "serve.sh"


def _workers_of(parent: int) -> list[int]:
    """The Uvicorn worker processes under the supervisor `parent` (multiprocessing's spawned children)."""
    workers = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{entry}/stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == parent and b"spawn_main" in Path(f"/proc/{entry}/cmdline").read_bytes():
                workers.append(int(entry))
    return sorted(workers)


def test_serve_refuses_several_workers_on_sqlite(tmp_path: Path) -> None:
    env = service_environment(f"sqlite:///{tmp_path / 'decisions.db'}", {"WORKERS": "2", "PORT": str(free_port())})
    done = subprocess.run([str(SERVE)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0, f"serve.sh started WORKERS=2 on SQLite:\n{done.stdout}\n{done.stderr}"
    assert "WORKERS=2 needs PostgreSQL" in done.stderr, done.stderr
    assert not (tmp_path / "decisions.db").exists(), "nothing was started or migrated"


@pytest.mark.postgres
def test_serve_runs_several_workers_on_postgresql_and_replaces_a_killed_one(
    postgres_url: str, opa_server: OpaProcess, tmp_path: Path
) -> None:
    # A fresh, unmigrated database: serve.sh migrates it once before the three workers start.
    url = create_database(postgres_url, f"serve_{uuid.uuid4().hex[:12]}")
    port = free_port()
    env = service_environment(
        url, {"WORKERS": "3", "PORT": str(port), "OPA_URL": opa_server.url, "BACKGROUND_JOBS": "true"}
    )
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        serve = subprocess.Popen([str(SERVE)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def wait_for(predicate: Callable[[], bool], what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if serve.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{what}: serve.sh exited with {serve.poll()}\n{log_path.read_text(errors='replace')}")
            time.sleep(0.2)

    def ready() -> bool:
        with contextlib.suppress(httpx.HTTPError):
            return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
        return False

    def started() -> int:
        return log_path.read_text(errors="replace").count('"service ready"')

    try:
        wait_for(lambda: started() == 3 and len(_workers_of(serve.pid)) == 3 and ready(), "three ready workers")
        log = log_path.read_text(errors="replace")
        assert "warning: OPA_URL is not set" not in log
        # serve.sh migrated and seeded before the workers started: none of them migrated, none added anybody.
        assert log.count('"people_added": 0') == 3 and "Running upgrade" not in log, log
        workers = _workers_of(serve.pid)
        os.kill(workers[0], signal.SIGKILL)
        wait_for(
            lambda: len(found := _workers_of(serve.pid)) == 3 and workers[0] not in found and started() == 4,
            "a new worker, started and ready, in place of the killed one",
        )
        assert ready()
    finally:
        serve.terminate()
        try:
            serve.wait(timeout=30)
        except subprocess.TimeoutExpired:
            serve.kill()
            serve.wait(timeout=10)
    assert not _workers_of(serve.pid), "the workers stop with serve.sh"
