"""The demo programme's cases: accounts and what their CRMs report, drawn from one seed.

No database and no policy here. The cases start from the canonical examples
(app.cases.examples), moved to the simulated time of each case, and vary the
account, its ARR and segment, the customer's words, the offer, the evidence and
the renewal. A pool of accounts smaller than the number of cases gives some
accounts repeat concessions, which the policy limits. Every draw comes from a
random.Random seeded with the demo's seed and what the draw is for, so one seed
always plans the same programme (relative to its end time).
"""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from app.cases.examples import example_for_now
from app.demo.words import SCENARIOS, Scenario, company_name

CRM_SOURCES: Final = ("salesforce", "hubspot", "gainsight")
# 150 accounts for the default 400 cases: some accounts ask again within a year (repeat concessions).
ACCOUNTS_PER_CASE: Final = 150 / 400
# (segment, weight, ARR range): mid-market and enterprise accounts are fewer and larger.
_SEGMENTS: Final = (
    ("smb", 45, (6_000, 40_000)),
    ("mid_market", 35, (40_000, 200_000)),
    ("enterprise", 20, (150_000, 900_000)),
)
_FITS: Final = (("strong", 60), ("partial", 30), ("poor", 10))


def rng_for(seed: int, *what: object) -> random.Random:
    """A random stream of its own for one purpose (a string seed is hashed the same in every process)."""
    return random.Random(":".join(["demo", str(seed), *map(str, what)]))


def instant(at: datetime) -> str:
    """A timestamp as the CRMs send it: ISO 8601 in UTC with a Z."""
    return at.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def event_id(seed: int, index: int) -> str:
    """The CRM event id of the demo's index-th case (in time order): the same for the same seed."""
    return f"demo-{seed}-{index:04d}"


@dataclass(frozen=True, kw_only=True)
class Account:
    id: str
    name: str
    source: str
    segment: str
    arr: int
    gross_margin_pct: int | None
    owner_id: str
    customer_since: date
    icp_fit: str


@dataclass(frozen=True, kw_only=True)
class PlannedCase:
    index: int
    at: datetime
    source: str
    event_id: str
    body: dict[str, Any]


def plan_accounts(*, seed: int, owners: list[str], start: datetime, count: int) -> list[Account]:
    """The demo's accounts, each reported by one CRM and owned by one account owner of the directory."""
    rng = rng_for(seed, "accounts")
    accounts = []
    for i in range(count):
        segment, _, (low, high) = rng.choices(_SEGMENTS, weights=[s[1] for s in _SEGMENTS])[0]
        arr = round(rng.uniform(low, high), -2)
        accounts.append(
            Account(
                id=f"demo-{seed}-acct-{i + 1:03d}",
                name=company_name(i),
                source=rng.choice(CRM_SOURCES),
                segment=segment,
                arr=int(arr),
                # A few accounts have no margin on record: a costed offer for them pauses for it.
                gross_margin_pct=None if rng.random() < 0.03 else rng.randint(55, 86),
                owner_id=owners[i % len(owners)],
                customer_since=(start - timedelta(days=rng.randint(60, 2500))).date(),
                icp_fit=rng.choices([f[0] for f in _FITS], weights=[f[1] for f in _FITS])[0],
            )
        )
    return accounts


