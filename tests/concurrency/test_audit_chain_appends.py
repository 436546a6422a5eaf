"""Three replicas append to the audit chains at the same moment: no fork, no gap, and the log verifies."""

from collections import Counter

from sqlalchemy import create_engine

from app.audit import service as audit
from app.cases.examples import example_for_now
from app.database import sync_url
from tests.concurrency.conftest import REPLICAS
from tests.concurrency.helpers import Call, Database, Service, spread

DECISIONS = 36


def test_concurrent_appends_from_three_processes_leave_one_unbroken_chain(
    service: Service, db: Database, shared_database_url: str
) -> None:
    before = {r.chain: r.rows for r in _verify(shared_database_url)}
    calls = []
    for _ in range(DECISIONS):
        case = example_for_now("price-discount")
        case["account"] = {**case["account"], "id": f"acct-{case['event_id']}"}
        calls.append(Call("crm", "POST", "/v1/save-cases", case, label="decide"))

    race = service.race(spread(calls, REPLICAS))

    assert race.statuses() == Counter({201: DECISIONS}), race.describe()
    results = {r.chain: r for r in _verify(shared_database_url)}
    assert {c: r.first_break for c, r in results.items()} == dict.fromkeys(results)
    assert results["decisions"].rows == before["decisions"] + DECISIONS
    seqs = [row.chain_seq for row in db.rows("SELECT chain_seq FROM decisions ORDER BY chain_seq")]
    assert seqs == list(range(1, len(seqs) + 1))
    events = [row.chain_seq for row in db.rows("SELECT chain_seq FROM case_events ORDER BY chain_seq")]
    assert events == list(range(1, len(events) + 1)) and len(events) > before["case_events"]


def _verify(database_url: str) -> list[audit.ChainResult]:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            return audit.verify(connection=connection, signed=[])
    finally:
        engine.dispose()
