"""The audit tables refuse every change, through every door: UPDATE, DELETE, SQLite's REPLACE, PostgreSQL's TRUNCATE."""

import hashlib
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.audit.chain import append_rows
from app.audit.repository import table_of
from tests.audit.conftest import connect, decide, verify

AUDIT_TABLES = ("decisions", "case_events", "outcome_events")


def _refused(database_url: str, statement: str) -> str:
    with pytest.raises(DBAPIError) as failure, connect(database_url) as connection:
        connection.exec_driver_sql(statement)
    return str(failure.value)


def _snapshot(database_url: str) -> list:
    with connect(database_url) as connection:
        return [connection.execute(text(f"SELECT * FROM {table} ORDER BY chain_seq")).all() for table in AUDIT_TABLES]


def _report_outcomes(database_url: str) -> None:
    """Outcome events for the decided cases, appended to their chain as a writer does (the service reports
    outcomes only for authorized offers; the triggers do not care how a row came)."""
    now = datetime.now(UTC)
    with connect(database_url) as connection:
        case_ids = connection.execute(text("SELECT id FROM save_cases ORDER BY id")).scalars().all()
        rows = [
            {
                "id": f"outcome-{n}",
                "source": "billing",
                "event_id": f"evt-outcome-{n}",
                "case_id": case_id,
                "kind": "renewed",
                "occurred_at": now,
                "received_at": now,
                "amount": 1200.0,
                "payload_sha256": hashlib.sha256(case_id.encode()).hexdigest(),
            }
            for n, case_id in enumerate(case_ids)
        ]
        append_rows(connection, chain="outcome_events", rows=rows)
        connection.execute(table_of("outcome_events").insert(), rows)


@pytest.mark.parametrize("table", AUDIT_TABLES)
def test_update_and_delete_are_refused_on_every_audit_table(http: httpx.Client, database_url: str, table: str) -> None:
    decide(http, 2)
    _report_outcomes(database_url)
    before = _snapshot(database_url)
    assert all(before), "every audit table has rows to attack"

    assert "append-only" in _refused(database_url, f"UPDATE {table} SET prev_hash = row_hash")
    assert "append-only" in _refused(database_url, f"DELETE FROM {table}")
    assert _snapshot(database_url) == before


_COLUMNS = (
    "id, source, event_id, account_id, payload_raw, payload_sha256, policy_input, decision, policy_revision, "
    "opa_decision_id, decision_time, recorded_at, latency_ms, case_id, chain_seq, prev_hash, row_hash, personal_sha256"
)


_OUTCOME_COLUMNS = (
    "id, source, event_id, case_id, occurred_at, received_at, amount, note, payload_sha256, chain_seq, prev_hash, "
    "row_hash"
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
            # The history: the same place in the chain with another event (case_events.id is not hashed).
            "INSERT OR REPLACE INTO case_events (id, case_id, task_id, event, actor_id, on_behalf_of, token_id, at, "
            '"before", "after", note, chain_seq, prev_hash, row_hash) SELECT id, case_id, task_id, \'authorized\', '
            'actor_id, on_behalf_of, token_id, at, "before", "after", note, chain_seq, prev_hash, row_hash '
            "FROM case_events WHERE chain_seq = 1",
            f"INSERT OR REPLACE INTO outcome_events ({_OUTCOME_COLUMNS}, kind) SELECT {_OUTCOME_COLUMNS}, "
            "'subscription_cancelled' FROM outcome_events",
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
    _report_outcomes(database_url)
    outcome = http.get(f"/v1/decisions/{decision_id}").json()["outcome"]
    before = _snapshot(database_url)

    for statement in _rewrites(database_url, decision_id):
        assert "append-only" in _refused(database_url, statement), statement

    assert _snapshot(database_url) == before
    assert http.get(f"/v1/decisions/{decision_id}").json()["outcome"] == outcome
    report = verify(database_url)
    assert all(report[table].first_break is None for table in AUDIT_TABLES), report
