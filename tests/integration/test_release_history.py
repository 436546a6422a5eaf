"""The release history: each revision decided with, first and last use, written cheaply and never narrowed."""

from datetime import datetime, timedelta

import httpx
import sqlalchemy as sa
from alembic import command

from app.clock import FixedClock
from app.database import UtcDateTime, sync_url
from app.migrations_runner import alembic_config, upgrade_to_head
from tests.conftest import DECISION_TIME, load_example
from tests.integration.conftest import count_rows


def _execute_at(database_url: str, statement: str, at: datetime) -> None:
    """One statement with a timestamp :at, bound as the service writes timestamps (UTC, on either database)."""
    engine = sa.create_engine(sync_url(database_url))
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(statement).bindparams(sa.bindparam("at", value=at, type_=UtcDateTime())))
    finally:
        engine.dispose()


def _decide(http: httpx.Client, event_id: str) -> dict:
    response = http.post("/v1/save-cases", json={**load_example("service-recovery"), "event_id": event_id})
    assert response.status_code == 201, response.text
    return response.json()


def _history(http: httpx.Client) -> list[tuple[str, str | None, datetime, datetime]]:
    response = http.get("/v1/policy/releases")
    assert response.status_code == 200, response.text
    return [
        (
            r["revision"],
            r["release"],
            datetime.fromisoformat(r["first_decided_at"]),
            datetime.fromisoformat(r["last_decided_at"]),
        )
        for r in response.json()
    ]


def test_each_revision_is_recorded_with_its_first_and_last_decision_within_a_minute(
    http: httpx.Client, clock: FixedClock, database_url: str, policy_bundle: tuple[object, str]
) -> None:
    revision = policy_bundle[1]  # the test OPA's bundle: a bare content hash, which names no release
    assert _history(http) == []
    policy = http.get("/v1/policy").json()
    assert (policy["revision"], policy["release"]) == (revision, None)

    _decide(http, "evt-history-1")
    assert _history(http) == [(revision, None, DECISION_TIME, DECISION_TIME)]

    # Within a minute of the last write nothing is written: one row update a minute, not one per decision.
    clock.set(DECISION_TIME + timedelta(seconds=40))
    _decide(http, "evt-history-2")
    assert _history(http) == [(revision, None, DECISION_TIME, DECISION_TIME)]
    clock.set(DECISION_TIME + timedelta(seconds=61))
    _decide(http, "evt-history-3")
    assert _history(http) == [(revision, None, DECISION_TIME, DECISION_TIME + timedelta(seconds=61))]

    # Another replica wrote a later use: a write from this one never moves the period back.
    later = DECISION_TIME + timedelta(hours=5)
    _execute_at(database_url, "UPDATE policy_revisions SET last_decided_at = :at", later)
    clock.set(DECISION_TIME + timedelta(minutes=3))
    _decide(http, "evt-history-4")
    assert _history(http) == [(revision, None, DECISION_TIME, later)]
    assert count_rows(database_url, "policy_revisions") == 1


def test_the_migration_lists_the_revisions_decided_before_it(
    http: httpx.Client, clock: FixedClock, database_url: str, policy_bundle: tuple[object, str]
) -> None:
    _decide(http, "evt-before-1")
    clock.set(DECISION_TIME + timedelta(seconds=30))
    _decide(http, "evt-before-2")
    command.downgrade(alembic_config(database_url), "0005_outcomes_and_programme")
    # A decision of an older release, straight in the log as it was then (append-only; the copy is a new row).
    _execute_at(
        database_url,
        "INSERT INTO decisions (id, source, event_id, account_id, outcome, payload_raw, payload_sha256,"
        " policy_input, decision, policy_revision, opa_decision_id, decision_time, recorded_at, latency_ms, case_id)"
        " SELECT 'older', source, 'evt-older', account_id, outcome, payload_raw, payload_sha256, policy_input,"
        " decision, '2026-10-first@sha256-00000000000000aa', NULL, :at, recorded_at, latency_ms, case_id"
        " FROM decisions WHERE event_id = 'evt-before-1'",
        DECISION_TIME - timedelta(days=30),
    )
    upgrade_to_head(database_url)

    assert _history(http) == [
        (policy_bundle[1], None, DECISION_TIME, DECISION_TIME + timedelta(seconds=30)),
        ("2026-10-first@sha256-00000000000000aa", "2026-10-first", *(2 * [DECISION_TIME - timedelta(days=30)])),
    ]
