"""The audit tables refuse every change, through every door: UPDATE, DELETE, SQLite's REPLACE, PostgreSQL's TRUNCATE."""

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.audit.conftest import connect, decide, verify

AUDIT_TABLES = ("decisions", "case_events")


def _refused(database_url: str, statement: str) -> str:
    with pytest.raises(DBAPIError) as failure, connect(database_url) as connection:
        connection.exec_driver_sql(statement)
    return str(failure.value)


def _snapshot(database_url: str) -> list:
    with connect(database_url) as connection:
        return [connection.execute(text(f"SELECT * FROM {table} ORDER BY chain_seq")).all() for table in AUDIT_TABLES]


@pytest.mark.parametrize("table", AUDIT_TABLES)
def test_update_and_delete_are_refused_on_every_audit_table(http: httpx.Client, database_url: str, table: str) -> None:
    decide(http, 2)
    before = _snapshot(database_url)

    assert "append-only" in _refused(database_url, f"UPDATE {table} SET prev_hash = row_hash")
    assert "append-only" in _refused(database_url, f"DELETE FROM {table}")
    assert _snapshot(database_url) == before


_COLUMNS = (
    "id, source, event_id, account_id, payload_raw, payload_sha256, policy_input, decision, policy_revision, "
    "opa_decision_id, decision_time, recorded_at, latency_ms, case_id, chain_seq, prev_hash, row_hash, personal_sha256"
)


def _rewrites(database_url: str, decision_id: str) -> list[str]:
    """Each database's ways of rewriting or wiping rows without an UPDATE or DELETE statement."""
    if database_url.startswith("sqlite"):
        # REPLACE deletes the row it collides with, and SQLite fires no DELETE trigger for it.
        return [
            f"INSERT OR REPLACE INTO decisions (outcome, {_COLUMNS}) SELECT 'decline', {_COLUMNS} FROM decisions "
            f"WHERE id = '{decision_id}'",
            f"REPLACE INTO decisions (outcome, {_COLUMNS}) SELECT 'decline', {_COLUMNS} FROM decisions "
            f"WHERE id = '{decision_id}'",
        ]
    return [
        "INSERT INTO decisions SELECT * FROM decisions "
        f"ON CONFLICT (id) DO UPDATE SET outcome = 'decline' WHERE decisions.id = '{decision_id}'",
        "TRUNCATE decisions CASCADE",
        "TRUNCATE case_events",
        "TRUNCATE outcome_events",
    ]


def test_replace_upsert_and_truncate_are_refused(http: httpx.Client, database_url: str) -> None:
    [decision_id] = decide(http, 1)
    outcome = http.get(f"/v1/decisions/{decision_id}").json()["outcome"]
    before = _snapshot(database_url)

    for statement in _rewrites(database_url, decision_id):
        assert "append-only" in _refused(database_url, statement), statement

    assert _snapshot(database_url) == before
    assert http.get(f"/v1/decisions/{decision_id}").json()["outcome"] == outcome
    assert verify(database_url)["decisions"].first_break is None
