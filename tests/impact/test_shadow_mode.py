"""Shadow mode on a running service: the candidate release decides beside the live policy, changes nothing.

The live policy is policies/; the shadow release lowers credit.finance_over_pct to 3. The canonical
service-recovery case (a credit of 3.6% of ARR) routes to the account owner alone live; the shadow
would add finance. The caller's answer is the live one, the shadow's is stored, and the impact report
made from the stored shadow decisions shows the chain change.
"""

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from app.clock import FixedClock
from app.config import Settings
from app.database import create_engine
from app.impact.__main__ import main
from app.main import create_app
from app.policy.keys import DEV_PRIVATE_KEY
from app.policy.release import build_release
from app.shadow.models import ShadowDecision
from tests.conftest import load_example
from tests.impact.test_impact_report import policy_copy, row
from tests.support.live_server import serve

SHADOW = "candidate-credit-3"


def _shadow_rows(database_url: str) -> list[Any]:
    async def read() -> list[Any]:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as conn:
                return list((await conn.execute(select(ShadowDecision))).all())
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_the_shadow_release_decides_beside_the_live_one_and_the_report_is_made_from_it(
    settings: Settings,
    clock: FixedClock,
    database_url: str,
    service_token: str,
    release_key_dir: Path,
    opa_binary: Path,
    tmp_path: Path,
) -> None:
    candidate = policy_copy(tmp_path, "candidate", credit__finance_over_pct=3)
    release = build_release(
        opa_binary=opa_binary,
        policy_dir=candidate / "policies",
        release_dir=tmp_path / "releases",
        name=SHADOW,
        key=release_key_dir / DEV_PRIVATE_KEY,
    )
    shadowed = settings.model_copy(
        update={
            "shadow_release": SHADOW,
            "release_dir": tmp_path / "releases",
            "release_key_dir": release_key_dir,
            "shadow_flush_seconds": 0.1,
        }
    )
    case = load_example("service-recovery")

    with serve(create_app(settings=shadowed, clock=clock)) as url:
        answer = httpx.post(
            f"{url}/v1/save-cases", json=case, headers={"Authorization": f"Bearer {service_token}"}, timeout=10
        )
        assert answer.status_code == 201, answer.text
        deadline = time.monotonic() + 10
        while not (stored := _shadow_rows(database_url)) and time.monotonic() < deadline:
            time.sleep(0.1)
        policy = httpx.get(f"{url}/v1/policy", headers={"Authorization": f"Bearer {service_token}"}, timeout=10)

    body = answer.json()
    # The caller gets the live policy's answer: the owner alone.
    assert [s["roles"] for s in body["decision"]["approval_chain"]] == [["account_owner"]]
    [shadow] = stored
    assert policy.json()["shadow"] == {
        "release": SHADOW,
        "running": True,
        "pending": 0,
        "written": 1,
        "dropped": 0,
        "failed": 0,
    }
    assert shadow.decision_id == body["id"]
    assert shadow.revision == release.revision
    assert [s["roles"] for s in shadow.decision["approval_chain"]] == [["account_owner"], ["finance"]]

    out = tmp_path / "shadow-report.md"
    base = policy_copy(tmp_path, "base")
    arguments = ["--shadow", "--base", str(base), "--candidate", str(release.path), "--database-url", database_url]
    status = main([*arguments, "--out", str(out)])

    report = out.read_text()
    assert status == 0, report
    assert row(report, "account_owner ⇒ account_owner → finance")[1] == "1"
    assert "Shadow mode: 1 live decisions compared with the decisions the shadow release made" in report
    assert "The candidate has no input schema" in report
    assert row(report, "`credit.finance_over_pct`")[2] == "`5` → `3`"


def test_a_shadow_that_cannot_start_leaves_the_service_deciding(
    settings: Settings, clock: FixedClock, database_url: str, service_token: str, tmp_path: Path
) -> None:
    missing = settings.model_copy(update={"shadow_release": "never-built", "release_dir": tmp_path / "releases"})

    with serve(create_app(settings=missing, clock=clock)) as url:
        answer = httpx.post(
            f"{url}/v1/save-cases",
            json=load_example("service-recovery"),
            headers={"Authorization": f"Bearer {service_token}"},
            timeout=10,
        )
        policy = httpx.get(f"{url}/v1/policy", headers={"Authorization": f"Bearer {service_token}"}, timeout=10)

    assert answer.status_code == 201, answer.text
    assert _shadow_rows(database_url) == []
    # Configured but not running: GET /v1/policy says so, rather than look as if shadow mode were off.
    assert policy.json()["shadow"]["release"] == "never-built"
    assert policy.json()["shadow"]["running"] is False
