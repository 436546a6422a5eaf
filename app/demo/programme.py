"""A demo programme: about a year of save cases, decided, approved and followed up, so the metrics have data.

    .venv/bin/python -m app.demo [--months 12] [--cases 400] [--seed 7]

Runs on the service's settings (DATABASE_URL: the embedded SQLite by default;
OPA_URL, or its own OPA on loopback as the service starts one): migrates the
database, loads the demo directory (seeds/directory.json, or
SEED_DIRECTORY_FILE) and then runs everything through the real domain code in
simulated time, over the last --months months: each case is decided by the
policy, its approval chain is walked by the people it is assigned to, and the
CRM and the billing system report what each authorized offer led to. Nothing
is inserted behind the domain's back, and nothing is dated after now.

The CRM event ids come from the seed (demo-7-0000 …): a second run with the
same seed finds its first case already decided and adds nothing.
"""

import argparse
import asyncio
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TextIO

from app.approvals.context import WorkflowContext
from app.clock import SystemClock
from app.config import PROJECT_ROOT, Settings, get_settings
from app.database import Database, create_engine, create_read_session_factory, create_session_factory
from app.decisions import repository as decisions_repository
from app.demo.plan import CRM_SOURCES, PlannedCase, plan_cases
from app.demo.sim import Simulation
from app.directory import repository as directory_repository
from app.directory.seed import load_seed
from app.errors import ServiceError
from app.migrations_runner import upgrade_to_head
from app.policy.client import PolicyClient
from app.policy.supervisor import EmbeddedOpa
from app.programme import metrics
from app.programme.schemas import ProgrammeFilter, ProgrammeRead
from app.vocabulary import DIRECTORY_ONLY_ROLES, OWNER_ROLE

DEFAULT_SEED_DIRECTORY = PROJECT_ROOT / "seeds" / "directory.json"
METRICS_URL = "localhost:8000/v1/metrics/programme"
# Whom the hint mints a token for: the first role of these someone in the directory holds (all read the metrics).


@dataclass(frozen=True, kw_only=True)
class DemoResult:
    """What a run did: loaded is False when the seed's demo was already in the database (then nothing was added)."""

    loaded: bool
    first_event_id: str
    tally: dict[str, int]
    seconds: float
    programme: ProgrammeRead  # the metrics of the whole database after the run


@dataclass(frozen=True, kw_only=True)
class _People:
    owners: list[str]
    requesters: list[str]
    reader: str | None


async def _people(db: Database) -> _People:
    async with db.read() as session:
        people = list(await directory_repository.active_people(session))
    owners = [p.id for p in people if OWNER_ROLE in p.roles]
    if not owners:
        raise ServiceError("The directory has no active account owner, so no case could be routed to anyone.")
    readers = [p.id for role in metrics.READER_ROLES for p in people if role in p.roles]
    readers += [p.id for p in people if p.is_admin]
    return _People(
        owners=owners,
        requesters=[p.id for p in people if set(DIRECTORY_ONLY_ROLES) & set(p.roles)] or owners,
        reader=readers[0] if readers else None,
    )


async def _already_loaded(db: Database, first: PlannedCase) -> bool:
    async with db.read() as session:
        for source in CRM_SOURCES:
            if await decisions_repository.get_by_event(session, source=source, event_id=first.event_id):
                return True
    return False


@asynccontextmanager
async def _policy(settings: Settings) -> AsyncIterator[PolicyClient]:
    """OPA_URL's OPA, or an OPA of its own on loopback (as the service runs when OPA_URL is unset)."""
    embedded: EmbeddedOpa | None = None
    url = settings.opa_url
    if not url:
        embedded = EmbeddedOpa.from_settings(settings)
        await embedded.start()
        url = embedded.url
    client = PolicyClient(url=url, timeout_seconds=settings.opa_timeout_seconds, retries=settings.opa_retries)
    await client.open()
    try:
        yield client
    finally:
        await client.close()
        if embedded is not None:
            await embedded.stop()


