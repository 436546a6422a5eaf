"""Rows join their chain as their transaction commits (PostgreSQL), and a row outside the chain is named."""

from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, create_engine, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from app.audit.chain import content_of
from app.audit.spec import CHAIN_COLUMNS, CHAINS
from app.database import sync_url
from app.decisions.models import Decision
from tests.audit.conftest import connect, decide, decision_ids_by_seq, triggers_off, verify

_decisions = Decision.__table__


def _copy_of(connection: Connection, decision_id: str, new_id: str) -> dict[str, Any]:
    """A new decision row like an existing one, as the service would write it on PostgreSQL: no place yet."""
    row = dict(connection.execute(select(_decisions).where(_decisions.c.id == decision_id)).mappings().one())
    row = {k: v for k, v in row.items() if k not in CHAIN_COLUMNS} | {"id": new_id, "event_id": f"evt-{new_id}"}
    row["personal_sha256"] = None
    extra, digest = content_of(CHAINS["decisions"], row, written=True)
    return row | extra | {"content_sha256": digest}


def test_a_row_inserted_outside_the_chain_is_named(http: httpx.Client, database_url: str) -> None:
    ids = decide(http, 2)
    with connect(database_url) as connection, triggers_off(connection, "decisions"):
        connection.execute(insert(_decisions).values(_copy_of(connection, ids[0], "stray")))

    found = verify(database_url)["decisions"].first_break

    assert found is not None and (found.kind, found.row_id, found.seq) == ("inserted", "stray", 3), found


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgres_links_the_rows_of_a_transaction_as_it_commits(http: httpx.Client, database_url: str) -> None:
    ids = decide(http, 2)
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as first, engine.connect() as second:
            first.execute(insert(_decisions).values(_copy_of(first, ids[0], "first-open")))
            # No head is taken before the commit: another transaction appends and commits meanwhile without
            # waiting for the first (a wait on the first's head would end in lock_timeout's error).
            second.exec_driver_sql("SET lock_timeout = '2s'")
            second.execute(insert(_decisions).values(_copy_of(second, ids[1], "second")))
            second.commit()
            unlinked = first.execute(text("SELECT chain_seq FROM decisions WHERE id = 'first-open'")).scalar()
            first.commit()
    finally:
        engine.dispose()

    assert unlinked is None
    # Chain order is commit order; the digest the service handed over is cleared once the row is linked.
    assert decision_ids_by_seq(database_url) == {1: ids[0], 2: ids[1], 3: "second", 4: "first-open"}
    with connect(database_url) as connection:
        assert connection.execute(text("SELECT count(content_sha256) FROM decisions")).scalar_one() == 0
        head = connection.execute(text("SELECT seq FROM audit_chain_heads WHERE chain = 'decisions'")).scalar_one()
    results = verify(database_url)
    assert head == 4 and results["decisions"].first_break is None and results["decisions"].rows == 4


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgres_refuses_an_insert_without_its_digest_and_a_hand_made_link(
    http: httpx.Client, database_url: str
) -> None:
    ids = decide(http, 1)

    with pytest.raises(DBAPIError, match="without its content digest"), connect(database_url) as connection:
        connection.execute(
            insert(_decisions).values(_copy_of(connection, ids[0], "no-digest") | {"content_sha256": None})
        )
    # Even the owner, with the triggers on, cannot give a row of its own transaction a place by hand.
    with pytest.raises(DBAPIError, match="append-only"), connect(database_url) as connection:
        connection.execute(insert(_decisions).values(_copy_of(connection, ids[0], "by-hand")))
        connection.execute(
            update(_decisions).where(_decisions.c.id == "by-hand").values(chain_seq=2, prev_hash="p", row_hash="r")
        )

    assert list(decision_ids_by_seq(database_url).values()) == ids
    assert verify(database_url)["decisions"].first_break is None
