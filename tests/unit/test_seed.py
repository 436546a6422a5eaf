"""The seed directory adds missing people only: once someone exists, the directory (not the file) is the record.

A restart loads the seed again; it must not reactivate a person an administrator deactivated or give back
roles that were taken away. Runs on both databases.
"""

import asyncio
import json
from pathlib import Path

import httpx

from app.clock import FixedClock
from app.config import Settings
from app.database import create_engine, create_session_factory
from app.directory import service as directory
from app.directory.schemas import PersonCreate
from app.directory.seed import load_seed
from app.main import create_app
from tests.conftest import DECISION_TIME, issue_token
from tests.support.live_server import serve

PEOPLE = [
    {"id": "u-admin", "name": "Ada Admin", "email": "ada@example.com", "roles": [], "is_admin": True},
    {"id": "u-fin-01", "name": "Fran Ng", "email": "fran@example.com", "roles": ["finance"]},
    {"id": "u-legal-01", "name": "Lou Grant", "email": "lou@example.com", "roles": ["legal"]},
]
NEWCOMER = {"id": "u-revops-01", "name": "Rae Diaz", "email": "rae@example.com", "roles": ["revops"]}


def _seed_file(tmp_path: Path, people: list[dict]) -> Path:
    path = tmp_path / "directory.json"
    path.write_text(json.dumps(people), encoding="utf-8")
    return path


def _directory(database_url: str) -> dict[str, dict]:
    """Everyone in the directory, read straight from the database."""

    async def _read() -> dict[str, dict]:
        engine = create_engine(database_url)
        try:
            async with create_session_factory(engine)() as session:
                return {
                    p.id: {"name": p.name, "roles": sorted(p.roles), "active": p.active, "is_admin": p.is_admin}
                    for p in await directory.list_people(session=session)
                }
        finally:
            await engine.dispose()

    return asyncio.run(_read())


def _load(database_url: str, path: Path) -> int:
    async def _run() -> int:
        engine = create_engine(database_url)
        try:
            return await load_seed(factory=create_session_factory(engine), path=path, now=DECISION_TIME)
        finally:
            await engine.dispose()

    return asyncio.run(_run())


def _change_through_the_service(database_url: str) -> None:
    """What an administrator's PUT does: Fran leaves finance for legal and is deactivated."""

    async def _run() -> None:
        engine = create_engine(database_url)
        try:
            async with create_session_factory(engine)() as session, session.begin():
                await directory.upsert_person(
                    session=session,
                    person_id="u-fin-01",
                    person_in=PersonCreate(name="Fran Ng", email="fran@example.com", roles=["legal"], active=False),
                    now=DECISION_TIME,
                )
        finally:
            await engine.dispose()

    asyncio.run(_run())


def test_loading_the_seed_again_adds_the_missing_and_keeps_changes_made_since(
    database_url: str, tmp_path: Path
) -> None:
    assert _load(database_url, _seed_file(tmp_path, PEOPLE)) == 3
    _change_through_the_service(database_url)

    added = _load(database_url, _seed_file(tmp_path, [*PEOPLE, NEWCOMER]))
    again = _load(database_url, _seed_file(tmp_path, [*PEOPLE, NEWCOMER]))

    assert (added, again) == (1, 0)
    people = _directory(database_url)
    assert sorted(people) == ["u-admin", "u-fin-01", "u-legal-01", "u-revops-01"]
    assert people["u-fin-01"] == {"name": "Fran Ng", "roles": ["legal"], "active": False, "is_admin": False}
    assert people["u-revops-01"] == {"name": "Rae Diaz", "roles": ["revops"], "active": True, "is_admin": False}
    assert people["u-legal-01"]["roles"] == ["legal"] and people["u-legal-01"]["active"] is True


def test_a_restart_with_the_seed_keeps_a_deactivation_made_through_the_api(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    seeded = settings.model_copy(update={"seed_directory_file": _seed_file(tmp_path, PEOPLE)})
    clock = FixedClock(DECISION_TIME)

    with serve(create_app(settings=seeded, clock=clock)) as url:  # first start: seeds everyone
        admin = {"Authorization": f"Bearer {issue_token(database_url, person_id='u-admin')}"}
        changed = httpx.put(
            f"{url}/v1/people/u-fin-01",
            json={"name": "Fran Ng", "email": "fran@example.com", "roles": ["revops", "legal"], "active": False},
            headers=admin,
        )
        assert changed.status_code == 200, changed.text

    reseeded = seeded.model_copy(update={"seed_directory_file": _seed_file(tmp_path, [*PEOPLE, NEWCOMER])})
    with serve(create_app(settings=reseeded, clock=clock)) as url:  # the restart loads the seed again
        fran = httpx.get(f"{url}/v1/people/u-fin-01", headers=admin)
        newcomer = httpx.get(f"{url}/v1/people/u-revops-01", headers=admin)

    assert fran.status_code == 200, fran.text
    assert (fran.json()["active"], fran.json()["roles"]) == (False, ["legal", "revops"])
    assert newcomer.status_code == 200 and newcomer.json()["active"] is True
