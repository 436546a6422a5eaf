"""Replays the logged policy inputs under both policies, streamed from the decision log in batches.

A producer reads the log in keyset pages (decision_time, id) into a queue of at most two batches while
the two OPAs decide the previous one, so memory holds a few batches whatever the size of the log.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import jsonschema_rs
from jsonschema_rs import Validator
from sqlalchemy import and_, case, null, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.decisions.models import Decision
from app.impact.opa import ReplayOpa
from app.impact.tally import Tally
from app.programme.models import CaseFacts
from app.shadow.models import ShadowDecision

# Inputs per OPA request: large enough that HTTP and JSON framing are a small share of the work.
REQUEST_BATCH: Final = 250
DISCOUNT_PAIR_SAMPLE: Final = 200


@dataclass(frozen=True)
class LoggedInput:
    decision_id: str
    case_id: str | None
    decision_time: datetime
    policy_input: dict[str, Any]
    revision: str
    decision: dict[str, Any] | None  # the logged document, where the replay reads it (stream_inputs)
    shadow: dict[str, Any] | None = None  # the shadow release's decision, in --shadow mode


# A page's readable inputs with the base's and the candidate's decisions, in the same order.
Decided = tuple[list[LoggedInput], list[dict[str, Any]], list[dict[str, Any]]]


@dataclass(frozen=True)
class Period:
    start: datetime | None = None
    end: datetime | None = None


def input_validator(schema_path: Path | None) -> Validator | None:
    """The candidate's input schema, compiled once (jsonschema-rs: about 4 µs an input, the pure-Python
    jsonschema about 330 µs, which alone took half a minute of a 100,000-decision replay)."""
    if schema_path is None:
        return None
    return jsonschema_rs.validator_for(json.loads(schema_path.read_text(encoding="utf-8")))


def refusal(validator: Validator, policy_input: dict[str, Any]) -> str | None:
    """Why the schema refuses the input (the first error, where and what), or None when it accepts it."""
    if validator.is_valid(policy_input):
        return None
    for error in validator.iter_errors(policy_input):
        where = "/".join(str(p) for p in error.instance_path)
        return f"{where or '(root)'}: {error.message}"
    return "refused"


def _logged_decision(base_revision: str | None, shadow: bool) -> Any:
    """The logged decision document where the replay reads it, else NULL: a document (with its save option
    drafts) is larger than its input, and decoding every one was half of the command's own CPU."""
    if shadow:
        return Decision.decision
    if base_revision is None:
        return null().label("decision")
    by_base = or_(
        Decision.policy_revision == base_revision,
        Decision.policy_revision.endswith(f"@{base_revision}", autoescape=True),
    )
    return case((by_base, Decision.decision), else_=null()).label("decision")


async def stream_inputs(
    engine: AsyncEngine, period: Period, *, batch: int, shadow: bool = False, base_revision: str | None = None
) -> AsyncIterator[list[LoggedInput]]:
    """The logged inputs in decision order, one keyset page at a time (with shadow: those with a shadow decision).

    Each carries its logged decision document only in shadow mode or when the base's revision decided it.
    """
    columns = (
        Decision.id,
        Decision.case_id,
        Decision.decision_time,
        Decision.policy_input,
        Decision.policy_revision,
        _logged_decision(base_revision, shadow),
    )
    after: tuple[datetime, str] | None = None
    while True:
        query = select(*columns).order_by(Decision.decision_time, Decision.id).limit(batch)
        if shadow:
            query = query.join(ShadowDecision, ShadowDecision.decision_id == Decision.id).add_columns(
                ShadowDecision.decision.label("shadow")
            )
        if period.start is not None:
            query = query.where(Decision.decision_time >= period.start)
        if period.end is not None:
            query = query.where(Decision.decision_time < period.end)
        if after is not None:
            query = query.where(
                or_(
                    Decision.decision_time > after[0],
                    and_(Decision.decision_time == after[0], Decision.id > after[1]),
                )
            )
        async with engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        if not rows:
            return
        yield [
            LoggedInput(
                r.id,
                r.case_id,
                r.decision_time,
                r.policy_input,
                r.policy_revision,
                r.decision,
                r.shadow if shadow else None,
            )
            for r in rows
        ]
        after = (rows[-1].decision_time, rows[-1].id)


