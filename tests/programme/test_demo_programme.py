"""The demo programme (python -m app.demo): real domain code, a real OPA, each database.

The demo runs in-process against the test's database and the session's OPA, up
to a fixed end time, so the seed gives the same programme on every run; the
metrics are then read through app.programme.metrics and checked against the
rows the domain wrote.
"""

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select

from app.approvals.models import ApprovalTask
from app.cases.models import CaseEvent
from app.config import Settings
from app.database import create_engine, create_read_session_factory
from app.decisions.models import Decision
from app.demo.plan import plan_cases
from app.demo.programme import run_demo
from app.outcomes.models import OutcomeEvent
from app.programme import metrics
from app.programme.schemas import ProgrammeFilter, ProgrammeRead
from tests.integration.conftest import count_rows
from tests.support.opa_process import OpaProcess

CASES = 40
SEED = 7
END = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
TABLES = ("decisions", "save_cases", "approval_tasks", "case_events", "outcome_events", "programme_case_facts")


async def _programme(database_url: str) -> ProgrammeRead:
    engine = create_engine(database_url)
    try:
        async with create_read_session_factory(engine)() as session:
            return await metrics.programme(session=session, flt=ProgrammeFilter())
    finally:
        await engine.dispose()


async def _scalars(database_url: str, stmt: Select[tuple[Any]]) -> list[Any]:
    engine = create_engine(database_url)
    try:
        async with create_read_session_factory(engine)() as session:
            return list((await session.execute(stmt)).scalars())
    finally:
        await engine.dispose()


async def _scalar(database_url: str, stmt: Select[tuple[Any]]) -> Any:
    [value] = await _scalars(database_url, stmt)
    return value


def _counts(database_url: str) -> dict[str, int]:
    return {table: count_rows(database_url, table) for table in TABLES}


async def test_the_demo_fills_the_metrics_consistently_and_a_second_run_adds_nothing(
    database_url: str, opa_server: OpaProcess, tmp_path: Path
) -> None:
    settings = Settings(database_url=database_url, opa_url=opa_server.url, bundle_dir=tmp_path / "bundle")
    out = io.StringIO()
    first = await run_demo(settings=settings, months=12, cases=CASES, seed=SEED, end=END, out=out)

    assert first.loaded
    assert first.tally["cases"] == CASES
    assert first.tally.get("refused", 0) == 0, "every step the demo took was accepted by the domain"
    assert "Bearer $TOKEN" in out.getvalue() and "/v1/metrics/programme" in out.getvalue()

    p = await _programme(database_url)
    assert p.save_requests == CASES == count_rows(database_url, "save_cases") == count_rows(database_url, "decisions")
    assert sum(share.count for share in p.reason_mix) == CASES
    routed, authorized = p.offer_approval_rate.denominator, p.offer_approval_rate.numerator
    presented, accepted = p.offer_acceptance_rate.denominator, p.offer_acceptance_rate.numerator
    assert routed == first.tally["route"] == count_rows(database_url, "decisions", "WHERE outcome = 'route'")
    assert routed >= authorized >= presented >= accepted > 0
    assert routed < CASES, "some cases paused or declined, as real requests do"
    assert authorized == count_rows(database_url, "save_cases", "WHERE authorized_at IS NOT NULL")
    assert p.save_rate.numerator == count_rows(database_url, "save_cases", "WHERE status IN ('accepted', 'saved')")
    assert p.save_rate.denominator == p.confirmed_save_rate.denominator == routed
    assert 0 < p.confirmed_save_rate.numerator <= p.save_rate.numerator <= accepted
    assert p.regretted_saves.count > 0 and p.regretted_saves.count == len(p.regretted_saves.cases)
    assert p.owner_response_time.count > 0 and p.time_to_authorization.count == authorized
    assert p.retained_arr > 0
    assert p.discount_where_cause_was_service.count == 0, "the policy declines a discount where the cause is service"

    # Outcomes only for authorized offers, from the CRM and billing, and nothing after the end.
    assert first.tally["outcomes"] == count_rows(database_url, "outcome_events") > 0
    assert count_rows(database_url, "outcome_events", "WHERE source NOT IN ('crm', 'billing')") == 0
    unauthorized = "WHERE case_id IN (SELECT id FROM save_cases WHERE authorized_at IS NULL)"
    assert count_rows(database_url, "outcome_events", unauthorized) == 0
    for column in (
        Decision.decision_time,
        CaseEvent.at,
        ApprovalTask.acted_at,
        OutcomeEvent.occurred_at,
        OutcomeEvent.received_at,
    ):
        assert (await _scalar(database_url, select(func.max(column)))) <= END, column
    start = END - timedelta(days=366)
    assert (await _scalar(database_url, select(func.min(Decision.decision_time)))) >= start
    # Spread over the year, not bunched: cases in at least ten different months.
    decided = await _scalars(database_url, select(Decision.decision_time))
    assert len({at.strftime("%Y-%m") for at in decided}) >= 10

    before = _counts(database_url)
    again = io.StringIO()
    second = await run_demo(
        settings=settings, months=12, cases=CASES, seed=SEED, end=END + timedelta(days=1), out=again
    )
    assert not second.loaded and second.tally == {}
    assert "already loaded" in again.getvalue()
    assert _counts(database_url) == before
    assert await _programme(database_url) == p


def test_one_seed_plans_one_programme_and_another_seed_another() -> None:
    def plan(seed: int) -> list[tuple[str, datetime, str]]:
        cases = plan_cases(
            seed=seed, count=30, start=END - timedelta(days=365), end=END, owners=["o1", "o2"], requesters=["r1"]
        )
        return [(c.event_id, c.at, str(sorted(c.body.items()))) for c in cases]

    assert plan(SEED) == plan(SEED)
    assert plan(SEED) != plan(SEED + 1)
    assert [event for event, _, _ in plan(SEED)] == [f"demo-{SEED}-{i:04d}" for i in range(30)]
    assert all(a <= b for (_, a, _), (_, b, _) in zip(plan(SEED), plan(SEED)[1:], strict=False))
