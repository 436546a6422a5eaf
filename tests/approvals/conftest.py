"""Fixtures for the approval workflow: the seeded directory and a token per person."""

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.database import create_engine, create_session_factory
from app.directory.seed import load_seed
from tests.conftest import DECISION_TIME, ROOT, issue_token

SEED = ROOT / "seeds" / "directory.json"


@pytest.fixture
def directory_tokens(database_url: str) -> dict[str, str]:
    """Seed the directory and issue an API token for every person in it."""

    async def _seed() -> None:
        engine = create_engine(database_url)
        try:
            await load_seed(factory=create_session_factory(engine), path=Path(SEED), now=DECISION_TIME)
        finally:
            await engine.dispose()

    asyncio.run(_seed())
    import json

    return {p["id"]: issue_token(database_url, person_id=p["id"]) for p in json.loads(SEED.read_text())}


class People:
    """HTTP clients of the live service, one per person, authenticated with their own token."""

    def __init__(self, base_url: str, tokens: dict[str, str]) -> None:
        self._clients = {
            person: httpx.Client(base_url=base_url, timeout=10, headers={"Authorization": f"Bearer {token}"})
            for person, token in tokens.items()
        }
        self.anonymous = httpx.Client(base_url=base_url, timeout=10)

    def __getitem__(self, person_id: str) -> httpx.Client:
        return self._clients[person_id]

    def close(self) -> None:
        for client in (*self._clients.values(), self.anonymous):
            client.close()


@pytest.fixture
def people(live_url: str, directory_tokens: dict[str, str]) -> Iterator[People]:
    clients = People(live_url, directory_tokens)
    yield clients
    clients.close()
