"""Database engine and the request-scoped session that owns the transaction."""

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import DateTime, Dialect, TypeDecorator, event
from sqlalchemy.dialects.postgresql import Insert as PostgresqlInsert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm.exc import StaleDataError

from app.errors import ChainBroken, Conflict, DatabaseUnavailable
from app.observability import decision_id_var

logger = logging.getLogger(__name__)


class Base(DeclarativeBase):
    pass


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored and read back as timezone-aware UTC, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _with_driver(url: str, *, sqlite: str) -> str:
    parsed = make_url(url)
    match parsed.get_backend_name():
        case "sqlite":
            return parsed.set(drivername=sqlite).render_as_string(hide_password=False)
        case "postgresql":
            return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        case other:
            raise ValueError(f"unsupported database {other!r}: use sqlite or postgresql")


def async_url(url: str) -> str:
    """The async-driver form of a database URL (aiosqlite for SQLite, psycopg for PostgreSQL)."""
    return _with_driver(url, sqlite="sqlite+aiosqlite")


def sync_url(url: str) -> str:
    """The sync-driver form of a database URL, for Alembic."""
    return _with_driver(url, sqlite="sqlite")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while a decision is written; the busy timeout makes
    # concurrent writers queue instead of failing with "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    # The driver's own transaction handling lets RELEASE SAVEPOINT commit everything
    # (it emits no BEGIN before a SAVEPOINT), so a request that failed after its
    # savepoint kept its writes. SQLAlchemy begins transactions itself instead.
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front, so concurrent writers queue on the
    # busy timeout instead of failing to upgrade a read snapshot. Read sessions
    # begin DEFERRED: in WAL mode a reader takes no lock at all.
    mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    connection.exec_driver_sql(f"BEGIN {mode}")


def create_engine(url: str, *, json_deserializer: Callable[[str], Any] | None = None) -> AsyncEngine:
    """Create the service's async engine for a sqlite or postgresql URL (JSON read with json.loads unless given)."""
    options: dict[str, Any] = {} if json_deserializer is None else {"json_deserializer": json_deserializer}
    sqlite = make_url(url).get_backend_name() == "sqlite"
    # The ping before each checkout finds PostgreSQL connections the server dropped (a restart, a failover).
    # A SQLite connection is an open file that cannot go stale; there the ping (a SELECT 1, several round
    # trips to aiosqlite's thread) would only cost CPU on every session of every request.
    engine = create_async_engine(async_url(url), pool_pre_ping=not sqlite, **options)
    if sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that write: on SQLite each takes this process's writer turn and begins IMMEDIATE."""
    return async_sessionmaker(engine, expire_on_commit=False)


def create_read_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that only read: no writer turn, and on SQLite a deferred transaction."""
    return async_sessionmaker(engine.execution_options(sqlite_begin="DEFERRED"), expire_on_commit=False)


# SQLite has one writer, and every transaction begins IMMEDIATE. Requests of this
# process queue here in order instead of polling SQLite's busy handler, whose
# growing sleeps made the slowest 1% of decisions wait over a second under load.
_sqlite_turns: "weakref.WeakKeyDictionary[AsyncEngine, asyncio.Lock]" = weakref.WeakKeyDictionary()


@asynccontextmanager
async def _turn(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[None]:
    engine = factory.kw.get("bind")
    if not isinstance(engine, AsyncEngine) or engine.dialect.name != "sqlite":
        yield
        return
    async with _sqlite_turns.setdefault(engine, asyncio.Lock()):
        yield


@asynccontextmanager
async def session_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """Yield a session; commit when the request succeeded, roll back when it failed."""
    async with _turn(factory), factory() as session:
        try:
            yield session
        except StaleDataError as exc:
            await session.rollback()
            raise _lost_race() from exc
        except SQLAlchemyError as exc:
            await session.rollback()
            raise _unavailable(exc, "The database could not be read or written; nothing was recorded.") from exc
        except BaseException:
            await session.rollback()
            raise
        try:
            await session.commit()
        except StaleDataError as exc:
            await session.rollback()
            raise _lost_race() from exc
        except SQLAlchemyError as exc:
            await session.rollback()
            if _sqlstate(exc) == ChainBroken.sqlstate:
                # The database's own sentence names the chain and the missing place.
                raise ChainBroken(str(getattr(exc, "orig", exc)).splitlines()[0]) from exc
            raise _unavailable(exc, "The database could not be written; nothing was recorded.") from exc


@asynccontextmanager
async def read_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """Yield a session for reads; it holds no writer turn, and its transaction ends with it.

    Closing (not rolling back) ends the transaction and detaches what was read with
    its attributes loaded, so a replayed decision can still be returned.
    """
    async with factory() as session:
        try:
            yield session
        except SQLAlchemyError as exc:
            raise _unavailable(exc, "The database could not be read.") from exc
        finally:
            await session.close()


def insert_if_absent(
    session: AsyncSession, model: type[Base], values: dict[str, Any]
) -> PostgresqlInsert | SqliteInsert:
    """INSERT … ON CONFLICT (id) DO NOTHING for the session's database (SQLite or PostgreSQL)."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(model).values(**values).on_conflict_do_nothing(index_elements=["id"])


@dataclass(frozen=True)
class Database:
    """The two ways a request uses the database: short reads, and one write transaction.

    A use-case that must ask OPA reads first, asks, and only then writes, so no
    database lock or SQLite writer turn is ever held across a call to OPA.
    """

    writer: async_sessionmaker[AsyncSession]
    reader: async_sessionmaker[AsyncSession]

    def read(self) -> AbstractAsyncContextManager[AsyncSession]:
        return read_scope(self.reader)

    def write(self) -> AbstractAsyncContextManager[AsyncSession]:
        return session_scope(self.writer)


def _lost_race() -> Conflict:
    # A conditional write found another version: someone else changed the row first.
    return Conflict("The case or task was changed by someone else at the same moment; read it again.")


# PostgreSQL's deadlock_detected and serialization_failure: the transaction may simply be tried again.
_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
_T = TypeVar("_T")


def _sqlstate(exc: SQLAlchemyError) -> str | None:
    return getattr(getattr(exc, "orig", None), "sqlstate", None)


def _retryable(exc: DBAPIError) -> bool:
    return _sqlstate(exc) in _RETRYABLE_SQLSTATES


async def retry_on_deadlock(
    session: AsyncSession, work: Callable[[AsyncSession], Awaitable[_T]], *, attempts: int = 3
) -> _T:
    """Run work in a savepoint, again (a bounded number of times) if PostgreSQL picks it as a deadlock victim."""
    for attempt in range(1, attempts + 1):
        try:
            async with session.begin_nested():
                return await work(session)
        except DBAPIError as exc:
            if not _retryable(exc) or attempt == attempts:
                raise
            logger.warning("deadlock or serialization failure; retrying", extra={"attempt": attempt})
            await asyncio.sleep(0.02 * attempt)
    raise AssertionError("unreachable")


def _unavailable(exc: SQLAlchemyError, message: str) -> DatabaseUnavailable:
    """Log a failed request's database error, without the decision id it would have recorded, and make it a 503."""
    error = DatabaseUnavailable(message)
    decision_id_var.set(None)
    logger.error(
        "database error; transaction rolled back", extra={"code": error.code, "error": str(exc).splitlines()[0]}
    )
    return error
