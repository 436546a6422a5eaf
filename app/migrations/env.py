"""Alembic environment: migrations run with a sync driver against the configured database."""

from alembic import context
from sqlalchemy import engine_from_config, pool

# Every model, so the metadata names every table (autogenerate compares against it).
import app.approvals.models
import app.auth.models
import app.cases.models
import app.decisions.models
import app.directory.models
import app.notifications.models
import app.outcomes.models
import app.programme.models
import app.releases.models
import app.shadow.models  # noqa: F401
from app.config import get_settings
from app.database import Base, sync_url

config = context.config
# Any constant of this application's own; two processes migrating one PostgreSQL database share it.
_MIGRATION_LOCK = 7_300_421_117
target_metadata = Base.metadata
if not config.get_main_option("sqlalchemy.url"):
    # Run by hand with alembic.ini: use the service's own setting.
    config.set_main_option("sqlalchemy.url", sync_url(get_settings().database_url).replace("%", "%%"))


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with connectable.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Replicas starting together migrate one at a time; the others then find nothing to do.
            # A session-level lock, held until this (unpooled) connection closes.
            connection.exec_driver_sql(f"SELECT pg_advisory_lock({_MIGRATION_LOCK})")
            connection.commit()
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
