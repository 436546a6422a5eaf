"""Checkpoints and proofs over HTTP, and an auditor's check of a proof without the service."""

import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from app.audit import checkpoints, jobs
from app.audit.keys import public_pem
from app.config import Settings
from tests.audit.conftest import connect, decide, triggers_off

ROOT = Path(__file__).resolve().parents[2]


def _admin(live_url: str, directory_tokens: dict[str, str]) -> httpx.Client:
    return httpx.Client(
        base_url=live_url, timeout=30, headers={"Authorization": f"Bearer {directory_tokens['u-admin']}"}
    )


def _check(proof: dict, key: Ed25519PrivateKey, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    (tmp_path / "proof.json").write_text(json.dumps(proof), encoding="utf-8")
    (tmp_path / "key.pub.pem").write_bytes(public_pem(key.public_key()))
    command = [sys.executable, str(ROOT / "scripts" / "check_audit_proof.py"), str(tmp_path / "proof.json")]
    return subprocess.run([*command, "--public-key", str(tmp_path / "key.pub.pem")], capture_output=True, text=True)


def test_a_decisions_proof_is_checked_without_the_service(
    http: httpx.Client,
    live_url: str,
    directory_tokens: dict[str, str],
    audit_key: Ed25519PrivateKey,
    checkpoint_dir: Path,
    tmp_path: Path,
) -> None:
    ids = decide(http, 3)
    with _admin(live_url, directory_tokens) as admin:
        assert admin.get(f"/v1/audit/decisions/{ids[0]}/proof").status_code == 409  # no checkpoint covers it yet
        signed = admin.post("/v1/audit/checkpoints")
        assert signed.status_code == 201, signed.text
        assert signed.json()["chains"]["decisions"]["seq"] == 3
        assert Path(signed.json()["location"]).parent == checkpoint_dir
        proof = admin.get(f"/v1/audit/decisions/{ids[0]}/proof").json()

    assert [link["seq"] for link in proof["segment"]] == [2, 3]
    held = _check(proof, audit_key, tmp_path)
    assert held.returncode == 0 and f"decision {ids[0]} is in the log" in held.stdout, held.stderr

    proof["row"]["outcome"] = "decline"
    assert "does NOT hold" in _check(proof, audit_key, tmp_path).stderr
    proof["row"]["outcome"] = "route"
    other_key = Ed25519PrivateKey.generate()
    assert "signature does not verify" in _check(proof, other_key, tmp_path).stderr


def test_verification_over_http_names_the_break_and_no_checkpoint_signs_it(
    http: httpx.Client, live_url: str, directory_tokens: dict[str, str], database_url: str
) -> None:
    ids = decide(http, 2)
    with _admin(live_url, directory_tokens) as admin:
        clean = admin.get("/v1/audit/verification").json()
        assert clean["intact"] is True and {c["chain"]: c["rows"] for c in clean["chains"]}["decisions"] == 2

        with connect(database_url) as connection, triggers_off(connection, "decisions"):
            connection.execute(text("UPDATE decisions SET account_id = 'someone-else' WHERE id = :id"), {"id": ids[1]})
        report = admin.get("/v1/audit/verification").json()
        refused = admin.post("/v1/audit/checkpoints")

    assert report["intact"] is False
    [broken] = [c for c in report["chains"] if c["first_break"]]
    assert broken["chain"] == "decisions"
    assert broken["first_break"] | {"detail": ""} == {"seq": 2, "row_id": ids[1], "kind": "changed", "detail": ""}
    assert refused.status_code == 409 and refused.json()["code"] == "audit_chain_broken"


def test_only_administrators_reach_the_audit_endpoints(
    live_url: str, directory_tokens: dict[str, str], service_token: str
) -> None:
    for token in (directory_tokens["u-am-04"], service_token):
        with httpx.Client(base_url=live_url, headers={"Authorization": f"Bearer {token}"}) as client:
            assert client.get("/v1/audit/verification").status_code == 403
            assert client.post("/v1/audit/checkpoints").status_code == 403
            assert client.get("/v1/audit/decisions/x/proof").status_code == 403


def test_the_interval_job_signs_from_its_second_run(
    http: httpx.Client, settings: Settings, checkpoint_dir: Path, audit_key: Ed25519PrivateKey
) -> None:
    decide(http, 2)
    job = jobs.interval_job(settings=settings, now=lambda: datetime.now(UTC))

    asyncio.run(job())  # at start: nothing yet, the first checkpoint comes one interval later
    assert not checkpoint_dir.exists() or not list(checkpoint_dir.iterdir())
    asyncio.run(job())

    [signed] = checkpoints.load_all(checkpoint_dir, audit_key.public_key())
    assert signed.chains["decisions"].seq == 2 and signed.chains["case_events"].seq >= 2
