#!/usr/bin/env python3
"""Fill a database with save cases as the programme metrics see them, for measuring those metrics at scale.

    .venv/bin/python scripts/seed_programme.py --database-url sqlite:///var/scale.db --cases 1000000 --events 300000

One case per decision, each written as the service writes it: its decision in the decision log
(real policy output for the canonical examples, as scripts/seed_decisions.py makes them, with the
case's reason class, offer, segment, ARR and derived cost and margin written in), the save case,
its programme_case_facts row (what app.programme.facts builds from that decision, plus the
workflow's and the outcomes' times), and, for a random sample of the authorized cases, the outcome
events whose judgement (app.outcomes.judgement) gives those facts, exactly --events of them.

The mix: requests spread evenly over the 12 months before END; segments smb / mid_market /
enterprise 50 / 32 / 18 %; reason classes of the policy vocabulary (and unclear, always paused);
offer types among those the policy allows for the reason; 5 policy revisions, one after another;
about 60 % routed, 80 % of those authorized (owner response and authorization times filled), 70 %
of the authorized presented, 60 % of those accepted, some lost, some confirmed, some regretted
(lost within the window, below the margin floor, or repeat concessions). A fact that would fall
after END has not happened yet.

The schema is migrated first; rows go in with Core executemany, one transaction per --batch cases
(decisions, then their cases, then their facts), then the events in batches of the same size.
"""

import argparse
import json
import math
import random
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from seed_decisions import END, SEGMENTS, _variants  # noqa: E402
from sqlalchemy import Connection, create_engine, insert  # noqa: E402

from app.audit.chain import append_rows  # noqa: E402
from app.cases.models import SaveCase  # noqa: E402
from app.database import sync_url  # noqa: E402
from app.decisions.models import Decision  # noqa: E402
from app.migrations_runner import upgrade_to_head  # noqa: E402
from app.outcomes.models import OutcomeEvent  # noqa: E402
from app.programme.models import CaseFacts  # noqa: E402
from app.programme.rules import RULES  # noqa: E402
from app.vocabulary import CONCESSION_TYPES, UNCLEAR_REASON, VOCABULARY, shipped_config_path  # noqa: E402

SPAN = timedelta(days=365)
REVISION_COUNT = 5
# The revision in force from each start on, oldest first: named by the day it was rolled out.
REVISIONS = tuple(
    (END - SPAN + SPAN * n / REVISION_COUNT, f"sha256-rollout-{(END - SPAN + SPAN * n / REVISION_COUNT):%Y%m%d}")
    for n in range(REVISION_COUNT)
)
SEGMENT_WEIGHTS = dict(zip(SEGMENTS, (0.50, 0.32, 0.18), strict=True))
ARR_RANGE = {"smb": (8_000, 60_000), "mid_market": (60_000, 250_000), "enterprise": (250_000, 2_000_000)}
# Classes the vocabulary adds later get the default weight.
REASON_WEIGHTS = {"price": 0.30, "value": 0.17, "service": 0.20, "fit": 0.08, "timing": 0.10, "relationship": 0.06}
UNCLEAR_WEIGHT = 0.07
OFFER_WEIGHTS = {"none": 0.4, "discount": 3.0, "service_credit": 2.0}  # others 1
DISCOUNTS = (5, 8, 10, 12, 15, 20, 25, 30)
BILLING_SOURCE = "billing"  # the billing system's facts; the CRM's come from the case's own source


def _lognormal_seconds(rng: random.Random, median_hours: float, sigma: float) -> float:
    return round(math.exp(rng.gauss(math.log(median_hours * 3600), sigma)), 1)


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _revision(at: datetime) -> str:
    name = REVISIONS[0][1]
    for start, revision in REVISIONS:
        if at >= start:
            name = revision
    return name


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


@dataclass
class Trail:
    """An authorized case's outcome events: (kind, occurred_at, source, amount), in the order they happened."""

    case_id: str
    number: int
    crm: str
    arr: float
    confirmed_at: datetime | None
    events: list[tuple[str, datetime, str, float | None]] = field(default_factory=list)


