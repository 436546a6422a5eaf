"""Service settings: the one place configuration is read from the environment."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every setting the service reads, with the embedded defaults for local runs."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'var' / 'save-offers.db'}",
        description=(
            "SQLAlchemy URL of the decision log; SQLite file by default, postgresql+psycopg://… for PostgreSQL."
        ),
    )
    database_owner_url: str | None = Field(
        default=None,
        description=(
            "PostgreSQL: the URL of the role that owns the tables and runs the migrations. When set, the service "
            "migrates with it and then grants DATABASE_URL's role only INSERT and SELECT on the audit tables, so "
            "the service cannot change, delete, truncate or un-trigger them. Unset: DATABASE_URL does both."
        ),
    )
    audit_checkpoint_dir: Path = Field(
        default=PROJECT_ROOT / "var" / "audit-checkpoints",
        description=(
            "Where signed audit checkpoints are written: a directory outside the database (a mounted object-store "
            "bucket works). The verifier checks the database against every checkpoint in it."
        ),
    )
    audit_checkpoint_interval_seconds: float = Field(
        default=300.0,
        ge=0,
        description="How often the service signs a checkpoint of the audit chains (0: only on demand).",
    )
    audit_signing_key_file: Path | None = Field(
        default=None,
        description="PEM Ed25519 private key signing audit checkpoints; unset: a development key in RELEASE_KEY_DIR.",
    )
    audit_verification_key_file: Path | None = Field(
        default=None,
        description="PEM Ed25519 public key checkpoints are verified with; unset: the public half of the signing key.",
    )
    opa_url: str | None = Field(
        default=None,
        description=(
            "URL of an OPA server to use; when unset the service starts and supervises its own OPA on loopback."
        ),
    )
    opa_binary: Path = Field(
        default=PROJECT_ROOT / ".tools" / "bin" / "opa", description="OPA binary for the embedded server."
    )
    policy_dir: Path = Field(
        default=PROJECT_ROOT / "policies", description="Policy bundle directory loaded by the embedded OPA."
    )
    bundle_dir: Path = Field(
        default=PROJECT_ROOT / "var" / "bundle",
        description=(
            "The bundle location: the published release (bundle.tar.gz) that the embedded OPA polls; "
            "`python -m app.policy.release publish` replaces it."
        ),
    )
    release_dir: Path = Field(
        default=PROJECT_ROOT / "var" / "releases",
        description="Where `python -m app.policy.release build` keeps the signed releases (<name>.tar.gz).",
    )
    release_key_dir: Path = Field(
        default=PROJECT_ROOT / "var" / "keys",
        description="Where a development key pair for signing releases is generated on first use (no key set).",
    )
    release_signing_key_file: Path | None = Field(
        default=None,
        description="PEM RSA private key that signs releases (RS256); unset: the development key in RELEASE_KEY_DIR.",
    )
    release_verification_key_file: Path | None = Field(
        default=None,
        description=(
            "PEM RSA public key OPA verifies releases with; unset: the public half of the signing key "
            "(RELEASE_SIGNING_KEY_FILE, or the development key)."
        ),
    )
    release_key_id: str = Field(
        default="save-offers-release",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
        description="Name of the verification key in OPA's configuration (keys.<id>, bundles.*.signing.keyid).",
    )
    shadow_release: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
        description=(
            "Shadow mode: a release in RELEASE_DIR that decides beside the live policy on live traffic, after "
            "each response, without changing any answer; its decisions are stored for the impact report."
        ),
    )
    shadow_max_pending: int = Field(
        default=64, ge=1, description="Shadow evaluations waiting or running at most; beyond it they are dropped."
    )
    shadow_timeout_seconds: float = Field(default=2.0, gt=0, description="Timeout of one shadow evaluation.")
    shadow_flush_seconds: float = Field(
        default=1.0, gt=0, description="Shadow decisions are written in one transaction this often."
    )
    bundle_polling_min_delay_seconds: int = Field(
        default=2,
        ge=1,
        description="The embedded OPA asks the bundle location for a new release at least this far apart.",
    )
    bundle_polling_max_delay_seconds: int = Field(
        default=5,
        ge=1,
        description="… and at most this far apart: a published release is live within this many seconds.",
    )
    opa_timeout_seconds: float = Field(default=2.0, gt=0, description="Timeout of one OPA query attempt.")
    opa_retries: int = Field(
        default=2, ge=0, le=5, description="Retries of a failed OPA query (connection errors and 502/503/504)."
    )
    opa_start_timeout_seconds: float = Field(
        default=15.0, gt=0, description="How long the embedded OPA may take to become healthy."
    )
    opa_watch_interval_seconds: float = Field(
        default=1.0, gt=0, description="How often the embedded OPA is checked and restarted if it died."
    )
    # A decision with its save option drafts allocates enough inside OPA that, at Go's default of 100,
    # garbage collection took about a fifth of OPA's CPU; 400 cut OPA's CPU per decision from 5.7 to
    # 4.4 ms for about 35 MiB more resident memory (scripts/benchmark.py runs its OPA the same way).
    opa_gogc: int = Field(
        default=400,
        ge=25,
        le=2000,
        description="Go's GOGC for the embedded OPA: how much its heap may grow before a garbage collection, in %.",
    )
    max_body_bytes: int = Field(
        default=64 * 1024, gt=0, description="Largest accepted request body; larger bodies get 413."
    )
    migrate_on_start: bool = Field(default=True, description="Run Alembic migrations to head when the service starts.")
    log_level: str = Field(default="INFO", description="Log level of the service's JSON logs.")
    webhook_secrets: dict[str, SecretStr] = Field(
        default_factory=dict,
        description='Per-source HMAC secrets for signed CRM webhooks, as JSON: {"salesforce": "…"}.',
    )
    webhook_replay_window_seconds: int = Field(default=300, gt=0, description="How old a signed webhook may be.")
    seed_directory_file: Path | None = Field(
        default=None, description="A JSON file of people loaded into the directory at start-up (local runs)."
    )
    crm_notify_url: str | None = Field(default=None, description="Where case state changes are posted for the CRM.")
    notify_signing_secret: SecretStr = Field(
        default=SecretStr("local-development-only"),
        description="HMAC secret that signs outbound notifications (header X-Signature).",
    )
    outbox_interval_seconds: float = Field(default=1.0, gt=0, description="How often pending notifications are sent.")
    outbox_max_attempts: int = Field(default=8, ge=1, description="Attempts before a notification is marked dead.")
    outbox_lease_seconds: float = Field(
        default=60.0,
        gt=0,
        description=(
            "How long a claimed notification is reserved for the process that claimed it; if that process dies "
            "mid-send, another sends it once the lease has passed (at least once, with the same Idempotency-Key). "
            "Each send is cut off at half the lease (at most 10 s), so a live sender records its answer in time."
        ),
    )
    background_jobs: bool = Field(
        default=True, description="Run the escalation scheduler and the outbox sender in this process."
    )
    readiness_timeout_seconds: float = Field(
        default=0.8,
        gt=0,
        le=5,
        description="Each readiness check (database write, OPA decision rule) is cut off after this.",
    )
    scheduler_interval_seconds: float = Field(default=30.0, gt=0, description="How often overdue tasks are escalated.")
    web_session_minutes: int = Field(
        default=480,
        ge=1,
        le=7 * 24 * 60,
        description=(
            "How long a web page session lasts after sign-in (minutes); then the person signs in again with their "
            "personal token. Signing out ends it at once."
        ),
    )
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description=(
            "Uvicorn worker processes started by scripts/serve.sh (and the container). Several workers need "
            "PostgreSQL: SQLite has one writer, so serve.sh refuses WORKERS > 1 on a SQLite DATABASE_URL. With no "
            "OPA_URL each worker starts and supervises its own OPA; set OPA_URL to share one. The scheduler and the "
            "outbox sender run in every worker and do each piece of work once (row locks, SKIP LOCKED, a lease)."
        ),
    )

    @model_validator(mode="after")
    def _polling_window(self) -> "Settings":
        if self.bundle_polling_max_delay_seconds < self.bundle_polling_min_delay_seconds:
            raise ValueError("BUNDLE_POLLING_MAX_DELAY_SECONDS must not be below BUNDLE_POLLING_MIN_DELAY_SECONDS")
        return self


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings, read once."""
    return Settings()
