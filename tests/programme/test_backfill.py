"""Records from before issue 10: migration 0005 builds the facts of older cases; older decisions read back."""

import httpx
import sqlalchemy as sa
from alembic import command

from app.audit.chain import append_rows
from app.database import sync_url
from app.decisions.models import Decision
from app.migrations_runner import alembic_config, upgrade_to_head
from tests.approvals.conftest import People
from tests.conftest import load_example


def _facts(database_url: str) -> dict[str, dict]:
    engine = sa.create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT * FROM programme_case_facts")).mappings().all()
        return {row["case_id"]: dict(row) for row in rows}
    finally:
        engine.dispose()


def test_the_migration_builds_the_facts_the_workflow_would_have_kept(
    http: httpx.Client, people: People, database_url: str
) -> None:
    routed = http.post("/v1/save-cases", json=load_example("service-recovery")).json()["case_id"]
    case = people["u-csm-17"].get(f"/v1/save-cases/{routed}").json()
    [owner_task] = case["tasks"]
    approved = people[owner_task["assignee_id"]].post(f"/v1/approvals/{owner_task['id']}/approve", json={})
    assert approved.json()["status"] == "authorized", approved.text
    paused = http.post("/v1/save-cases", json=load_example("pause-unclear")).json()["case_id"]
    kept = _facts(database_url)
    assert set(kept) == {routed, paused}
    assert kept[routed]["authorized_at"] is not None and kept[routed]["owner_response_seconds"] is not None

    command.downgrade(alembic_config(database_url), "0004_decision_log_keyset")
    upgrade_to_head(database_url)

    assert _facts(database_url) == kept


def _copy_without_history(database_url: str, decision_id: str) -> str:
    """A copy of the decision as the service recorded it before it sent the account's history (the log is
    append-only, so the copy is a new row)."""
    engine = sa.create_engine(sync_url(database_url))
    decisions = Decision.__table__
    try:
        with engine.begin() as connection:
            row = dict(connection.execute(sa.select(decisions).where(decisions.c.id == decision_id)).one()._mapping)
            del row["policy_input"]["history"]
            row.update(id="before-history", event_id="before-history", personal_sha256=None)
            append_rows(connection, chain="decisions", rows=[row])  # the copy joins the chain like any new row
            connection.execute(sa.insert(decisions).values(**row))
    finally:
        engine.dispose()
    return "before-history"


def test_a_decision_recorded_before_the_history_reads_back(http: httpx.Client, database_url: str) -> None:
    decision_id = http.post("/v1/save-cases", json=load_example("service-recovery")).json()["id"]
    read = http.get(f"/v1/decisions/{_copy_without_history(database_url, decision_id)}")
    assert read.status_code == 200, read.text
    assert read.json()["evidence"]["history"] is None
