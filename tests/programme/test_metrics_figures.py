"""Each programme figure against hand-computed values on a small fixed data set, on each real database.

Six cases, written straight into the tables the metrics read (as the workflow would have left them):

| case | reason  | offer          | segment    | rev   | owner h | auth h | outcome                        |
|------|---------|----------------|------------|-------|---------|--------|--------------------------------|
| c1   | price   | discount 10 %  | enterprise | rev-a | 2       | 10     | accepted, confirmed            |
| c2   | price   | discount 15 %  | smb        | rev-a | 4       | 20     | accepted, lost: regretted      |
| c3   | service | service_credit | mid_market | rev-b | 1       | 5      | accepted, saved, not confirmed |
| c4   | service | discount 5 %   | mid_market | rev-b | 8       | 30     | accepted, confirmed            |
| c5   | value   | pause          | smb        | rev-b | 3       | -      | routed, never authorized       |
| c6   | unclear | none           | smb        | rev-a | -       | -      | paused (requested in July)     |
"""

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.cases.models import SaveCase
from app.database import create_engine, create_session_factory
from app.decisions.models import Decision
from app.programme.models import CaseFacts
from tests.approvals.conftest import People

T0 = datetime(2026, 6, 1, tzinfo=UTC)
_H = timedelta(hours=1)


def _case(**spec: Any) -> dict[str, Any]:
    return spec


_CASES: list[dict[str, Any]] = [
    _case(
        case_id="c1",
        reason_class="price",
        offer_type="discount",
        segment="enterprise",
        policy_revision="rev-a",
        arr=100000.0,
        discount_pct=10.0,
        duration_months=12,
        credit_amount=0.0,
        offer_cost=10000.0,
        margin_after_pct=60.0,
        owner_h=2,
        auth_h=10,
        accepted=True,
        saved=True,
        confirmed=True,
    ),
    _case(
        case_id="c2",
        reason_class="price",
        offer_type="discount",
        segment="smb",
        policy_revision="rev-a",
        arr=20000.0,
        discount_pct=15.0,
        duration_months=12,
        credit_amount=0.0,
        offer_cost=3000.0,
        margin_after_pct=50.0,
        owner_h=4,
        auth_h=20,
        accepted=True,
        lost=True,
        regretted="lost_within_window",
    ),
    _case(
        case_id="c3",
        reason_class="service",
        offer_type="service_credit",
        segment="mid_market",
        policy_revision="rev-b",
        arr=50000.0,
        discount_pct=0.0,
        duration_months=0,
        credit_amount=2000.0,
        offer_cost=2000.0,
        margin_after_pct=70.0,
        owner_h=1,
        auth_h=5,
        accepted=True,
        saved=True,
    ),
    _case(
        case_id="c4",
        reason_class="service",
        offer_type="discount",
        segment="mid_market",
        policy_revision="rev-b",
        arr=40000.0,
        discount_pct=5.0,
        duration_months=6,
        credit_amount=0.0,
        offer_cost=1000.0,
        margin_after_pct=65.0,
        owner_h=8,
        auth_h=30,
        accepted=True,
        saved=True,
        confirmed=True,
    ),
    _case(
        case_id="c5",
        reason_class="value",
        offer_type="pause",
        segment="smb",
        policy_revision="rev-b",
        arr=30000.0,
        discount_pct=0.0,
        duration_months=2,
        credit_amount=0.0,
        offer_cost=0.0,
        margin_after_pct=70.0,
        owner_h=3,
    ),
    _case(
        case_id="c6",
        reason_class="unclear",
        offer_type="none",
        segment="smb",
        policy_revision="rev-a",
        arr=10000.0,
        discount_pct=0.0,
        duration_months=0,
        credit_amount=0.0,
        offer_cost=0.0,
        margin_after_pct=None,
        outcome="pause",
        requested_at=T0 + timedelta(days=40),
    ),
]


