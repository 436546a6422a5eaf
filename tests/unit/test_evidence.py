"""Evidence assembly against figures worked out by hand from the domain brief's formulas."""

import copy
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.cases.schemas import SaveCaseCreate
from app.clock import FixedClock
from app.evidence import assemble_evidence
from tests.conftest import EXAMPLES

DECIDED_AT = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _raw(name: str) -> dict:
    return json.loads((EXAMPLES / f"save-case-{name}.json").read_text(encoding="utf-8"))


def _case(raw: dict) -> SaveCaseCreate:
    return SaveCaseCreate.model_validate_json(json.dumps(raw))


def _derived(raw: dict, at: datetime = DECIDED_AT) -> dict:
    return assemble_evidence(case=_case(raw), decision_time=at).derived.model_dump()


def test_service_recovery_example() -> None:
    derived = _derived(_raw("service-recovery"))
    # 2026-11-22 -> 2027-01-31: 8 days to 30 Nov, +31 December, +31 January = 70.
    assert derived["days_to_renewal"] == 70
    # 2026-11-20T12:00Z to 2026-11-22T12:00Z.
    assert derived["evidence_age_days"] == pytest.approx(2.0)
    # 2023-02-01 -> 2026-11-22: 3 years and 9 whole months.
    assert derived["tenure_months"] == 45
    # 3,000 credit on 84,000 ARR = 3.5714 %; the credit is the concession d.
    assert derived["credit_share_pct"] == pytest.approx(3.571428571)
    assert derived["concession_pct"] == pytest.approx(3.571428571)
    # 100 × (1 − 0.28 / (1 − 0.035714)) = 100 × (1 − 0.290370) = 70.9630.
    assert derived["margin_after_offer_pct"] == pytest.approx(70.96296296)
    assert derived["offer_cost"] == 3000
    assert derived["decision_time"] == DECIDED_AT


def test_price_discount_example() -> None:
    derived = _derived(_raw("price-discount"))
    # 2026-11-22 -> 2027-01-10: 8 + 31 + 10 = 49.
    assert derived["days_to_renewal"] == 49
    # 2026-11-18T08:00Z: 4 days and 4 hours.
    assert derived["evidence_age_days"] == pytest.approx(4 + 4 / 24)
    # 2021-06-15 -> 2026-11-22: 5 years and 5 whole months.
    assert derived["tenure_months"] == 65
    assert derived["credit_share_pct"] == 0
    assert derived["concession_pct"] == 22
    # 100 × (1 − 0.22 / 0.78) = 71.7949.
    assert derived["margin_after_offer_pct"] == pytest.approx(71.79487179)
    # 310,000 / 12 × 22 % × 12 months = 68,200.00 exactly.
    assert derived["offer_cost"] == 68200.0


def test_pause_unclear_example_keeps_missing_margin_missing() -> None:
    derived = _derived(_raw("pause-unclear"))
    # 2026-11-22 -> 2026-12-01: 9 days.
    assert derived["days_to_renewal"] == 9
    # 2026-11-21T17:00Z: 19 hours.
    assert derived["evidence_age_days"] == pytest.approx(19 / 24)
    # 2025-09-01 -> 2026-11-22: 14 whole months.
    assert derived["tenure_months"] == 14
    assert derived["concession_pct"] == 10
    # No gross margin: the margin after the offer is unknown, not zero; the policy pauses on it.
    assert derived["margin_after_offer_pct"] is None
    # 9,600 / 12 × 10 % × 3 months = 240.
    assert derived["offer_cost"] == 240.0


def test_renewal_in_the_past_counts_negative_days() -> None:
    raw = _raw("service-recovery")
    raw["contract"]["renewal_date"] = "2026-11-12"
    assert _derived(raw)["days_to_renewal"] == -10


def test_missing_evidence_date_and_start_date_stay_missing() -> None:
    raw = _raw("service-recovery")
    del raw["evidence_as_of"]
    raw["account"]["customer_since"] = None
    derived = _derived(raw)
    assert derived["evidence_age_days"] is None
    assert derived["tenure_months"] is None


def test_tenure_counts_only_whole_months() -> None:
    raw = _raw("service-recovery")
    raw["account"]["customer_since"] = "2025-11-23"
    # One day short of a year at 2026-11-22.
    assert _derived(raw)["tenure_months"] == 11
    raw["account"]["customer_since"] = "2025-11-22"
    assert _derived(raw)["tenure_months"] == 12


@pytest.mark.parametrize("arr", [None, 0])
def test_credit_share_and_margin_unknown_without_arr(arr: float | None) -> None:
    raw = _raw("service-recovery")
    raw["account"]["arr"] = arr
    derived = _derived(raw)
    assert derived["credit_share_pct"] is None
    assert derived["concession_pct"] is None
    assert derived["margin_after_offer_pct"] is None
    assert derived["offer_cost"] == 3000


def test_discount_cost_without_arr_is_unknown() -> None:
    raw = _raw("price-discount")
    raw["account"]["arr"] = None
    assert _derived(raw)["offer_cost"] is None


def test_offer_cost_is_rounded_to_cents() -> None:
    raw = _raw("price-discount")
    raw["account"]["arr"] = 100_000.0
    raw["proposed_offer"].update(discount_pct=7.0, duration_months=5)
    # 100,000 × 7 × 5 / 1,200 = 2,916.6666… -> 2,916.67.
    assert _derived(raw)["offer_cost"] == 2916.67


def test_offers_without_cost_cost_nothing_and_keep_the_margin() -> None:
    raw = _raw("service-recovery")
    raw["proposed_offer"].update(type="re_onboarding", credit_amount=0)
    derived = _derived(raw)
    assert derived["offer_cost"] == 0
    assert derived["concession_pct"] == 0
    assert derived["credit_share_pct"] == 0
    assert derived["margin_after_offer_pct"] == pytest.approx(72.0)


def test_decision_time_comes_from_the_clock_in_any_timezone() -> None:
    clock = FixedClock(datetime(2026, 11, 22, 23, 30, tzinfo=timezone(timedelta(hours=-5))))
    derived = _derived(_raw("service-recovery"), at=clock.now())
    # 23:30 at UTC−5 is 04:30 UTC on 23 November: one day less to renewal.
    assert derived["days_to_renewal"] == 69
    assert derived["evidence_age_days"] == pytest.approx(2 + 16.5 / 24)
    assert derived["decision_time"] == clock.now()


def test_a_naive_decision_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        assemble_evidence(case=_case(_raw("service-recovery")), decision_time=datetime(2026, 11, 22, 12, 0))


def test_the_case_reaches_the_policy_as_received() -> None:
    raw = _raw("service-recovery")
    policy_input = assemble_evidence(case=_case(copy.deepcopy(raw)), decision_time=DECIDED_AT)
    sent = json.loads(policy_input.model_dump_json(exclude_unset=True))["case"]
    assert sent == raw
