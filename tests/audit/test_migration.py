"""Migration 0008 gives the rows already in the log their place and hash, in the order they were recorded."""

from datetime import timedelta

import httpx
from alembic import command
from sqlalchemy import func, select, text

from app.decisions.models import Decision
from app.migrations_runner import alembic_config, upgrade_to_head
from tests.audit.conftest import connect, decide, verify


def test_existing_rows_are_hashed_in_order_and_appends_continue_the_chain(
    http: httpx.Client, database_url: str
) -> None:
    ids = decide(http, 3)
    command.downgrade(alembic_config(database_url), "0007_shadow_decisions")
    with connect(database_url) as connection:
        # A decision recorded before the others (the log as it was before chains), inserted last.
        recorded_at = Decision.__table__.c.recorded_at
        earliest = connection.execute(select(func.min(recorded_at))).scalar_one()
        connection.execute(
            text(
                "INSERT INTO decisions (id, source, event_id, account_id, outcome, payload_raw, payload_sha256,"
                " policy_input, decision, policy_revision, opa_decision_id, decision_time, recorded_at, latency_ms,"
                " case_id) SELECT 'older', source, 'evt-older', account_id, outcome, payload_raw, payload_sha256,"
                " policy_input, decision, policy_revision, NULL, decision_time, :at, latency_ms, case_id"
                " FROM decisions WHERE id = :id"
            ),
            {"at": earliest - timedelta(days=1), "id": ids[0]},
        )
        events_before = connection.execute(text("SELECT id FROM case_events ORDER BY id")).scalars().all()

    upgrade_to_head(database_url)

    results = verify(database_url)
    assert {chain: r.first_break for chain, r in results.items()} == dict.fromkeys(results)
    with connect(database_url) as connection:
        order = connection.execute(text("SELECT id FROM decisions ORDER BY chain_seq")).scalars().all()
        events = connection.execute(text("SELECT id FROM case_events ORDER BY chain_seq")).scalars().all()
        head = connection.execute(text("SELECT seq FROM audit_chain_heads WHERE chain = 'decisions'")).scalar_one()
    assert order == ["older", *ids] and head == 4
    assert events == events_before

    [later] = decide(http, 1, prefix="evt-after-migration")
    results = verify(database_url)
    assert results["decisions"].first_break is None and results["decisions"].rows == 5
    with connect(database_url) as connection:
        assert connection.execute(text("SELECT chain_seq FROM decisions WHERE id = :id"), {"id": later}).scalar() == 5