@dataclass
class Counts:
    cases: int = 0
    routed: int = 0
    authorized: int = 0
    presented: int = 0
    accepted: int = 0
    lost: int = 0
    saved: int = 0
    confirmed: int = 0
    regretted: int = 0


class Generator:
    """Cases one at a time: the decision, case and facts rows of each, and the outcome trails of the authorized."""

    def __init__(self, *, seed: int, cases: int) -> None:
        self.rng = random.Random(seed)
        self.variants: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
        for policy_input, decision in _variants():
            self.variants.setdefault(decision["outcome"], []).append((policy_input, decision))
        missing = {"route", "pause", "decline"} - set(self.variants)
        if missing:
            raise RuntimeError(f"the canonical examples decide no {sorted(missing)} case to copy")
        allowed = json.loads(shipped_config_path().read_text())["offers"]["allowed_by_reason"]
        self.reasons = {r: REASON_WEIGHTS.get(r, 0.08) for r in VOCABULARY.reason_classes} | {
            UNCLEAR_REASON: UNCLEAR_WEIGHT
        }
        self.offers = {
            reason: {o: OFFER_WEIGHTS.get(o, 1.0) for o in allowed.get(reason, VOCABULARY.offer_types)}
            for reason in VOCABULARY.reason_classes
        } | {UNCLEAR_REASON: {o: OFFER_WEIGHTS.get(o, 1.0) for o in VOCABULARY.offer_types}}
        self.caps = json.loads(shipped_config_path().read_text())["discount"]["segment_caps"]
        self.accounts = [f"acct-{n:07d}" for n in range(max(cases // 3, 10))]
        self.counts = Counts()
        self.trails: list[Trail] = []

    def _offer(self, reason: str, segment: str, arr: float) -> dict[str, Any]:
        rng = self.rng
        kind = _weighted(rng, self.offers[reason])
        offer: dict[str, Any] = {
            "type": kind,
            "discount_pct": 0,
            "duration_months": 0,
            "credit_amount": 0,
            "contract_change": False,
            "scope_change": False,
            "non_standard_terms": False,
            "customer_facing_promise": False,
        }
        if kind == "discount":
            cap = self.caps.get(segment, 30)
            offer["discount_pct"] = rng.choice([d for d in DISCOUNTS if d <= cap] or [DISCOUNTS[0]])
            offer["duration_months"] = rng.choice((3, 6, 12, 12))
        elif kind == "service_credit":
            offer["credit_amount"] = round(arr * rng.uniform(0.01, 0.08), -1)
        elif kind in ("pause", "extension"):
            offer["duration_months"] = rng.randint(1, 3)
        return offer

    def case(self, n: int) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        """The decision, save case and facts rows of the n-th case."""
        rng = self.rng
        counts = self.counts
        counts.cases += 1
        at = END - timedelta(seconds=rng.random() * SPAN.total_seconds())
        segment = _weighted(rng, SEGMENT_WEIGHTS)
        reason = _weighted(rng, self.reasons)
        low, high = ARR_RANGE[segment]
        arr = float(round(rng.uniform(low, high), -2))
        gross_margin = round(rng.uniform(35, 88), 1)
        offer = self._offer(reason, segment, arr)
        if reason == UNCLEAR_REASON:
            outcome = "pause"
        else:
            u = rng.random()
            outcome = "route" if u < 0.645 else ("pause" if u < 0.855 else "decline")
        # The cost and margin app.cases.evidence derives.
        if offer["type"] == "discount":
            d, cost = (
                float(offer["discount_pct"]),
                round(arr * offer["discount_pct"] * offer["duration_months"] / 1200, 2),
            )
        elif offer["type"] == "service_credit":
            d, cost = 100 * offer["credit_amount"] / arr, float(offer["credit_amount"])
        else:
            d, cost = 0.0, 0.0
        margin = round(max(100 * (1 - (1 - gross_margin / 100) / (1 - d / 100)), -100.0), 2)
        account = rng.choice(self.accounts)
        revision = _revision(at)
        case_id = _uuid(rng)

        policy_input, template = rng.choice(self.variants[outcome])
        case_doc = policy_input["case"]
        evidence = {
            **policy_input,
            "case": {
                **case_doc,
                "account": {
                    **case_doc["account"],
                    "id": account,
                    "segment": segment,
                    "arr": arr,
                    "gross_margin_pct": gross_margin,
                },
                "proposed_offer": offer,
            },
            "derived": {**policy_input["derived"], "offer_cost": cost, "margin_after_offer_pct": margin},
        }
        source = case_doc["source"]
        decision = {
            "id": case_id,
            "source": source,
            "event_id": f"seed-programme-{n}",
            "account_id": account,
            "outcome": outcome,
            "payload_raw": json.dumps(evidence["case"]),
            "payload_sha256": f"{n:064x}",
            "policy_input": evidence,
            "decision": {**template, "reason_class": reason},
            "policy_revision": revision,
            "opa_decision_id": None,
            "decision_time": at,
            "recorded_at": at,
            "latency_ms": round(rng.uniform(2, 20), 3),
            "case_id": case_id,
        }
        facts: dict[str, Any] = {
            "case_id": case_id,
            "account_id": account,
            "requested_at": at,
            "segment": segment,
            "reason_class": reason,
            "offer_type": offer["type"],
            "policy_revision": revision,
            "outcome": outcome,
            "concession": offer["type"] in CONCESSION_TYPES,
            "arr": arr,
            "discount_pct": float(offer["discount_pct"]),
            "duration_months": offer["duration_months"],
            "credit_amount": float(offer["credit_amount"]),
            "offer_cost": cost,
            "margin_after_pct": margin,
            "routed_at": None,
            "owner_response_seconds": None,
            "authorized_at": None,
            "authorization_seconds": None,
            "presented_at": None,
            "accepted_at": None,
            "offer_declined_at": None,
            "stayed_at": None,
            "lost_at": None,
            "confirmed_at": None,
            "saved": False,
            "confirmed": False,
            "regretted": False,
            "regret_reasons": None,
        }
        status = {"pause": "paused", "decline": "declined"}.get(outcome, "in_review")
        stage = None
        if outcome == "route":
            counts.routed += 1
            facts["routed_at"] = at
            status, stage = self._workflow(facts, at)
            if facts["authorized_at"] is not None:
                status = self._outcomes(facts, n=n, source=source)
        happened = [v for k, v in facts.items() if k.endswith("_at") and isinstance(v, datetime)]
        save_case = {
            "id": case_id,
            "account_id": account,
            "owner_id": case_doc["account"].get("owner_id"),
            "requester_id": (case_doc.get("requested_by") or {}).get("id"),
            "status": status,
            "hold_reason": None,
            "current_decision_id": case_id,
            "current_stage": stage,
            "renewal_date": (case_doc.get("contract") or {}).get("renewal_date"),
            "authorized_offer": offer if facts["authorized_at"] is not None else None,
            "authorized_at": facts["authorized_at"],
            "created_at": at,
            "updated_at": max(happened),
            "version": len(happened),
        }
        return decision, save_case, facts

    def _workflow(self, facts: dict[str, Any], at: datetime) -> tuple[str, int | None]:
        """The approval chain of a routed case: the owner's response, the authorization, or where it stopped."""
        rng = self.rng
        u = rng.random()
        if u < 0.92:
            response = _lognormal_seconds(rng, 5, 1.0)
            if at + timedelta(seconds=response) > END:
                return "in_review", 1
            facts["owner_response_seconds"] = response
            if u < 0.80:  # the rest of those who responded rejected the offer or asked for changes
                authorization = round(response + _lognormal_seconds(rng, 20, 0.9), 1)
                if at + timedelta(seconds=authorization) > END:
                    return "in_review", 2
                facts["authorized_at"] = at + timedelta(seconds=authorization)
                facts["authorization_seconds"] = authorization
                self.counts.authorized += 1
                return "authorized", None
            return rng.choice(("rejected", "changes_requested")), None
        return ("expired", None) if END - at > timedelta(days=14) else ("in_review", 1)

    def _outcomes(self, facts: dict[str, Any], *, n: int, source: str) -> str:
        """What the authorized offer led to, the case's status from it, and the events that report it."""
        rng, counts = self.rng, self.counts

        def when(after: datetime, seconds: float) -> datetime | None:
            at = after + timedelta(seconds=seconds)
            return at if at <= END else None

        authorized: datetime = facts["authorized_at"]
        presented = accepted = declined = stayed = lost = confirmed = None
        if rng.random() < 0.70:
            presented = when(authorized, _lognormal_seconds(rng, 48, 0.8))
        if presented is not None:
            counts.presented += 1
            u = rng.random()
            answer = when(presented, _lognormal_seconds(rng, 72, 0.8))
            if u < 0.60:
                accepted = answer
            elif u < 0.90:
                declined = answer
        if accepted is not None:
            counts.accepted += 1
            if rng.random() < 0.12:
                lost = when(accepted, rng.uniform(7, 330) * 86400)
            if rng.random() < 0.85:
                stayed = when(accepted, rng.uniform(14, 60) * 86400)
                if stayed is not None and lost is not None and stayed >= lost:
                    stayed = None
            if lost is None and rng.random() < 0.80:
                confirmed = when(accepted, RULES.confirmation_window.total_seconds() + rng.uniform(0, 45) * 86400)
                if confirmed is not None and stayed is None:
                    stayed = confirmed  # a payment is a fact of staying too
        elif declined is not None:
            if rng.random() < 0.40:
                lost = when(declined, rng.uniform(3, 120) * 86400)
        elif rng.random() < 0.08:
            lost = when(authorized, rng.uniform(5, 100) * 86400)
        saved = accepted is not None and lost is None
        facts.update(
            presented_at=presented,
            accepted_at=accepted,
            offer_declined_at=declined,
            stayed_at=stayed,
            lost_at=lost,
            confirmed_at=confirmed,
            saved=saved,
            confirmed=saved and confirmed is not None,
        )
        counts.lost += lost is not None
        counts.saved += saved
        counts.confirmed += facts["confirmed"]
        if accepted is not None:
            reasons = []
            if lost is not None and lost - accepted <= RULES.regret_lost_within:
                reasons.append("lost_within_window")
            if facts["margin_after_pct"] < RULES.margin_floor_pct:
                reasons.append("below_margin_floor")
            if facts["concession"] and rng.random() < 0.06:
                reasons.append("repeat_concessions")
            if reasons:
                counts.regretted += 1
                facts.update(regretted=True, regret_reasons=",".join(reasons))

        trail = Trail(case_id=facts["case_id"], number=n, crm=source, arr=facts["arr"], confirmed_at=confirmed)
        if presented is not None:
            trail.events.append(("offer_presented", presented, source, None))
        if accepted is not None:
            trail.events.append(("offer_accepted", accepted, source, None))
        if declined is not None:
            trail.events.append(("offer_declined", declined, source, None))
        if stayed is not None and stayed != confirmed:
            trail.events.append(("customer_stayed", stayed, source, None))
        if confirmed is not None:
            trail.events.append(("payment_received", confirmed, BILLING_SOURCE, round(facts["arr"] / 12, 2)))
        if lost is not None:
            trail.events.append(
                ("customer_cancelled", lost, source, None)
                if rng.random() < 0.5
                else ("subscription_cancelled", lost, BILLING_SOURCE, None)
            )
        if trail.events:
            self.trails.append(trail)
        if presented is None and lost is None:
            return "authorized"
        if lost is not None:
            return "lost"
        if accepted is not None:
            return "saved" if stayed is not None else "accepted"
        return "offer_declined" if declined is not None else "offered"

    def events(self, wanted: int) -> list[dict[str, Any]]:
        """Exactly `wanted` outcome events: the whole trails of a random sample of the authorized cases.

        When no further trail fits, later payments of confirmed saves (a month apart, before END) make up
        the rest: they change no judgement, as a confirmed save is judged from its earliest payment.
        """
        rng = self.rng
        trails = self.trails[:]
        rng.shuffle(trails)
        chosen: list[tuple[Trail, tuple[str, datetime, str, float | None]]] = []
        for trail in trails:
            if len(chosen) + len(trail.events) <= wanted:
                chosen += [(trail, event) for event in trail.events]
            if len(chosen) == wanted:
                break
        confirmed = [t for t in trails if t.confirmed_at is not None]
        month = timedelta(days=30)
        extra = 1
        while len(chosen) < wanted and confirmed:
            fitted = False
            for trail in confirmed:
                assert trail.confirmed_at is not None
                at = trail.confirmed_at + month * extra
                if at <= END and len(chosen) < wanted:
                    chosen.append((trail, ("payment_received", at, BILLING_SOURCE, round(trail.arr / 12, 2))))
                    fitted = True
            if not fitted:
                break
            extra += 1
        rows = []
        for number, (trail, (kind, at, source, amount)) in enumerate(chosen):
            rows.append(
                {
                    "id": _uuid(rng),
                    "source": source,
                    "event_id": f"seed-{trail.number}-{kind}-{at:%Y%m%dT%H%M%S}",
                    "case_id": trail.case_id,
                    "kind": kind,
                    "occurred_at": at,
                    "received_at": min(at + timedelta(seconds=rng.uniform(60, 7200)), END),
                    "amount": amount,
                    "note": None,
                    "payload_sha256": f"{number:064x}",
                }
            )
        return rows


def _write(conn: Connection, decisions: list[dict], cases: list[dict], facts: list[dict]) -> None:
    append_rows(conn, chain="decisions", rows=decisions)
    conn.execute(insert(Decision.__table__), decisions)
    conn.execute(insert(SaveCase.__table__), cases)
    conn.execute(insert(CaseFacts.__table__), facts)


def seed(database_url: str, *, cases: int, events: int, batch: int, seed: int) -> dict[str, Any]:
    upgrade_to_head(database_url)
    engine = create_engine(sync_url(database_url))
    started = time.perf_counter()
    generator = Generator(seed=seed, cases=cases)
    decisions: list[dict] = []
    save_cases: list[dict] = []
    facts: list[dict] = []
    for n in range(cases):
        decision, save_case, fact = generator.case(n)
        decisions.append(decision)
        save_cases.append(save_case)
        facts.append(fact)
        if len(decisions) == batch or n == cases - 1:
            with engine.begin() as conn:
                _write(conn, decisions, save_cases, facts)
            decisions.clear()
            save_cases.clear()
            facts.clear()
            if (n + 1) % 100_000 == 0:
                print(f"{n + 1} cases, {(n + 1) / (time.perf_counter() - started):.0f}/s", file=sys.stderr, flush=True)
    cases_seconds = time.perf_counter() - started
    rows = generator.events(events)
    for start in range(0, len(rows), batch):
        with engine.begin() as conn:
            append_rows(conn, chain="outcome_events", rows=rows[start : start + batch])
            conn.execute(insert(OutcomeEvent.__table__), rows[start : start + batch])
    engine.dispose()
    seconds = time.perf_counter() - started
    summary = {
        **generator.counts.__dict__,
        "events": len(rows),
        "trail_events_available": sum(len(t.events) for t in generator.trails),
        "cases_seconds": round(cases_seconds, 1),
        "events_seconds": round(seconds - cases_seconds, 1),
        "seconds": round(seconds, 1),
    }
    print(json.dumps(summary), file=sys.stderr, flush=True)
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases, each with one decision and facts row")
    parser.add_argument("--events", type=int, default=300_000, help="outcome events, on authorized cases")
    parser.add_argument("--batch", type=int, default=10_000, help="cases (or events) per transaction")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    summary = seed(args.database_url, cases=args.cases, events=args.events, batch=args.batch, seed=args.seed)
    if summary["events"] < args.events:
        print(f"only {summary['events']} events fit the authorized cases' outcomes", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
