"""The audit tests: decisions made through the real service, tampering done with raw SQL behind its back."""

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import NoEncryption
from sqlalchemy import Connection, create_engine, text

from app.audit import checkpoints, service
from app.audit.keys import load_private_key
from app.audit.protection import sqlite_triggers
from app.config import Settings
from app.database import sync_url
from tests.conftest import load_example
from tests.support.opa_process import OpaProcess

EXAMPLES = ("price-discount", "pause-unclear", "service-recovery")


@contextlib.contextmanager
def connect(database_url: str) -> Iterator[Connection]:
    """A committed-on-exit connection of the test's own (PostgreSQL: the owner role of the test database)."""
    engine = create_engine(sync_url(database_url))
    try:
        with engine.begin() as connection:
            yield connection
    finally:
        engine.dispose()


@contextlib.contextmanager
def triggers_off(connection: Connection, table: str) -> Iterator[None]:
    """What an attacker with the owner's rights does first: take the append-only triggers away, and put them back."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
        yield
        connection.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER ALL")
        return
    for name in ("no_update", "no_delete", "no_replace"):
        connection.exec_driver_sql(f"DROP TRIGGER {table}_{name}")
    yield
    for statement in sqlite_triggers(table):
        connection.exec_driver_sql(statement)


def decide(http: httpx.Client, count: int, *, prefix: str = "evt-audit") -> list[str]:
    """Decide `count` cases through the service; return their decision ids in order."""
    ids = []
    for n in range(count):
        body = {**load_example(EXAMPLES[n % len(EXAMPLES)]), "event_id": f"{prefix}-{n}"}
        response = http.post("/v1/save-cases", json=body)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def decision_ids_by_seq(database_url: str) -> dict[int, str]:
    with connect(database_url) as connection:
        rows = connection.execute(text("SELECT chain_seq, id FROM decisions ORDER BY chain_seq"))
        return {int(seq): str(row_id) for seq, row_id in rows}


@pytest.fixture
def audit_key_file(tmp_path: Path) -> Path:
    """A checkpoint signing key of this test's own (the service's AUDIT_SIGNING_KEY_FILE)."""
    path = tmp_path / "audit-ed25519.pem"
    key = Ed25519PrivateKey.generate()
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, NoEncryption()))
    return path


@pytest.fixture
def audit_key(audit_key_file: Path) -> Ed25519PrivateKey:
    return load_private_key(audit_key_file)


@pytest.fixture
def checkpoint_dir(tmp_path: Path) -> Path:
    return tmp_path / "checkpoints"


@pytest.fixture
def settings(
    database_url: str, opa_server: OpaProcess, tmp_path: Path, audit_key_file: Path, checkpoint_dir: Path
) -> Settings:
    """The shared test settings, with checkpoints and their key in the test's own directory."""
    return Settings(
        database_url=database_url,
        opa_url=opa_server.url,
        opa_timeout_seconds=1.0,
        opa_retries=1,
        migrate_on_start=False,
        bundle_dir=tmp_path / "bundle",
        background_jobs=False,
        audit_checkpoint_dir=checkpoint_dir,
        audit_signing_key_file=audit_key_file,
    )


def sign_checkpoint(database_url: str, key: Ed25519PrivateKey, directory: Path) -> Path:
    signed = checkpoints.load_all(directory, key.public_key())
    with connect(database_url) as connection:
        return service.take_checkpoint(
            connection=connection, signed=signed, key=key, directory=directory, now=datetime.now(UTC)
        )


def verify(database_url: str, key: Ed25519PrivateKey | None = None, directory: Path | None = None) -> dict:
    """The verifier's result per chain."""
    signed = checkpoints.load_all(directory, key.public_key()) if key and directory else []
    with connect(database_url) as connection:
        return {r.chain: r for r in service.verify(connection=connection, signed=signed)}