def _rows(spec: dict[str, Any]) -> tuple[Decision, SaveCase, CaseFacts]:
    at = spec.get("requested_at", T0)
    routed = spec.get("outcome", "route") == "route"
    authorized = at + spec["auth_h"] * _H if "auth_h" in spec else None
    accepted = authorized + 24 * _H if spec.get("accepted") and authorized else None
    decision = Decision(
        id=f"d-{spec['case_id']}",
        source="crm",
        event_id=spec["case_id"],
        account_id=f"a-{spec['case_id']}",
        outcome=spec.get("outcome", "route"),
        payload_raw="{}",
        payload_sha256="0" * 64,
        policy_input={},
        decision={},
        policy_revision=spec["policy_revision"],
        opa_decision_id=None,
        decision_time=at,
        recorded_at=at,
        latency_ms=1.0,
        case_id=spec["case_id"],
    )
    case = SaveCase(
        id=spec["case_id"],
        account_id=decision.account_id,
        owner_id="u-am-04",
        requester_id=None,
        status="lost" if spec.get("lost") else "saved" if spec.get("saved") else "in_review",
        hold_reason=None,
        current_decision_id=decision.id,
        current_stage=None,
        renewal_date=None,
        authorized_offer=None,
        authorized_at=authorized,
        created_at=at,
        updated_at=at,
    )
    facts = CaseFacts(
        case_id=spec["case_id"],
        account_id=decision.account_id,
        requested_at=at,
        segment=spec["segment"],
        reason_class=spec["reason_class"],
        offer_type=spec["offer_type"],
        policy_revision=spec["policy_revision"],
        outcome=spec.get("outcome", "route"),
        concession=spec["offer_type"] != "none",
        arr=spec["arr"],
        discount_pct=spec["discount_pct"],
        duration_months=spec["duration_months"],
        credit_amount=spec["credit_amount"],
        offer_cost=spec["offer_cost"],
        margin_after_pct=spec["margin_after_pct"],
        routed_at=at if routed else None,
        owner_response_seconds=spec["owner_h"] * 3600.0 if "owner_h" in spec else None,
        authorized_at=authorized,
        authorization_seconds=spec["auth_h"] * 3600.0 if "auth_h" in spec else None,
        presented_at=accepted,
        accepted_at=accepted,
        offer_declined_at=None,
        stayed_at=accepted + 30 * 24 * _H if accepted and spec.get("saved") else None,
        lost_at=accepted + 60 * 24 * _H if accepted and spec.get("lost") else None,
        confirmed_at=accepted + 95 * 24 * _H if accepted and spec.get("confirmed") else None,
        saved=bool(spec.get("saved")),
        confirmed=bool(spec.get("confirmed")),
        regretted="regretted" in spec,
        regret_reasons=spec.get("regretted"),
    )
    return decision, case, facts


@pytest.fixture
def fixed_programme(database_url: str) -> None:
    async def _load() -> None:
        engine = create_engine(database_url)
        try:
            async with create_session_factory(engine)() as session, session.begin():
                rows = [_rows(spec) for spec in _CASES]
                session.add_all([decision for decision, _, _ in rows])
                await session.flush()
                session.add_all([case for _, case, _ in rows])
                await session.flush()
                session.add_all([facts for _, _, facts in rows])
        finally:
            await engine.dispose()

    asyncio.run(_load())


