"""Shared fixtures: a real OPA, real SQLite and PostgreSQL databases, and the service on a real Uvicorn."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import service as tokens
from app.clock import FixedClock
from app.config import Settings
from app.database import create_engine, create_session_factory
from app.directory.seed import load_seed
from app.main import create_app
from app.migrations_runner import upgrade_to_head
from app.policy.bundle import build_bundle
from app.policy.keys import ensure_development_key_pair
from tests.support.live_server import serve
from tests.support.opa_process import OpaProcess
from tests.support.postgres import create_database, throwaway_postgres

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SEED_DIRECTORY = ROOT / "seeds" / "directory.json"
# The examples' dates are fixed; deciding them at a fixed time keeps evidence age and renewal rules stable.
DECISION_TIME = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def load_example(name: str) -> dict:
    return json.loads((EXAMPLES / f"save-case-{name}.json").read_text())


@pytest.fixture(scope="session")
def opa_binary() -> Path:
    binary = ROOT / ".tools" / "bin" / "opa"
    if not binary.exists():
        pytest.fail("OPA is not installed: run scripts/install-tools.sh (scripts/test.sh does)")
    return binary


@pytest.fixture(scope="session")
def policy_bundle(opa_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The policies/ bundle, built once, and its revision."""
    return build_bundle(opa_binary=opa_binary, policy_dir=ROOT / "policies", out_dir=tmp_path_factory.mktemp("bundle"))


@pytest.fixture(scope="session")
def release_key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A development key pair for signing releases, made once (RELEASE_KEY_DIR of the services the tests start)."""
    key_dir = tmp_path_factory.mktemp("release-keys")
    ensure_development_key_pair(key_dir)
    return key_dir


@pytest.fixture(scope="session")
def opa_server(opa_binary: Path, policy_bundle: tuple[Path, str]) -> Iterator[OpaProcess]:
    """A standalone OPA serving the bundle, used by the service through OPA_URL."""
    opa = OpaProcess(binary=opa_binary, bundle=policy_bundle[0])
    opa.start()
    yield opa
    opa.stop()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server started for this test run."""
    with throwaway_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, migrated database of each kind: a SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'decisions.db'}"
    else:
        url = create_database(request.getfixturevalue("postgres_url"), f"t_{uuid.uuid4().hex[:12]}")
    upgrade_to_head(url)
    return url


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(DECISION_TIME)


@pytest.fixture
def settings(database_url: str, opa_server: OpaProcess, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        opa_url=opa_server.url,
        # The production default. At 1.0 s, six concurrent decides once timed out on the 2-core CI machine
        # (tests/integration/test_logging.py) since the decision document carries the save option drafts;
        # the tests of timeouts set their own.
        opa_timeout_seconds=2.0,
        opa_retries=1,
        migrate_on_start=False,
        bundle_dir=tmp_path / "bundle",
        background_jobs=False,
    )


@pytest.fixture
def live_url(settings: Settings, clock: FixedClock) -> Iterator[str]:
    """The service on a real Uvicorn with a clock the test controls."""
    with serve(create_app(settings=settings, clock=clock)) as url:
        yield url


def issue_tokens(database_url: str, *, people: Sequence[str] = (), services: Sequence[str] = ()) -> dict[str, str]:
    """Issue API tokens straight in the database, as the operator's CLI does: personal and service tokens."""

    async def _issue() -> dict[str, str]:
        engine = create_engine(database_url)
        secrets: dict[str, str] = {}
        try:
            async with create_session_factory(engine)() as session, session.begin():
                for person_id in people:
                    _, secrets[person_id] = await tokens.issue_person_token(
                        session=session, person_id=person_id, issuer=None, label="test", now=DECISION_TIME
                    )
                for service_name in services:
                    _, secrets[service_name] = await tokens.issue_service_token(
                        session=session, service_name=service_name, issued_by="test", label="test", now=DECISION_TIME
                    )
            return secrets
        finally:
            await engine.dispose()

    return asyncio.run(_issue())


def issue_token(database_url: str, *, person_id: str | None = None, service_name: str | None = None) -> str:
    """One token: a person's, or a service bound to its CRM source."""
    if person_id is not None:
        return issue_tokens(database_url, people=[person_id])[person_id]
    assert service_name is not None
    return issue_tokens(database_url, services=[service_name])[service_name]


# The CRM and billing sources of the examples and tests; each integration token reports for one of them.
SOURCES = ("salesforce", "hubspot", "gainsight", "crm", "billing")


@pytest.fixture
def source_tokens(database_url: str) -> dict[str, str]:
    """A service token per CRM source."""
    return issue_tokens(database_url, services=SOURCES)


@pytest.fixture
def service_token(source_tokens: dict[str, str]) -> str:
    """The Salesforce integration's token: it may decide Salesforce's cases and read decisions."""
    return source_tokens["salesforce"]


@pytest.fixture
def directory_tokens(database_url: str) -> dict[str, str]:
    """Seed the demo directory (seeds/directory.json) and issue an API token for every person in it."""

    async def _seed() -> None:
        engine = create_engine(database_url)
        try:
            await load_seed(factory=create_session_factory(engine), path=SEED_DIRECTORY, now=DECISION_TIME)
        finally:
            await engine.dispose()

    asyncio.run(_seed())
    people = json.loads(SEED_DIRECTORY.read_text(encoding="utf-8"))
    return issue_tokens(database_url, people=[p["id"] for p in people])


class BySourceToken(httpx.Auth):
    """Authenticates a request body's CRM source with that source's integration token (reads use the default)."""

    def __init__(self, tokens_by_source: dict[str, str], *, default: str) -> None:
        self._tokens, self._default = tokens_by_source, default

    def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
        token = self._default
        if not isinstance(request.stream, httpx.ByteStream):
            pass  # a streamed body is not read here; it goes with the default token
        elif request.content:
            try:
                body = json.loads(request.content)
            except ValueError:
                body = None
            if isinstance(body, dict) and isinstance(body.get("source"), str):
                token = self._tokens.get(body["source"], self._default)
        request.headers["Authorization"] = f"Bearer {token}"
        yield request


@pytest.fixture
def http(live_url: str, source_tokens: dict[str, str], service_token: str) -> Iterator[httpx.Client]:
    """An HTTP client of the live service, as the CRM integration of each body's source."""
    auth = BySourceToken(source_tokens, default=service_token)
    with httpx.Client(base_url=live_url, timeout=10, auth=auth) as client:
        yield client


@pytest.fixture
async def db_session(database_url: str) -> AsyncIterator[AsyncSession]:
    """A session inside a transaction that is rolled back after the test; commits become savepoints."""
    engine = create_engine(database_url)
    async with engine.connect() as connection:
        transaction = await connection.begin()
        session = AsyncSession(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield session
        finally:
            await session.close()
            await transaction.rollback()
    await engine.dispose()
