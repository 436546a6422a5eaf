"""The decision log is append-only in the database itself: UPDATE and DELETE fail on SQLite and PostgreSQL."""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import load_example


@contextmanager
def raw_connection(database_url: str) -> Iterator[object]:
    """A DBAPI connection of the driver itself, outside SQLAlchemy and the service."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        conn = sqlite3.connect(url.database)
    else:
        conn = psycopg.connect(host=url.host, port=url.port, user=url.username, dbname=url.database)
    try:
        yield conn
    finally:
        conn.close()


def _rows(database_url: str) -> list[tuple]:
    with raw_connection(database_url) as conn:
        cursor = conn.cursor()
        cursor.execute("SELECT id, outcome, account_id, policy_revision FROM decisions ORDER BY id")
        return cursor.fetchall()


@pytest.fixture
def recorded(http: httpx.Client, database_url: str) -> list[tuple]:
    for n, example in enumerate(("service-recovery", "pause-unclear")):
        assert (
            http.post("/v1/save-cases", json={**load_example(example), "event_id": f"evt-log-{n}"}).status_code == 201
        )
    rows = _rows(database_url)
    assert len(rows) == 2
    return rows


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE decisions SET outcome = 'decline'",
        "UPDATE decisions SET account_id = 'someone-else' WHERE outcome = 'pause'",
        "DELETE FROM decisions",
        "DELETE FROM decisions WHERE outcome = 'route'",
    ],
)
def test_updates_and_deletes_are_rejected_by_the_database(
    database_url: str, recorded: list[tuple], statement: str
) -> None:
    verb = statement.split()[0]
    with raw_connection(database_url) as conn:
        cursor = conn.cursor()
        with pytest.raises((sqlite3.DatabaseError, psycopg.Error)) as failure:
            cursor.execute(statement)
            conn.commit()
        conn.rollback()

    assert "append-only" in str(failure.value) and verb in str(failure.value)
    assert _rows(database_url) == recorded


def test_inserting_stays_possible_after_a_rejected_change(
    http: httpx.Client, database_url: str, recorded: list[tuple]
) -> None:
    with raw_connection(database_url) as conn, pytest.raises((sqlite3.DatabaseError, psycopg.Error)):
        conn.cursor().execute("DELETE FROM decisions")
        conn.commit()

    response = http.post("/v1/save-cases", json={**load_example("price-discount"), "event_id": "evt-log-later"})

    assert response.status_code == 201
    assert len(_rows(database_url)) == len(recorded) + 1
