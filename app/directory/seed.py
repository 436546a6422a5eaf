"""Loads people from a JSON seed file into the directory (local runs and demos)."""

import json
from datetime import datetime
from pathlib import Path

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.directory import service as directory
from app.directory.schemas import PersonCreate

_People = TypeAdapter(list[PersonCreate])


async def load_seed(*, factory: async_sessionmaker[AsyncSession], path: Path, now: datetime) -> int:
    """Create or update every person in the file; return how many."""
    people = _People.validate_python(json.loads(path.read_text()))
    async with factory() as session, session.begin():
        for person in people:
            await directory.upsert_person(session=session, person_in=person, now=now)
    return len(people)
