"""The ASGI application: app.main:app. Wires the API, the embedded OPA and the background jobs."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api import approvals, audit, decisions, health, outcomes, people, policy, programme, save_cases, tokens
from app.api.errors import http_error_handler, service_error_handler, validation_error_handler
from app.api.middleware import AccessLog, BodySizeLimit, NulInParameters
from app.api.pages import site as pages
from app.approvals import scheduler
from app.audit import jobs as audit_jobs
from app.background import Periodic
from app.clock import Clock, SystemClock
from app.config import Settings, get_settings
from app.database import Database, create_engine, create_read_session_factory, create_session_factory
from app.directory.seed import load_seed
from app.errors import ServiceError
from app.migrations_runner import migrate
from app.notifications import sender
from app.observability import configure_logging
from app.policy.client import PolicyClient
from app.policy.supervisor import EmbeddedOpa
from app.shadow.service import ShadowEvaluator

logger = logging.getLogger(__name__)


async def _start_shadow(
    settings: Settings, factory: async_sessionmaker[AsyncSession], clock: Clock
) -> ShadowEvaluator | None:
    """The shadow evaluator when SHADOW_RELEASE is set; a shadow that cannot start is logged, never fatal."""
    if settings.shadow_release is None:
        return None
    shadow = ShadowEvaluator(settings=settings, factory=factory, clock=clock)
    try:
        await shadow.start()
    except (RuntimeError, OSError) as exc:
        logger.error("shadow mode off: %s", exc)
        return None
    return shadow


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    if settings.migrate_on_start:
        await asyncio.to_thread(migrate, database_url=settings.database_url, owner_url=settings.database_owner_url)
    engine = create_engine(settings.database_url)
    app.state.session_factory = create_session_factory(engine)
    app.state.database = Database(writer=app.state.session_factory, reader=create_read_session_factory(engine))
    embedded: EmbeddedOpa | None = None
    if settings.opa_url:
        opa_url = settings.opa_url
    else:
        embedded = EmbeddedOpa.from_settings(settings)
        await embedded.start()
        opa_url = embedded.url
    app.state.embedded_opa = embedded
    policy_client = PolicyClient(
        url=opa_url, timeout_seconds=settings.opa_timeout_seconds, retries=settings.opa_retries
    )
    await policy_client.open()
    app.state.policy = policy_client
    app.state.shadow = await _start_shadow(settings, app.state.session_factory, app.state.clock)
    clock: Clock = app.state.clock
    if settings.seed_directory_file:
        added = await load_seed(factory=app.state.session_factory, path=settings.seed_directory_file, now=clock.now())
        logger.info("directory seeded", extra={"people_added": added, "file": str(settings.seed_directory_file)})
    http = httpx.AsyncClient(timeout=10)
    jobs = [
        Periodic(
            name="escalations",
            interval=settings.scheduler_interval_seconds,
            job=lambda: scheduler.run_once(
                factory=app.state.session_factory, targets=policy_client, clock=clock, crm_url=settings.crm_notify_url
            ),
        ),
        Periodic(
            name="outbox",
            interval=settings.outbox_interval_seconds,
            job=lambda: sender.send_due(
                factory=app.state.session_factory,
                http=http,
                secret=settings.notify_signing_secret.get_secret_value(),
                now=clock.now(),
                max_attempts=settings.outbox_max_attempts,
                lease=timedelta(seconds=settings.outbox_lease_seconds),
            ),
        ),
    ]
    if settings.audit_checkpoint_interval_seconds:
        jobs.append(
            Periodic(
                name="audit-checkpoints",
                interval=settings.audit_checkpoint_interval_seconds,
                job=audit_jobs.interval_job(settings=settings, now=clock.now),
            )
        )
    if settings.background_jobs:
        for job in jobs:
            job.start()
    logger.info("service ready", extra={"opa_url": opa_url, "embedded_opa": embedded is not None})
    try:
        yield
    finally:
        for job in jobs:
            await job.stop()
        await http.aclose()
        await policy_client.close()
        if app.state.shadow is not None:
            await app.state.shadow.stop()
        if embedded:
            await embedded.stop()
        await engine.dispose()


def create_app(*, settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    """Build the service; tests pass their own settings and a clock they control."""
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    app = FastAPI(
        title="Save-offer decisions",
        version="1.0.0",
        summary="Routes customer save offers through versioned OPA policy and records every decision.",
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.clock = clock or SystemClock()
    for module in (save_cases, outcomes, decisions, approvals, programme, people, tokens, policy, audit, health):
        for route in module.router.routes:
            # Clients and the committed contract name operations by id: none may be generated.
            assert isinstance(route, APIRoute) and route.operation_id, f"{route} needs a stable operation_id"
        app.include_router(module.router)
    # The pages for people (sign-in, inbox, case, programme …): server-rendered, outside the OpenAPI contract.
    pages.install(app)
    app.add_exception_handler(ServiceError, service_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(NulInParameters)
    app.add_middleware(AccessLog)
    return app


app = create_app()