def _offer(rng: random.Random, scenario: Scenario, account: Account) -> dict[str, Any]:
    kind = rng.choices(list(scenario.offers), weights=list(scenario.offers.values()))[0]
    offer: dict[str, Any] = {"type": kind, "discount_pct": 0, "duration_months": 0, "credit_amount": 0}
    if kind == "discount":
        # Mostly within the segment's cap; now and then above it (the policy declines those).
        pcts = {
            "smb": [5, 8, 10, 12, 15, 20],
            "mid_market": [5, 10, 12, 15, 18, 20, 25],
            "enterprise": [10, 15, 20, 25, 30],
        }
        offer["discount_pct"] = rng.choice(pcts[account.segment])
        offer["duration_months"] = rng.choices([3, 6, 12, 18], weights=[30, 40, 25, 5])[0]
    elif kind == "service_credit":
        share = rng.choices([0.01, 0.02, 0.03, 0.04, 0.06, 0.1, 0.18], weights=[15, 25, 25, 15, 10, 7, 3])[0]
        offer["credit_amount"] = max(100, int(round(account.arr * share, -2)))
    elif kind in ("pause", "extension"):
        offer["duration_months"] = rng.choices([1, 2, 3, 5], weights=[30, 35, 25, 10])[0]
    for flag in ("contract_change", "scope_change", "non_standard_terms", "customer_facing_promise"):
        offer[flag] = kind == "plan_change" and flag == "scope_change" and rng.random() < 0.3
    return offer


def _case(
    rng: random.Random, *, seed: int, index: int, at: datetime, account: Account, requesters: list[str]
) -> PlannedCase:
    scenario = rng.choices(SCENARIOS, weights=[s.weight for s in SCENARIOS])[0]
    eid = event_id(seed, index)
    body = example_for_now(scenario.example, now=at, event_id=eid)
    body["source"] = account.source
    body["occurred_at"] = instant(at - timedelta(minutes=rng.randint(5, 600)))
    body["trigger"] = rng.choice(scenario.triggers)
    body["account"] = {
        "id": account.id,
        "name": account.name,
        "segment": account.segment,
        "owner_id": account.owner_id,
        "arr": account.arr,
        "currency": "USD",
        "gross_margin_pct": account.gross_margin_pct,
        "customer_since": account.customer_since.isoformat(),
        "icp_fit": account.icp_fit,
    }
    category = scenario.reason if rng.random() < 0.35 else None
    body["customer_reason"] = {
        "category": category,
        "text": rng.choice(scenario.texts),
        "sentiment": rng.choice(scenario.sentiments),
    }
    risk = body.get("risk") or {}
    risk["churn_score"] = rng.randint(35, 95)
    body["risk"] = risk
    contract = body.get("contract") or {}
    contract["status"] = "active"
    contract["renewal_date"] = (at.date() + timedelta(days=rng.randint(10, 330))).isoformat()
    body["contract"] = contract
    body["billing"] = {"past_due_days": rng.choice([0] * 18 + [45, 120])}
    body["proposed_offer"] = _offer(rng, scenario, account)
    # A customer success manager raises the case; with none in the directory, the owner does.
    others = [r for r in requesters if r != account.owner_id]
    body["requested_by"] = {"id": rng.choice(others), "role": "csm"} if others else {"id": account.owner_id}
    # Fresh evidence, hours old; now and then weeks old (the policy pauses on stale evidence).
    age = timedelta(days=rng.uniform(16, 30)) if rng.random() < 0.03 else timedelta(hours=rng.uniform(0.5, 72))
    body["evidence_as_of"] = instant(at - age)
    return PlannedCase(index=index, at=at, source=account.source, event_id=eid, body=body)


def plan_cases(
    *, seed: int, count: int, start: datetime, end: datetime, owners: list[str], requesters: list[str]
) -> list[PlannedCase]:
    """count cases spread over [start, end), on working hours, in time order: the first has index 0."""
    rng = rng_for(seed, "cases")
    accounts = plan_accounts(seed=seed, owners=owners, start=start, count=max(1, round(count * ACCOUNTS_PER_CASE)))
    span = (end - start).total_seconds()

    def working_hours(at: datetime) -> datetime:
        at = at.replace(hour=rng.randint(8, 17), minute=rng.randint(0, 59), second=0, microsecond=0)
        return at if at < end else at - timedelta(days=1)  # the last day's cases come before now

    times = sorted(working_hours(start + timedelta(seconds=rng.uniform(0, span))) for _ in range(count))
    return [
        _case(rng, seed=seed, index=i, at=at, account=rng.choice(accounts), requesters=requesters)
        for i, at in enumerate(times)
    ]
