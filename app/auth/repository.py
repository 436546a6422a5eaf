"""Every query of API tokens."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import ApiToken


async def token_by_hash(session: AsyncSession, *, token_hash: str) -> ApiToken | None:
    stmt = select(ApiToken).where(ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None))
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_token(session: AsyncSession, *, token_id: str, for_update: bool = False) -> ApiToken | None:
    stmt = select(ApiToken).where(ApiToken.id == token_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalar_one_or_none()


def add(session: AsyncSession, token: ApiToken) -> None:
    session.add(token)
