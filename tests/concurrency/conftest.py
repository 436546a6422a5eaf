"""Three replicas of the service, as separate processes, on one shared database of each kind.

Per test module and database: a fresh database migrated once, the demo directory seeded and
tokens issued with the admin CLI, and three `uvicorn app.main:app` processes on it. A module may
override `replica_env` (e.g. to run the background jobs). When a test fails, the replicas' logs
written during it are added to the report.
"""

import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.cases.examples import load_example
from app.migrations_runner import upgrade_to_head
from tests.concurrency.helpers import Database, Service
from tests.support.opa_process import OpaProcess
from tests.support.postgres import create_database
from tests.support.service_processes import ServiceCluster, seed_and_issue_tokens, service_cluster

ROOT = Path(__file__).resolve().parents[2]
SEED_DIRECTORY = ROOT / "seeds" / "directory.json"
REPLICAS = 3
# Everyone the tests act as; "crm" is the integration that posts cases.
PEOPLE = ["u-am-04", "u-csm-08", "u-fin-01", "u-revops-01", "u-exec-01"]
# The integration's token is named after the CRM source of the example the tests post (an
# integration may only report the events of its own source).
CRM_SOURCE = load_example("price-discount")["source"]
# Notifications are queued in the outbox for this CRM; nothing listens there (port 9, discard).
CRM_NOTIFY_URL = "http://127.0.0.1:9/crm"

_CLUSTER = pytest.StashKey[ServiceCluster]()
_LOG_MARKS = pytest.StashKey[list[int]]()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared_database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh database of each kind, migrated once here (the replicas start with MIGRATE_ON_START=false)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('shared-sqlite') / 'decisions.db'}"
    else:
        url = create_database(request.getfixturevalue("postgres_url"), f"race_{uuid.uuid4().hex[:12]}")
    upgrade_to_head(url)
    return url


@pytest.fixture(scope="module")
def tokens(shared_database_url: str) -> dict[str, str]:
    """The demo directory seeded and a token for each person of PEOPLE and for "crm", through the CLI."""
    return seed_and_issue_tokens(
        shared_database_url, seed_file=SEED_DIRECTORY, person_ids=PEOPLE, service_name=CRM_SOURCE
    )


@pytest.fixture(scope="module")
def replica_env() -> dict[str, str]:
    """Settings of the replicas beyond the shared ones; no background jobs unless a module asks."""
    return {"BACKGROUND_JOBS": "false"}


@pytest.fixture(scope="module")
def cluster(
    shared_database_url: str,
    tokens: dict[str, str],
    opa_server: OpaProcess,
    replica_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServiceCluster]:
    env = {"CRM_NOTIFY_URL": CRM_NOTIFY_URL, **replica_env}
    with service_cluster(
        database_url=shared_database_url,
        opa_url=opa_server.url,
        log_dir=tmp_path_factory.mktemp("replica-logs"),
        replicas=REPLICAS,
        env=env,
    ) as running:
        yield running


@pytest.fixture
def service(cluster: ServiceCluster, tokens: dict[str, str], request: pytest.FixtureRequest) -> Iterator[Service]:
    """HTTP clients of the three replicas; the logs they write during the test are shown if it fails."""
    request.node.stash[_CLUSTER] = cluster
    request.node.stash[_LOG_MARKS] = cluster.log_marks()
    crashed = cluster.crashed()
    assert not crashed, f"replicas died before this test: {crashed}\n{cluster.logs()}"
    client = Service(cluster.urls, tokens)
    yield client
    client.close()


@pytest.fixture(autouse=True)
def _quiet_http_client_logs() -> Iterator[None]:
    """Hundreds of racing requests would fill a failure report with httpx's one-line INFO logs."""
    logger = logging.getLogger("httpx")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


@pytest.fixture
def db(shared_database_url: str) -> Iterator[Database]:
    database = Database(shared_database_url)
    yield database
    database.close()


@pytest.fixture(scope="module")
def delegation(cluster: ServiceCluster, tokens: dict[str, str]) -> dict:
    """u-csm-08 stands in for the account owner u-am-04 (from an hour ago, for a week)."""
    client = Service(cluster.urls, tokens)
    try:
        now = datetime.now(UTC)
        response = client.client("u-am-04").post(
            "/v1/people/u-am-04/delegations",
            json={
                "delegate_id": "u-csm-08",
                "starts_at": (now - timedelta(hours=1)).isoformat(),
                "ends_at": (now + timedelta(days=7)).isoformat(),
            },
        )
        assert response.status_code == 201, response.text
        return response.json()
    finally:
        client.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    cluster = item.stash.get(_CLUSTER, None)
    if report.failed and report.when == "call" and cluster is not None:
        marks = item.stash.get(_LOG_MARKS, None)
        crashed = cluster.crashed()
        header = f"replicas exited: {crashed}\n" if crashed else ""
        report.sections.append(("service replica logs (during this test)", header + cluster.logs(since=marks)))