async def _decide_all(opa: ReplayOpa, inputs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    chunks = [list(inputs[i : i + REQUEST_BATCH]) for i in range(0, len(inputs), REQUEST_BATCH)]
    decided = await asyncio.gather(*(opa.decide(chunk) for chunk in chunks))
    return [result for chunk in decided for result in chunk]


async def decide_both(
    base: ReplayOpa, candidate: ReplayOpa, inputs: Sequence[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    old, new = await asyncio.gather(_decide_all(base, inputs), _decide_all(candidate, inputs))
    return old, new


def reduced(decision: dict[str, Any]) -> dict[str, Any]:
    """A logged decision document in the shape the wrapper returns (app/impact/wrapper.rego)."""
    return {
        "outcome": decision["outcome"],
        "chain": [stage["roles"] for stage in decision["approval_chain"]],
        "tier": decision["discount_tier"],
        "escalation": decision["escalation_level"],
        "violations": decision["violations"],
        "rules": [e["rule"] for e in decision["explanations"]],
    }


async def _base_and_candidate(
    base: ReplayOpa, candidate: ReplayOpa, readable: list[LoggedInput], tally: Tally
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Both policies' decisions; the base's read from the log where the log was decided by the base's very
    files (same content hash): the policy never reads the clock, so the same input gets the same decision.
    In shadow mode both come from the database: the live decision and the shadow release's."""
    if readable and readable[0].shadow is not None:
        tally.base_from_log += len(readable)
        return [reduced(r.decision or {}) for r in readable], [reduced(r.shadow or {}) for r in readable]
    # stream_inputs read a logged document only where the base's revision decided it.
    logged = [r.decision for r in readable]
    to_decide = [r.policy_input for r, d in zip(readable, logged, strict=True) if d is None]
    decided, new = await asyncio.gather(
        _decide_all(base, to_decide), _decide_all(candidate, [r.policy_input for r in readable])
    )
    fresh = iter(decided)
    old = [next(fresh) if d is None else reduced(d) for d in logged]
    tally.base_from_log += len(readable) - len(to_decide)
    return old, new


async def _join_outcomes(engine: AsyncEngine, tally: Tally, case_ids: set[str], seen: set[str]) -> None:
    """Count what happened to the changed cases (programme_case_facts), each case once."""
    fresh = case_ids - seen
    if not fresh:
        return
    seen.update(fresh)
    query = select(CaseFacts.case_id, CaseFacts.saved, CaseFacts.lost_at, CaseFacts.regretted).where(
        CaseFacts.case_id.in_(sorted(fresh))
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    tally.changed_cases["cases"] += len(fresh)
    tally.changed_cases["no outcome recorded"] += len(fresh) - len(rows)
    for row in rows:
        tally.changed_cases["saved" if row.saved else "lost" if row.lost_at is not None else "open"] += 1
        if row.regretted:
            tally.changed_cases["regretted"] += 1


async def replay(
    *,
    engine: AsyncEngine,
    period: Period,
    base: ReplayOpa,
    candidate: ReplayOpa,
    validator: Validator | None,
    tally: Tally,
    base_revision: str | None,
    batch: int = 1000,
    shadow: bool = False,
) -> list[tuple[str, dict[str, Any]]]:
    """Replay the log into tally; return a sample of routed discount inputs for the discount-pair invariant.

    base_revision: the base policy's content hash, whose logged decisions are read instead of decided
    again (None: decide every input under the base too). shadow: replay only the decisions the shadow
    release decided (app.shadow), comparing the live decision with the shadow's, no OPA involved.
    """
    queue: asyncio.Queue[list[LoggedInput] | None] = asyncio.Queue(maxsize=2)

    async def produce() -> None:
        try:
            async for page in stream_inputs(engine, period, batch=batch, shadow=shadow, base_revision=base_revision):
                await queue.put(page)
        finally:
            await queue.put(None)

    changed_seen: set[str] = set()
    discount_sample: list[tuple[str, dict[str, Any]]] = []

    async def decide(page: list[LoggedInput]) -> Decided:
        readable: list[LoggedInput] = []
        for logged in page:
            tally.see(logged.decision_time)
            reason = None if validator is None else refusal(validator, logged.policy_input)
            if reason is not None:
                tally.refuse(logged.decision_id, reason)
                continue
            readable.append(logged)
        old, new = await _base_and_candidate(base, candidate, readable, tally)
        return readable, old, new

    async def count(decided: Decided) -> None:
        changed_ids: set[str] = set()
        for logged, before, after in zip(*decided, strict=True):
            if tally.add(logged.decision_id, logged.policy_input, before, after) and logged.case_id:
                changed_ids.add(logged.case_id)
            offer = logged.policy_input.get("case", {}).get("proposed_offer", {})
            if (
                after["outcome"] == "route"
                and offer.get("type") == "discount"
                and len(discount_sample) < DISCOUNT_PAIR_SAMPLE
            ):
                discount_sample.append((logged.decision_id, logged.policy_input))
        await _join_outcomes(engine, tally, changed_ids, changed_seen)

    producer = asyncio.create_task(produce())
    # One page is decided while the one before it is counted: the OPAs and this process work at once.
    pending: asyncio.Task[Decided] | None = None
    try:
        while (page := await queue.get()) is not None:
            previous, pending = pending, asyncio.create_task(decide(page))
            if previous is not None:
                await count(await previous)
        if pending is not None:
            await count(await pending)
            pending = None
    finally:
        for task in (producer, pending):
            if task is not None:
                task.cancel()
        await asyncio.gather(*(t for t in (producer, pending) if t is not None), return_exceptions=True)
    return discount_sample
