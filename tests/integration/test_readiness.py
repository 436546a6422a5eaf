"""Readiness that tells the truth: ready only when the database takes a write and OPA serves the decision rule,
and an answer within the readiness deadline (0.8 s per check) whatever is wrong."""

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app.clock import FixedClock
from app.config import Settings
from app.database import sync_url
from app.main import create_app
from app.policy.bundle import build_bundle
from tests.conftest import DECISION_TIME, load_example
from tests.integration.conftest import count_rows
from tests.support.live_server import serve
from tests.support.opa_process import OpaProcess

# The deadline the tests hold readiness to: generous against the 0.8 s the service gives each check, so
# that a slow machine does not fail it, and far below OPA's 3 s query budget or SQLite's 5 s busy timeout.
UPPER_BOUND_SECONDS = 2.0


@contextmanager
def service(settings: Settings, **overrides: object) -> Iterator[httpx.Client]:
    """The service on its own Uvicorn, with these settings changed."""
    with (
        serve(create_app(settings=settings.model_copy(update=overrides), clock=FixedClock(DECISION_TIME))) as url,
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        yield client


def timed_readyz(client: httpx.Client) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = client.get("/readyz")
    return response, time.monotonic() - started


def wait_until_ready(client: httpx.Client, *, timeout: float = 15.0) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while (response := client.get("/readyz")).status_code != 200:
        assert time.monotonic() < deadline, response.text
        time.sleep(0.05)
    return response


def test_a_healthy_service_is_ready(live_url: str) -> None:
    response = httpx.get(f"{live_url}/readyz")

    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ok", "opa": "ok", "database": "ok"}


# --- A database that can be read but not written ------------------------------------------------------------


def _read_only_sqlite(database_url: str) -> tuple[str, None]:
    # SQLite's read-only open mode: chmod 0444 would not do, the tests may run as root, who writes anyway.
    path = make_url(database_url).database
    return f"sqlite:///file:{path}?mode=ro&uri=true", None


def _read_only_postgres(database_url: str) -> tuple[str, str]:
    name = make_url(database_url).database
    _postgres_admin(database_url, f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    return database_url, f'ALTER DATABASE "{name}" RESET default_transaction_read_only'


def _postgres_admin(database_url: str, statement: str) -> None:
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET default_transaction_read_only = off")
        conn.execute(statement)


@contextmanager
def read_only(database_url: str) -> Iterator[str]:
    """The database made read-only for new connections; yields the URL to open it with."""
    if database_url.startswith("sqlite"):
        url, undo = _read_only_sqlite(database_url)
    else:
        url, undo = _read_only_postgres(database_url)
    try:
        yield url
    finally:
        if undo:
            _postgres_admin(database_url, undo)


def _insert_probe(url: str) -> None:
    engine = create_sync_engine(sync_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO readiness_probes (at) VALUES (:at)"), {"at": DECISION_TIME})
    finally:
        engine.dispose()


def test_a_database_that_reads_but_cannot_be_written_is_not_ready(
    settings: Settings, database_url: str, service_token: str
) -> None:
    with service(settings) as client:
        # A decision first, so the database has something to read (and SQLite is in WAL mode, as in service).
        decided = client.post(
            "/v1/save-cases",
            json=load_example("service-recovery"),
            headers={"Authorization": f"Bearer {service_token}"},
        )
        assert decided.status_code == 201, decided.text
        assert wait_until_ready(client).json()["database"] == "ok"

    with read_only(database_url) as url:
        # The fault is the one meant: reads work, writes fail.
        assert count_rows(url, "decisions") == 1
        with pytest.raises(DBAPIError, match=r"read-only|readonly"):
            _insert_probe(url)

        with service(settings, database_url=url) as client:
            response, elapsed = timed_readyz(client)

    assert response.status_code == 503, response.text
    assert response.json() == {"status": "unavailable", "opa": "ok", "database": "unavailable"}
    assert elapsed < UPPER_BOUND_SECONDS, elapsed
    assert count_rows(database_url, "readiness_probes") == 0  # the probe is rolled back, never kept


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_database_locked_by_another_writer_is_reported_within_the_deadline(
    settings: Settings, database_url: str
) -> None:
    """SQLite waits up to 5 s for a lock (busy timeout); readiness does not wait with it."""
    with service(settings) as client:
        assert wait_until_ready(client).json()["database"] == "ok"
        engine = create_sync_engine(sync_url(database_url))
        try:
            with engine.connect() as holder:
                holder.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock, held until the block ends
                response, elapsed = timed_readyz(client)
                holder.exec_driver_sql("ROLLBACK")
        finally:
            engine.dispose()
        assert response.status_code == 503, response.text
        assert response.json() == {"status": "unavailable", "opa": "ok", "database": "timeout"}
        assert elapsed < UPPER_BOUND_SECONDS, elapsed
        wait_until_ready(client)


# --- OPA that does not answer, or answers without the decision rule -------------------------------------------


def test_a_paused_opa_is_reported_within_the_deadline(
    settings: Settings, dedicated_opa: OpaProcess, database_url: str
) -> None:
    assert dedicated_opa.process is not None
    with service(settings, opa_url=dedicated_opa.url) as client:
        assert wait_until_ready(client).json()["opa"] == "ok"
        os.kill(dedicated_opa.process.pid, signal.SIGSTOP)  # accepts connections (the kernel does), answers nothing
        try:
            response, elapsed = timed_readyz(client)
        finally:
            os.kill(dedicated_opa.process.pid, signal.SIGCONT)

        assert response.status_code == 503, response.text
        body = response.json()
        assert body["status"] == "unavailable" and body["database"] == "ok"
        assert body["opa"] in ("timeout", "unavailable"), body
        assert elapsed < UPPER_BOUND_SECONDS, elapsed
        # Resumed, OPA is ready again without a restart of the service.
        assert wait_until_ready(client).json() == {"status": "ok", "opa": "ok", "database": "ok"}


def test_an_opa_serving_a_bundle_without_the_decision_rule_is_not_ready(
    settings: Settings, opa_binary: Path, tmp_path: Path
) -> None:
    policy_dir = tmp_path / "policy"
    policy_dir.mkdir()
    # The package and its data are there, the decision rule is not: OPA is healthy, the policy is not served.
    (policy_dir / "retention.rego").write_text(
        'package retention\n\nconfig := {"approval": {"escalation_targets": {}}}\n'
    )
    bundle, _ = build_bundle(opa_binary=opa_binary, policy_dir=policy_dir, out_dir=tmp_path / "built")
    opa = OpaProcess(binary=opa_binary, bundle=bundle)
    opa.start()
    try:
        with service(settings, opa_url=opa.url) as client:
            response, elapsed = timed_readyz(client)
    finally:
        opa.kill()

    assert response.status_code == 503, response.text
    assert response.json() == {"status": "unavailable", "opa": "unavailable", "database": "ok"}
    assert elapsed < UPPER_BOUND_SECONDS, elapsed