def _get(people: People, **params: str) -> dict[str, Any]:
    answer = people["u-fin-01"].get("/v1/metrics/programme", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.usefixtures("fixed_programme")
def test_every_figure_matches_the_hand_computed_value(people: People) -> None:
    figures = _get(people)
    assert figures["save_requests"] == 6
    assert [(r["reason_class"], r["count"]) for r in figures["reason_mix"]] == [
        ("price", 2),
        ("service", 2),
        ("unclear", 1),
        ("value", 1),
    ]
    # Owner response 1, 2, 3, 4, 8 h: nearest rank 3 of 5 and 5 of 5. Authorization 5, 10, 20, 30 h: 2 and 4 of 4.
    assert figures["owner_response_time"] == {"count": 5, "p50_hours": 3.0, "p90_hours": 8.0}
    assert figures["time_to_authorization"] == {"count": 4, "p50_hours": 10.0, "p90_hours": 30.0}
    assert figures["offer_approval_rate"] == {"numerator": 4, "denominator": 5, "rate": 0.8}
    assert figures["offer_acceptance_rate"] == {"numerator": 4, "denominator": 4, "rate": 1.0}
    assert figures["save_rate"] == {"numerator": 3, "denominator": 5, "rate": 0.6}
    assert figures["confirmed_save_rate"] == {"numerator": 2, "denominator": 5, "rate": 0.4}
    assert figures["discounts"] == {"count": 3, "average_pct": 10.0, "total_cost": 14000.0}
    assert figures["credits"] == {"count": 1, "total_amount": 2000.0}
    assert figures["retained_arr"] == 140000.0
    # 100,000 × 60 % − 10,000 and 40,000 × 65 % − 1,000.
    assert figures["retained_margin"] == 75000.0
    assert figures["regretted_saves"]["count"] == 1
    [regretted] = figures["regretted_saves"]["cases"]
    assert (regretted["case_id"], regretted["reasons"]) == ("c2", ["lost_within_window"])
    assert figures["discount_where_cause_was_service"] == {"count": 1, "finding": True}
    by_revision = {row["key"]: row for row in figures["by_policy_revision"]}
    assert by_revision["rev-a"] == {
        "key": "rev-a",
        "save_requests": 3,
        "routed": 2,
        "authorized": 2,
        "saves": 1,
        "confirmed_saves": 1,
        "save_rate": 0.5,
        "confirmed_save_rate": 0.5,
    }
    assert (by_revision["rev-b"]["saves"], by_revision["rev-b"]["save_rate"]) == (2, 0.6667)
    by_offer = {row["key"]: (row["save_requests"], row["saves"]) for row in figures["by_offer_type"]}
    assert by_offer == {"discount": (3, 2), "service_credit": (1, 1), "pause": (1, 0), "none": (1, 0)}
    by_segment = {row["key"]: row["routed"] for row in figures["by_segment"]}
    assert by_segment == {"enterprise": 1, "mid_market": 2, "smb": 2}
    assert {row["key"]: row["confirmed_saves"] for row in figures["by_reason_class"]}["service"] == 1


@pytest.mark.usefixtures("fixed_programme")
def test_filters_narrow_the_cases_measured(people: People) -> None:
    smb = _get(people, segment="smb")
    assert (smb["save_requests"], smb["save_rate"]["denominator"], smb["offer_approval_rate"]["numerator"]) == (3, 2, 1)
    june = _get(people, **{"from": "2026-06-01", "to": "2026-06-30"})
    assert june["save_requests"] == 5, "the paused case was requested in July"
    assert _get(people, **{"from": "2026-07-11", "to": "2026-07-11"})["save_requests"] == 1
    priced = _get(people, reason_class="price", offer_type="discount")
    assert (priced["save_requests"], priced["regretted_saves"]["count"]) == (2, 1)
    rev_b = _get(people, policy_revision="rev-b")
    assert rev_b["discount_where_cause_was_service"]["count"] == 1 and rev_b["retained_arr"] == 40000.0
    nothing = _get(people, segment="enterprise", reason_class="service")
    assert nothing["save_requests"] == 0 and nothing["save_rate"]["rate"] is None
    backwards = people["u-fin-01"].get("/v1/metrics/programme", params={"from": "2026-07-01", "to": "2026-06-01"})
    assert backwards.status_code == 400 and "from" in backwards.json()["detail"]


@pytest.mark.usefixtures("fixed_programme")
def test_the_same_figures_as_csv(people: People, http: httpx.Client) -> None:
    answer = people["u-exec-01"].get("/v1/metrics/programme", params={"format": "csv"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0] == ["section", "key", "metric", "value"]
    cells = {(section, key, metric): value for section, key, metric, value in rows[1:]}
    assert cells[("save_rate", "", "rate")] == "0.6"
    assert cells[("by_policy_revision", "rev-a", "saves")] == "1"
    assert cells[("regretted_saves", "c2", "reasons")] == "lost_within_window"
    assert cells[("retained_margin", "", "retained_margin")] == "75000.0"
    by_accept = people["u-exec-01"].get("/v1/metrics/programme", headers={"Accept": "text/csv"})
    assert by_accept.text == answer.text
    # An integration reports outcomes; it does not read the programme.
    assert http.get("/v1/metrics/programme").status_code == 403
