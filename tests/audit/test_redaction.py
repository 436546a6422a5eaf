"""An erasure request: the personal fields of a decision go, the chain still verifies, nothing else may change."""

import json
import os
import subprocess
import sys

import httpx
from sqlalchemy import select, text

from app.audit.personal import REDACTED_PAYLOAD, REDACTED_VALUE
from app.decisions.models import Decision
from tests.audit.conftest import connect, decide, triggers_off, verify


def _cli(database_url: str, *args: str, tmp_path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "AUDIT_CHECKPOINT_DIR": str(tmp_path / "cp")}
    env["RELEASE_KEY_DIR"] = str(tmp_path / "keys")
    return subprocess.run([sys.executable, "-m", "app.audit", *args], capture_output=True, text=True, env=env)


def test_a_redaction_erases_personal_fields_and_keeps_the_chain_verifiable(
    http: httpx.Client, database_url: str, tmp_path
) -> None:
    ids = decide(http, 3)
    before = http.get(f"/v1/decisions/{ids[1]}").json()
    assert before["evidence"]["case"]["account"]["name"]  # the example names its account

    redacted = _cli(database_url, "redact", ids[1], tmp_path=tmp_path)
    assert redacted.returncode == 0 and redacted.stdout.strip() == "redacted", redacted.stderr

    with connect(database_url) as connection:
        row = connection.execute(select(Decision.__table__).where(Decision.id == ids[1])).mappings().one()
    assert row["payload_raw"] == REDACTED_PAYLOAD
    assert row["policy_input"]["case"]["account"]["name"] == REDACTED_VALUE
    after = http.get(f"/v1/decisions/{ids[1]}").json()
    assert after["outcome"] == before["outcome"] and after["decision"] == before["decision"]
    verified = _cli(database_url, "verify", "--json", tmp_path=tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    report = {c["chain"]: c for c in json.loads(verified.stdout)}
    assert report["decisions"]["redacted"] == 1 and report["decisions"]["first_break"] is None
    assert _cli(database_url, "redact", ids[1], tmp_path=tmp_path).stdout.strip() == "already redacted"


def test_a_redaction_that_also_changes_the_evidence_is_named(http: httpx.Client, database_url: str) -> None:
    ids = decide(http, 2)
    with connect(database_url) as connection:
        row = connection.execute(select(Decision.__table__).where(Decision.id == ids[0])).mappings().one()
        evidence = row["policy_input"]
        evidence["case"]["account"]["segment"] = "strategic"  # not personal: the chain guards it
        # The one UPDATE the trigger lets through is an erasure; this one smuggles a change inside it.
        table = Decision.__table__
        connection.execute(
            table.update().where(table.c.id == ids[0]).values(payload_raw=REDACTED_PAYLOAD, policy_input=evidence)
        )

    found = verify(database_url)["decisions"].first_break
    assert found is not None and (found.kind, found.row_id) == ("changed", ids[0])


def test_a_changed_personal_field_is_named(http: httpx.Client, database_url: str) -> None:
    ids = decide(http, 2)
    with connect(database_url) as connection, triggers_off(connection, "decisions"):
        connection.execute(
            text("UPDATE decisions SET payload_raw = replace(payload_raw, 'acct', 'ACCT') WHERE id = :id"),
            {"id": ids[1]},
        )

    found = verify(database_url)["decisions"].first_break
    assert found is not None and (found.kind, found.row_id) == ("changed", ids[1])
    assert "personal fields" in found.detail
