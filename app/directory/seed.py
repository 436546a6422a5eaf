"""Loads people from a JSON seed file into the directory (local runs and demos)."""

import asyncio
import json
from datetime import datetime
from pathlib import Path

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.directory import service as directory
from app.directory.schemas import PersonSeed

_People = TypeAdapter(list[PersonSeed])


async def load_seed(*, factory: async_sessionmaker[AsyncSession], path: Path, now: datetime) -> int:
    """Add every person of the file who is missing; people already in the directory are left as they are.

    The directory is the system of record once people exist: a restart must not
    undo a deactivation or a role change made through the API. Returns how many were added.
    """
    people = _People.validate_python(json.loads(await asyncio.to_thread(path.read_text, encoding="utf-8")))
    added = 0
    async with factory() as session, session.begin():
        for person in people:
            added += await directory.add_missing_person(session=session, person_in=person, now=now)
    return added
