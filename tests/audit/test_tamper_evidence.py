"""Each kind of tampering, done behind the service's back, is named by the verifier at its first bad row."""

import sqlite3
import subprocess
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert, select, text

from app.audit.chain import link_values
from app.audit.spec import CHAINS
from app.decisions.models import Decision
from tests.audit.conftest import (
    connect,
    decide,
    decision_ids_by_seq,
    sign_checkpoint,
    triggers_off,
    verify,
)
from tests.conftest import load_example
from tests.support.postgres import _pg_bin, create_database


def test_an_untouched_log_verifies_on_every_chain(http: httpx.Client, database_url: str) -> None:
    ids = decide(http, 4)

    results = verify(database_url)

    assert [r.first_break for r in results.values()] == [None, None, None]
    assert results["decisions"].rows == 4 and list(decision_ids_by_seq(database_url).values()) == ids
    assert results["case_events"].rows >= 4  # each new case writes its history


def test_a_raw_update_with_the_trigger_disabled_is_named(http: httpx.Client, database_url: str) -> None:
    ids = decide(http, 4)
    with connect(database_url) as connection, triggers_off(connection, "decisions"):
        connection.execute(text("UPDATE decisions SET outcome = 'decline' WHERE id = :id"), {"id": ids[1]})

    found = verify(database_url)["decisions"].first_break

    assert found is not None and (found.kind, found.row_id, found.seq) == ("changed", ids[1], 2)
    assert "no longer matches its hash" in found.detail


def test_a_deleted_row_is_named(http: httpx.Client, database_url: str) -> None:
    ids = decide(http, 4)
    with connect(database_url) as connection, triggers_off(connection, "decisions"):
        connection.execute(text("DELETE FROM decisions WHERE id = :id"), {"id": ids[2]})

    found = verify(database_url)["decisions"].first_break

    assert found is not None and (found.kind, found.seq) == ("removed", 3)
    assert f"next row is id {ids[3]}" in found.detail


def test_an_inserted_row_is_named(http: httpx.Client, database_url: str) -> None:
    ids = decide(http, 4)
    with connect(database_url) as connection, triggers_off(connection, "decisions"):
        # Room at seq 3, then a forged decision hashed exactly as the service would hash it.
        connection.execute(text("UPDATE decisions SET chain_seq = chain_seq + 1000 WHERE chain_seq >= 3"))
        connection.execute(text("UPDATE decisions SET chain_seq = chain_seq - 999 WHERE chain_seq >= 1003"))
        table = Decision.__table__
        row = dict(connection.execute(select(table).where(table.c.id == ids[1])).mappings().one())
        forged = {**row, "id": "forged-decision", "event_id": "evt-forged", "outcome": "route", "personal_sha256": None}
        forged.update(link_values(CHAINS["decisions"], forged, seq=3, prev_hash=row["row_hash"]))
        connection.execute(insert(table), forged)

    found = verify(database_url)["decisions"].first_break

    assert found is not None and (found.kind, found.row_id, found.seq) == ("inserted", "forged-decision", 3)


def test_a_truncated_tail_after_a_checkpoint_is_named(
    http: httpx.Client, database_url: str, audit_key: Ed25519PrivateKey, checkpoint_dir: Path
) -> None:
    ids = decide(http, 4)
    sign_checkpoint(database_url, audit_key, checkpoint_dir)
    with connect(database_url) as connection, triggers_off(connection, "decisions"):
        # The tail goes, and the head is moved back over it: only the signed checkpoint remembers.
        connection.execute(text("DELETE FROM decisions WHERE chain_seq >= 3"))
        connection.execute(text("UPDATE audit_chain_heads SET seq = 2 WHERE chain = 'decisions'"))

    assert verify(database_url)["decisions"].first_break is None  # without the checkpoint it looks whole
    found = verify(database_url, audit_key, checkpoint_dir)["decisions"].first_break

    assert found is not None and (found.kind, found.seq) == ("removed", 3)
    assert f"last row id {ids[3]}" in found.detail


