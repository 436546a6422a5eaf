"""PostgreSQL: the owner role migrates; the service's role may only add and read audit rows."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import text

from app.clock import FixedClock
from app.config import Settings
from app.main import create_app
from tests.audit.conftest import connect, decide, verify
from tests.conftest import DECISION_TIME, SOURCES, BySourceToken, issue_tokens
from tests.support.live_server import serve
from tests.support.opa_process import OpaProcess

pytestmark = pytest.mark.postgres


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture
def roles(postgres_url: str) -> dict[str, str]:
    """A database owned by a fresh owner role, and a fresh service role with no rights yet: their URLs."""
    suffix = uuid.uuid4().hex[:8]
    owner, service, name = f"owner_{suffix}", f"service_{suffix}", f"roles_{suffix}"
    with psycopg.connect(_libpq(postgres_url), autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {owner} LOGIN")
        admin.execute(f"CREATE ROLE {service} LOGIN")
        admin.execute(f"CREATE DATABASE {name} OWNER {owner}")
    server = postgres_url.rsplit("/", 1)[0].replace("postgres@", "{role}@")
    return {"owner": f"{server.format(role=owner)}/{name}", "service": f"{server.format(role=service)}/{name}"}


@pytest.fixture
def service_http(roles: dict[str, str], opa_server: OpaProcess, tmp_path: Path) -> Iterator[httpx.Client]:
    """The service connected as the service role; it migrates as the owner when it starts."""
    settings = Settings(
        database_url=roles["service"],
        database_owner_url=roles["owner"],
        opa_url=opa_server.url,
        migrate_on_start=True,
        bundle_dir=tmp_path / "bundle",
        background_jobs=False,
    )
    with serve(create_app(settings=settings, clock=FixedClock(DECISION_TIME))) as url:
        tokens = issue_tokens(roles["service"], services=SOURCES)
        auth = BySourceToken(tokens, default=tokens["salesforce"])
        with httpx.Client(base_url=url, timeout=10, auth=auth) as client:
            yield client


def _as_service(roles: dict[str, str], statement: str) -> str:
    with pytest.raises(psycopg.Error) as failure, psycopg.connect(_libpq(roles["service"])) as conn:
        conn.execute(statement)
    return str(failure.value)


@pytest.mark.parametrize("table", ["decisions", "case_events", "outcome_events"])
def test_the_service_role_can_only_insert_and_select_audit_rows(
    service_http: httpx.Client, roles: dict[str, str], table: str
) -> None:
    decide(service_http, 2)  # the service role decides: INSERT, SELECT and moving the chain head are allowed

    assert "permission denied" in _as_service(roles, f"UPDATE {table} SET prev_hash = row_hash")
    assert "permission denied" in _as_service(roles, f"DELETE FROM {table}")
    assert "permission denied" in _as_service(roles, f"TRUNCATE {table} CASCADE")
    assert "must be owner" in _as_service(roles, f"ALTER TABLE {table} DISABLE TRIGGER USER")
    assert "must be owner" in _as_service(roles, f"DROP TRIGGER {table}_append_only ON {table}")
    assert verify(roles["service"])[table].first_break is None


def test_the_owner_cannot_truncate_and_its_trigger_free_update_is_named(
    service_http: httpx.Client, roles: dict[str, str]
) -> None:
    ids = decide(service_http, 3)
    with pytest.raises(psycopg.Error, match="append-only"), psycopg.connect(_libpq(roles["owner"])) as conn:
        conn.execute("TRUNCATE decisions CASCADE")

    with connect(roles["owner"]) as connection:
        connection.exec_driver_sql("ALTER TABLE decisions DISABLE TRIGGER USER")
        connection.execute(text("UPDATE decisions SET outcome = 'decline' WHERE id = :id"), {"id": ids[0]})
        connection.exec_driver_sql("ALTER TABLE decisions ENABLE TRIGGER USER")

    found = verify(roles["service"])["decisions"].first_break
    assert found is not None and (found.kind, found.row_id, found.seq) == ("changed", ids[0], 1)
