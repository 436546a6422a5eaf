"""The programme-metrics phases of scripts/benchmark.py: seed a million cases, then time the metrics.

scripts/seed_programme.py writes the cases, their facts and the outcome events; each metrics call
runs in process, in its own read session, as a request's would.
"""

import json
import statistics
import subprocess
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmark_support import PYTHON, ROOT

PROGRAMME_TABLES = ("decisions", "save_cases", "programme_case_facts", "outcome_events")


def seed_programme(
    database_url: str, cases: int, events: int, workdir: Path, log: Callable[[str], None]
) -> dict[str, Any]:
    started = time.perf_counter()
    command = [str(PYTHON), str(ROOT / "scripts" / "seed_programme.py"), "--database-url", database_url]
    log_path = workdir / "seed-programme.log"
    with log_path.open("w") as seeder_output:
        completed = subprocess.run(
            [*command, "--cases", str(cases), "--events", str(events)],
            cwd=ROOT,
            stdout=seeder_output,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if completed.returncode:
        raise RuntimeError(f"seed_programme.py exited {completed.returncode}\n{log_path.read_text()[-2000:]}")
    seconds = time.perf_counter() - started
    summary = json.loads(log_path.read_text().strip().splitlines()[-1])  # its last line: what it wrote
    log(f"seeded {cases} cases and {summary['events']} outcome events in {seconds:.0f} s ({cases / seconds:.0f}/s)")
    return {**summary, "seconds": seconds, "cases_per_second": cases / seconds}


async def _programme_queries(session: Any) -> list[tuple[str, Any]]:
    """The filters measured, with values the seeded facts hold (read unmeasured)."""
    from sqlalchemy import func, select

    from app.programme.models import CaseFacts
    from app.programme.schemas import ProgrammeFilter

    newest = (await session.execute(select(func.max(CaseFacts.requested_at)))).scalar_one()
    if newest is None:
        raise RuntimeError("no programme facts")
    revision = (
        await session.execute(
            select(CaseFacts.policy_revision)
            .group_by(CaseFacts.policy_revision)
            .order_by(func.count().desc(), CaseFacts.policy_revision)
            .limit(1)
        )
    ).scalar_one()
    # The three full months before the newest request's month.
    first_day = newest.date().replace(day=1)
    last_day = first_day - timedelta(days=1)
    start = first_day
    for _ in range(3):
        start = (start - timedelta(days=1)).replace(day=1)
    return [
        ("no filter", ProgrammeFilter()),
        (f"{start:%Y-%m} to {last_day:%Y-%m}", ProgrammeFilter(from_date=start, to_date=last_day)),
        ("segment enterprise", ProgrammeFilter(segment="enterprise")),
        ("price + discount", ProgrammeFilter(reason_class="price", offer_type="discount")),
        ("one revision", ProgrammeFilter(policy_revision=revision)),
    ]


async def programme_figures(database_url: str, runs: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Per query: the first call, then `runs` more; each call in its own read session, as a request's."""
    from app.database import create_engine, create_read_session_factory, read_scope
    from app.programme import metrics

    engine = create_engine(database_url)
    factory = create_read_session_factory(engine)
    figures: dict[str, Any] = {}
    try:
        async with read_scope(factory) as session:
            queries = await _programme_queries(session)
        for name, flt in queries:
            seconds: list[float] = []
            for _ in range(1 + runs):
                async with read_scope(factory) as session:
                    started = time.perf_counter()
                    report = await metrics.programme(session=session, flt=flt)
                    seconds.append(time.perf_counter() - started)
            measured = seconds[1:]
            figures[name] = {
                "filter": flt.model_dump(mode="json", exclude_none=True),
                "cases": report.save_requests,
                "first_ms": seconds[0] * 1000,
                "median_ms": statistics.median(measured) * 1000,
                "max_ms": max(measured) * 1000,
                "runs": len(measured),
            }
            log(
                f"programme {name}: {report.save_requests} cases, first {seconds[0] * 1000:.0f} ms, "
                f"median {figures[name]['median_ms']:.0f} ms, max {figures[name]['max_ms']:.0f} ms"
            )
    finally:
        await engine.dispose()
    return figures
