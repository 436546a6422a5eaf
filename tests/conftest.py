"""Shared fixtures: a real OPA, real SQLite and PostgreSQL databases, and the service on a real Uvicorn."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import FixedClock
from app.config import Settings
from app.database import create_engine, create_session_factory
from app.directory import service as directory
from app.directory.seed import load_seed
from app.main import create_app
from app.migrations_runner import upgrade_to_head
from app.policy.bundle import build_bundle
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
        opa_timeout_seconds=1.0,
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


def issue_token(database_url: str, *, person_id: str | None = None, service_name: str | None = None) -> str:
    """Issue an API token straight in the database, as the admin CLI does."""

    async def _issue() -> str:
        engine = create_engine(database_url)
        try:
            async with create_session_factory(engine)() as session, session.begin():
                _, secret = await directory.create_token(
                    session=session, label="test", now=DECISION_TIME, person_id=person_id, service_name=service_name
                )
            return secret
        finally:
            await engine.dispose()

    return asyncio.run(_issue())


@pytest.fixture
def service_token(database_url: str) -> str:
    """A token for the CRM integration: it may decide cases and read decisions."""
    return issue_token(database_url, service_name="crm-test")


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
    return {p["id"]: issue_token(database_url, person_id=p["id"]) for p in people}


@pytest.fixture
def http(live_url: str, service_token: str) -> Iterator[httpx.Client]:
    """An HTTP client of the live service, authenticated as the CRM integration."""
    with httpx.Client(base_url=live_url, timeout=10, headers={"Authorization": f"Bearer {service_token}"}) as client:
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
