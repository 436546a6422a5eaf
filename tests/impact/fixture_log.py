"""A fixture decision log for the impact report: real policy inputs decided by the real policy.

Service credits on the canonical service-recovery case at chosen shares of ARR, discounts on the
price-discount case, the unclear case (which pauses), each assembled by the service's evidence code
and decided by `opa eval` on policies/ as the service would have logged it; and one older input
without the account history, which the input schema refuses. Two changed cases carry recorded
outcomes (one saved, one lost and regretted) in programme_case_facts.
"""

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert

from app.audit.chain import append_rows
from app.cases.models import SaveCase
from app.database import sync_url
from app.decisions.models import Decision
from app.impact.probes import build_input
from app.programme.models import CaseFacts
from tests.conftest import ROOT, load_example

# Credit shares of ARR in percent: around 3 and 5 (finance), 15 (executive) and 25 (the cap).
CREDIT_SHARES = (1.0, 2.5, 3.0, 3.2, 4.0, 4.8, 5.0, 5.5, 10.0, 16.0, 26.0)
DISCOUNTS = (5.0, 12.0, 22.0, 35.0)
START = datetime(2026, 9, 1, tzinfo=UTC)
SAVED_CASE = "case-credit-4.0"
LOST_CASE = "case-credit-4.8"
REFUSED_ID = "d-refused"
# A release whose files are not the base's: every input is decided again under the base.
OTHER_REVISION = "2026-10-older@sha256-0000000000000000"


def credit_case(share: float) -> dict[str, Any]:
    case = load_example("service-recovery")
    case["proposed_offer"]["credit_amount"] = round(case["account"]["arr"] * share / 100, 2)
    return case


def discount_case(pct: float) -> dict[str, Any]:
    case = load_example("price-discount")
    case["proposed_offer"]["discount_pct"] = pct
    return case


def decide(opa: Path, policy_input: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(
        [str(opa), "eval", "-d", str(ROOT / "policies"), "-I", "--format", "json", "data.retention.decision"],
        input=json.dumps(policy_input),
        capture_output=True,
        text=True,
        check=True,
    )
    decision: dict[str, Any] = json.loads(done.stdout)["result"][0]["expressions"][0]["value"]
    return decision


def fixture_inputs() -> list[tuple[str, dict[str, Any]]]:
    """(case id, policy input) in decision order."""
    cases = [(f"case-credit-{s}", build_input(credit_case(s))) for s in CREDIT_SHARES]
    cases += [(f"case-discount-{d}", build_input(discount_case(d))) for d in DISCOUNTS]
    cases.append(("case-unclear", build_input(load_example("pause-unclear"))))
    return cases


def _decision_row(
    n: int, case_id: str, policy_input: dict[str, Any], decision: dict[str, Any], revision: str
) -> dict[str, Any]:
    at = START + timedelta(days=2 * n)
    return {
        "id": f"d-{case_id}",
        "source": "salesforce",
        "event_id": f"evt-{n}",
        "account_id": policy_input["case"]["account"]["id"],
        "outcome": decision["outcome"],
        "payload_raw": json.dumps(policy_input["case"]),
        "payload_sha256": f"{n:064x}",
        "policy_input": policy_input,
        "decision": decision,
        "policy_revision": revision,
        "opa_decision_id": None,
        "decision_time": at,
        "recorded_at": at,
        "latency_ms": 1.0,
        "case_id": case_id,
    }


def _case_rows(case_id: str, at: datetime, *, saved: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    case = {
        "id": case_id,
        "account_id": "001A000001LxQ2",
        "owner_id": "u-csm-17",
        "requester_id": None,
        "status": "saved" if saved else "lost",
        "hold_reason": None,
        "current_decision_id": f"d-{case_id}",
        "current_stage": None,
        "renewal_date": None,
        "authorized_offer": None,
        "authorized_at": at,
        "created_at": at,
        "updated_at": at,
        "version": 1,
    }
    facts = {
        "case_id": case_id,
        "account_id": "001A000001LxQ2",
        "requested_at": at,
        "segment": "mid_market",
        "reason_class": "service",
        "offer_type": "service_credit",
        "policy_revision": "fixture@sha256-0",
        "outcome": "route",
        "concession": True,
        "arr": 84000.0,
        "discount_pct": 0.0,
        "duration_months": 0,
        "credit_amount": 3000.0,
        "offer_cost": 3000.0,
        "margin_after_pct": 70.0,
        "routed_at": at,
        "owner_response_seconds": None,
        "authorized_at": at,
        "authorization_seconds": None,
        "presented_at": at,
        "accepted_at": at,
        "offer_declined_at": None,
        "stayed_at": at if saved else None,
        "lost_at": None if saved else at + timedelta(days=30),
        "confirmed_at": None,
        "saved": saved,
        "confirmed": False,
        "regretted": not saved,
        "regret_reasons": None if saved else "lost_within_window",
    }
    return case, facts


def seed_fixture_log(database_url: str, opa: Path, revision: str = OTHER_REVISION) -> list[tuple[str, dict[str, Any]]]:
    """Write the fixture log into a migrated database, as decided under revision; return its (case id, input)."""
    inputs = fixture_inputs()
    rows = [_decision_row(n, case_id, pi, decide(opa, pi), revision) for n, (case_id, pi) in enumerate(inputs)]
    # Logged by a service older than the account history: the candidate's schema requires it.
    refused = {**rows[0], "id": REFUSED_ID, "event_id": "evt-refused", "case_id": None}
    refused["policy_input"] = {k: v for k, v in rows[0]["policy_input"].items() if k != "history"}
    engine = create_engine(sync_url(database_url))
    with engine.begin() as conn:
        logged = [*rows, refused]
        append_rows(conn, chain="decisions", rows=logged)
        conn.execute(insert(Decision.__table__), logged)
        by_case = {r["case_id"]: r for r in rows}
        for case_id in (SAVED_CASE, LOST_CASE):
            case, fact = _case_rows(case_id, by_case[case_id]["decision_time"], saved=case_id == SAVED_CASE)
            conn.execute(insert(SaveCase.__table__), [case])
            conn.execute(insert(CaseFacts.__table__), [fact])
    engine.dispose()
    return inputs
