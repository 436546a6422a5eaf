"""A stalled OPA stalls only the requests that need it: reads, approvals and liveness go on (both databases)."""

import os
import signal
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import httpx
import pytest

from app.clock import FixedClock
from app.config import Settings
from app.main import create_app
from tests.approvals.conftest import People
from tests.conftest import BySourceToken, load_example
from tests.integration.conftest import count_rows
from tests.support.live_server import serve
from tests.support.opa_process import OpaProcess


@pytest.fixture
def stallable_url(
    settings: Settings, clock: FixedClock, dedicated_opa: OpaProcess, directory_tokens: dict[str, str]
) -> Iterator[str]:
    """The service on an OPA of the test's own, which the test pauses with SIGSTOP."""
    own = settings.model_copy(update={"opa_url": dedicated_opa.url, "opa_timeout_seconds": 1.0, "opa_retries": 0})
    with serve(create_app(settings=own, clock=clock)) as url:
        yield url


def test_decides_time_out_on_their_own_while_reads_and_approvals_answer(
    stallable_url: str,
    dedicated_opa: OpaProcess,
    directory_tokens: dict[str, str],
    source_tokens: dict[str, str],
    service_token: str,
    database_url: str,
) -> None:
    people = People(stallable_url, directory_tokens)
    crm = httpx.Client(base_url=stallable_url, timeout=30, auth=BySourceToken(source_tokens, default=service_token))
    case_id = crm.post("/v1/save-cases", json=load_example("price-discount")).json()["case_id"]
    owner_task = next(t for t in people["u-am-04"].get(f"/v1/save-cases/{case_id}").json()["tasks"])["id"]
    assert dedicated_opa.process is not None
    os.kill(dedicated_opa.process.pid, signal.SIGSTOP)
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            decides: list[Future[httpx.Response]] = []
            for n in range(3):
                case = {**load_example("service-recovery"), "event_id": f"stalled-{n}"}
                decides.append(pool.submit(crm.post, "/v1/save-cases", json=case))
            # While the decides wait on OPA, everything that does not need it answers.
            read = people["u-am-04"].get(f"/v1/save-cases/{case_id}")
            inbox = people["u-am-04"].get("/v1/approvals")
            alive = people.anonymous.get("/healthz")
            approved = people["u-am-04"].post(f"/v1/approvals/{owner_task}/approve", json={})
            decisions_log = people["u-admin"].get("/v1/decisions")
            still_waiting = sum(not d.done() for d in decides)
            statuses = [d.result().status_code for d in decides]
    finally:
        os.kill(dedicated_opa.process.pid, signal.SIGCONT)

    assert [r.status_code for r in (read, inbox, alive, approved, decisions_log)] == [200] * 5, approved.text
    assert approved.json()["current_stage"] == 2
    assert still_waiting > 0, "the reads and the approval were answered while decides still waited on OPA"
    assert statuses == [503, 503, 503]
    assert count_rows(database_url, "decisions") == 1
    # And once OPA runs again, so do decisions.
    after = crm.post("/v1/save-cases", json={**load_example("service-recovery"), "event_id": "after-stall"})
    assert after.status_code == 201, after.text
    people.close()
    crm.close()
