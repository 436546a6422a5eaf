"""Helpers of the integration tests: direct reads of the database, log capture and dedicated OPA processes."""

import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import text

from app.database import sync_url
from app.observability import JsonFormatter
from tests.support.opa_process import OpaProcess


def count_rows(database_url: str, table: str, where: str = "", **params: object) -> int:
    """Count rows straight in the database, bypassing the service."""
    engine = create_sync_engine(sync_url(database_url))
    try:
        with engine.connect() as conn:
            return conn.execute(text(f"SELECT count(*) FROM {table} {where}"), params).scalar_one()
    finally:
        engine.dispose()


def execute(database_url: str, statement: str, **params: object) -> None:
    """Run one statement in its own committed transaction, on a connection of the test's own."""
    engine = create_sync_engine(sync_url(database_url))
    try:
        with engine.begin() as conn:
            conn.execute(text(statement), params)
    finally:
        engine.dispose()


class JsonLines(logging.Handler):
    """Formats each record as the service does, at emit time, so the request's context variables are seen."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[dict] = []
        self._lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        line = json.loads(self.format(record))
        with self._lock:
            self.lines.append(line)

    def snapshot(self) -> list[dict]:
        with self._lock:
            return list(self.lines)


@pytest.fixture
def log_lines(live_url: str) -> Iterator[JsonLines]:
    """Every log line the process writes while the test runs, as the service's JSON objects.

    Depends on live_url so it is attached after create_app has configured the root logger.
    """
    handler = JsonLines()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


@pytest.fixture
def dedicated_opa(opa_binary: Path, policy_bundle: tuple[Path, str]) -> Iterator[OpaProcess]:
    """An OPA of this test's own, which it may kill and start again."""
    opa = OpaProcess(binary=opa_binary, bundle=policy_bundle[0])
    opa.start()
    yield opa
    opa.kill()