def test_a_restored_older_copy_is_named(
    http: httpx.Client, database_url: str, audit_key: Ed25519PrivateKey, checkpoint_dir: Path, tmp_path: Path
) -> None:
    decide(http, 2)
    restored_url = _backup(database_url, tmp_path)
    ids = decide(http, 2, prefix="evt-after-backup")
    sign_checkpoint(database_url, audit_key, checkpoint_dir)

    assert verify(database_url, audit_key, checkpoint_dir)["decisions"].first_break is None
    found = verify(restored_url, audit_key, checkpoint_dir)["decisions"].first_break

    assert found is not None and (found.kind, found.seq) == ("removed", 3)
    assert f"last row id {ids[1]}" in found.detail


def _backup(database_url: str, tmp_path: Path) -> str:
    """A backup taken now, restored into a database of its own (what an operator restoring it would have)."""
    if database_url.startswith("sqlite"):
        source = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        target = sqlite3.connect(tmp_path / "restored.db")
        source.backup(target)
        source.close(), target.close()
        return f"sqlite:///{tmp_path / 'restored.db'}"
    dump = tmp_path / "backup.dump"
    libpq = database_url.replace("postgresql+psycopg://", "postgresql://")
    subprocess.run([str(_pg_bin() / "pg_dump"), "-Fc", "-f", str(dump), libpq], check=True)
    restored = create_database(database_url.rsplit("/", 1)[0] + "/postgres", f"restored_{tmp_path.name[-12:].lower()}")
    subprocess.run(
        [
            str(_pg_bin() / "pg_restore"),
            "--no-owner",
            "-d",
            restored.replace("postgresql+psycopg://", "postgresql://"),
            str(dump),
        ],
        check=True,
    )
    return restored


def test_a_rewrite_with_every_hash_recomputed_is_caught_by_the_checkpoint(
    http: httpx.Client, database_url: str, audit_key: Ed25519PrivateKey, checkpoint_dir: Path
) -> None:
    ids = decide(http, 2)
    sign_checkpoint(database_url, audit_key, checkpoint_dir)
    decide(http, 2, prefix="evt-after-checkpoint")
    sign_checkpoint(database_url, audit_key, checkpoint_dir)
    table = Decision.__table__
    with connect(database_url) as connection, triggers_off(connection, "decisions"):
        # Someone who knows the algorithm edits seq 3 and recomputes every hash from there on.
        rows = connection.execute(select(table).where(table.c.chain_seq >= 3).order_by(table.c.chain_seq)).mappings()
        prev = connection.execute(select(table.c.row_hash).where(table.c.chain_seq == 2)).scalar_one()
        for row in [dict(r) for r in rows]:
            if row["chain_seq"] == 3:
                row["outcome"] = "decline"
            row.update(link_values(CHAINS["decisions"], row, seq=row["chain_seq"], prev_hash=prev))
            connection.execute(table.update().where(table.c.id == row["id"]).values(**row))
            prev = row["row_hash"]

    assert verify(database_url)["decisions"].first_break is None  # the chain alone holds together
    found = verify(database_url, audit_key, checkpoint_dir)["decisions"].first_break

    assert found is not None and (found.kind, found.seq) == ("changed", 4)
    assert "after seq 2 and up to this one" in found.detail and ids[1] not in (found.row_id or "")


def test_nothing_is_appended_after_a_removed_last_row(http: httpx.Client, database_url: str) -> None:
    ids = decide(http, 2)
    with connect(database_url) as connection, triggers_off(connection, "decisions"):
        connection.execute(text("DELETE FROM decisions WHERE id = :id"), {"id": ids[1]})

    refused = http.post("/v1/save-cases", json={**load_example("price-discount"), "event_id": "evt-after-removal"})

    assert refused.status_code == 503 and refused.json()["code"] == "audit_chain_broken", refused.text
    found = verify(database_url)["decisions"].first_break
    assert found is not None and (found.kind, found.seq) == ("removed", 2)
