"""Schema migrations: Alembic is the only way the schema is created, for the service and its tests."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, make_url
from sqlalchemy.pool import NullPool

from app.database import sync_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """An Alembic configuration for this database, without needing alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", sync_url(database_url).replace("%", "%%"))
    return config


def upgrade_to_head(database_url: str) -> None:
    """Apply every pending migration."""
    if database_url.startswith("sqlite"):
        path = sync_url(database_url).removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(database_url), "head")


# The audit tables: the service role may add rows and read them, nothing else.
AUDIT_TABLES = ("decisions", "case_events", "outcome_events")


def grant_service_role(owner_url: str, service_role: str) -> None:
    """Give the service's role what it needs and no more (PostgreSQL; run as the owner after migrating).

    Every other table: read and write. The audit tables: INSERT and SELECT only, so the service
    cannot UPDATE, DELETE, TRUNCATE or ALTER them (only a table's owner can disable its triggers).
    The chain heads: SELECT and UPDATE (appenders lock and move them). The schema version: SELECT.
    """
    role = quoted_role(service_role)
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"REVOKE UPDATE, DELETE ON {', '.join(AUDIT_TABLES)} FROM {role}",
        f"REVOKE INSERT, DELETE ON audit_chain_heads FROM {role}",
        f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
    ]
    engine = create_engine(sync_url(owner_url), poolclass=NullPool)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


def quoted_role(name: str) -> str:
    if not name or '"' in name:
        raise ValueError(f"not a role name: {name!r}")
    return f'"{name}"'


def migrate(*, database_url: str, owner_url: str | None) -> None:
    """Migrate to head as the owner (when given), then narrow the service role's grants to what it needs."""
    if owner_url is None or owner_url == database_url:
        upgrade_to_head(database_url)
        return
    upgrade_to_head(owner_url)
    service_role = make_url(database_url).username
    if make_url(owner_url).get_backend_name() == "postgresql" and service_role:
        grant_service_role(owner_url, service_role)