async def run_demo(
    *,
    settings: Settings,
    months: int = 12,
    cases: int = 400,
    seed: int = 7,
    end: datetime | None = None,
    out: TextIO = sys.stdout,
) -> DemoResult:
    """Generate the demo programme up to end (default: now) and print what it did; see the module docstring."""
    if cases < 1 or months < 1:
        raise ValueError("the demo needs at least one case and one month")
    started = time.perf_counter()
    end = end or SystemClock().now()
    start = end - timedelta(days=round(months * 365.25 / 12))
    await asyncio.to_thread(upgrade_to_head, settings.database_url)
    engine = create_engine(settings.database_url)
    db = Database(writer=create_session_factory(engine), reader=create_read_session_factory(engine))
    try:
        await load_seed(factory=db.writer, path=settings.seed_directory_file or DEFAULT_SEED_DIRECTORY, now=start)
        people = await _people(db)
        planned = plan_cases(
            seed=seed, count=cases, start=start, end=end, owners=people.owners, requesters=people.requesters
        )
        loaded = not await _already_loaded(db, planned[0])
        tally: dict[str, int] = {}
        if loaded:
            async with _policy(settings) as policy:
                ctx = WorkflowContext(targets=await policy.escalation_targets(), crm_url=None)
                simulation = Simulation(db=db, policy=policy, ctx=ctx, seed=seed, end=end)
                for case in planned:
                    simulation.add(case)
                await simulation.run()
                tally = dict(simulation.tally)
        async with db.read() as session:
            programme = await metrics.programme(session=session, flt=ProgrammeFilter())
    finally:
        await engine.dispose()
    result = DemoResult(
        loaded=loaded,
        first_event_id=planned[0].event_id,
        tally=tally,
        seconds=round(time.perf_counter() - started, 1),
        programme=programme,
    )
    _report(result, seed=seed, months=months, settings=settings, reader=people.reader, out=out)
    return result


def _report(result: DemoResult, *, seed: int, months: int, settings: Settings, reader: str | None, out: TextIO) -> None:
    t = result.tally
    if result.loaded:
        print(
            f"Demo programme loaded (seed {seed}, the last {months} months) in {result.seconds} s:\n"
            f"  {t.get('cases', 0)} cases decided: {t.get('route', 0)} routed, {t.get('pause', 0)} paused, "
            f"{t.get('decline', 0)} declined\n"
            f"  {t.get('case_authorized', 0)} authorized, {t.get('case_rejected', 0)} rejected, "
            f"{t.get('case_changes_requested', 0)} sent back for changes, the rest still in review or held\n"
            f"  {sum(v for k, v in t.items() if k.startswith('task_'))} approval actions, "
            f"{t.get('outcomes', 0)} outcome reports (CRM and billing)"
            + (f"; {t['refused']} steps refused (see the warnings)" if t.get("refused") else ""),
            file=out,
        )
    else:
        print(
            f"The demo programme of seed {seed} is already loaded (its first case, event {result.first_event_id}, "
            "was decided before): nothing was added. Use another --seed to add another one.",
            file=out,
        )
    p = result.programme
    print(
        f"The programme now: {p.save_requests} save requests, {p.offer_approval_rate.numerator} offers "
        f"authorized, {p.save_rate.numerator} saves ({p.confirmed_save_rate.numerator} confirmed), "
        f"{p.regretted_saves.count} regretted.",
        file=out,
    )
    env = (
        ""
        if settings.database_url == Settings.model_fields["database_url"].default
        else (f"DATABASE_URL='{settings.database_url}' ")
    )
    who = reader or "<person-id of an executive, CS leader, finance, revops or admin>"
    print(
        "See the metrics: start the service, mint a token for someone who may read them, and ask:\n"
        f"  {env}scripts/serve.sh   # in another terminal\n"
        f"  TOKEN=$({env}.venv/bin/python -m app.directory.cli person-token {who})\n"
        f'  curl -H "Authorization: Bearer $TOKEN" {METRICS_URL}\n'
        "or sign in with that token at http://localhost:8000/sign-in and open the programme dashboard.",
        file=out,
    )


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.demo", description=__doc__.split("\n")[0])
    parser.add_argument("--months", type=_positive, default=12, help="how far back the programme starts (12)")
    parser.add_argument("--cases", type=_positive, default=400, help="how many save cases (400)")
    parser.add_argument("--seed", type=int, default=7, help="the same seed gives the same programme (7)")
    args = parser.parse_args(argv)
    try:
        asyncio.run(run_demo(settings=get_settings(), months=args.months, cases=args.cases, seed=args.seed))
    except ServiceError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
