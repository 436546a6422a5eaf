"""Fixtures for the approval workflow: an HTTP client per person of the seeded directory."""

from collections.abc import Iterator

import httpx
import pytest


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
