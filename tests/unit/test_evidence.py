"""Evidence assembly against figures worked out by hand from the domain brief's formulas."""

import copy
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from app import vocabulary
from app.cases import evidence
from app.cases.evidence import assemble_evidence, check_costed_offer_types
from app.cases.schemas import SaveCaseCreate
from app.clock import FixedClock
from app.policy.schemas import NO_HISTORY
from tests.conftest import EXAMPLES

DECIDED_AT = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _raw(name: str) -> dict:
    return json.loads((EXAMPLES / f"save-case-{name}.json").read_text(encoding="utf-8"))


def _case(raw: dict) -> SaveCaseCreate:
    return SaveCaseCreate.model_validate_json(json.dumps(raw))


def _derived(raw: dict, at: datetime = DECIDED_AT) -> dict:
    return assemble_evidence(case=_case(raw), decision_time=at, history=NO_HISTORY).derived.model_dump()


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
        assemble_evidence(
            case=_case(_raw("service-recovery")), decision_time=datetime(2026, 11, 22, 12, 0), history=NO_HISTORY
        )


def test_the_case_reaches_the_policy_as_received() -> None:
    raw = _raw("service-recovery")
    policy_input = assemble_evidence(case=_case(copy.deepcopy(raw)), decision_time=DECIDED_AT, history=NO_HISTORY)
    sent = json.loads(policy_input.model_dump_json(exclude_unset=True))["case"]
    assert sent == raw


def test_no_contract_means_no_days_to_renewal() -> None:
    raw = _raw("service-recovery")
    del raw["contract"]
    assert _derived(raw)["days_to_renewal"] is None


def test_no_offer_costs_nothing_and_leaves_the_gross_margin() -> None:
    raw = _raw("service-recovery")
    raw["proposed_offer"] = {"type": "none"}
    derived = _derived(raw)
    assert derived["offer_cost"] == 0
    assert derived["concession_pct"] == 0
    assert derived["credit_share_pct"] == 0
    # d = 0: 100 × (1 − 0.28 / 1) = 72, the gross margin itself.
    assert derived["margin_after_offer_pct"] == pytest.approx(72.0)


def test_credit_only_offer_uses_its_share_of_arr_as_d() -> None:
    raw = _raw("service-recovery")
    raw["account"].update(arr=40_000, gross_margin_pct=60)
    raw["proposed_offer"].update(credit_amount=8_000)
    derived = _derived(raw)
    # 8,000 / 40,000 = 20 % of ARR; margin 100 × (1 − 0.40 / 0.80) = 50.
    assert derived["credit_share_pct"] == pytest.approx(20.0)
    assert derived["concession_pct"] == pytest.approx(20.0)
    assert derived["margin_after_offer_pct"] == pytest.approx(50.0)
    assert derived["offer_cost"] == 8000


def test_discount_with_duration_costs_per_month() -> None:
    raw = _raw("price-discount")
    raw["account"].update(arr=120_000, gross_margin_pct=80)
    raw["proposed_offer"].update(discount_pct=15, duration_months=18)
    derived = _derived(raw)
    # 120,000 / 12 = 10,000 a month; 15 % of it = 1,500; × 18 months = 27,000.
    assert derived["offer_cost"] == 27000.0
    # 100 × (1 − 0.20 / 0.85) = 76.4706.
    assert derived["margin_after_offer_pct"] == pytest.approx(76.47058824)
    assert derived["credit_share_pct"] == 0


def test_discount_on_zero_arr_costs_nothing_and_keeps_its_margin() -> None:
    # Every figure derives; the policy pauses on the ARR itself (evidence.costed_positive_fields).
    raw = _raw("price-discount")
    raw["account"]["arr"] = 0
    derived = _derived(raw)
    assert derived["offer_cost"] == 0
    assert derived["concession_pct"] == 22
    # The discount's margin does not depend on ARR: 100 × (1 − 0.22 / 0.78).
    assert derived["margin_after_offer_pct"] == pytest.approx(71.79487179)


def test_offer_cost_rounds_down_to_cents_too() -> None:
    raw = _raw("price-discount")
    raw["account"]["arr"] = 12_345.67
    raw["proposed_offer"].update(discount_pct=3.3, duration_months=7)
    # 12,345.67 × 3.3 = 40,740.711; × 7 = 285,184.977; / 1,200 = 237.654… -> 237.65.
    assert _derived(raw)["offer_cost"] == 237.65


def test_a_full_discount_leaves_the_lowest_margin_not_an_unknown_one() -> None:
    raw = _raw("price-discount")
    raw["proposed_offer"]["discount_pct"] = 100
    derived = _derived(raw)
    # No revenue is left to divide by: the margin is below any floor, reported as the lowest margin.
    assert derived["margin_after_offer_pct"] == evidence.LOWEST_MARGIN_AFTER_OFFER_PCT == -1_000_000
    assert derived["concession_pct"] == 100
    # 310,000 / 12 × 100 % × 12 months = 310,000.
    assert derived["offer_cost"] == 310000.0


def test_a_credit_of_the_whole_arr_leaves_the_lowest_margin() -> None:
    raw = _raw("service-recovery")
    raw["proposed_offer"]["credit_amount"] = 84_000
    derived = _derived(raw)
    # 84,000 on 84,000 ARR: 100 % of it; the margin after it is below any floor, not unknown.
    assert derived["credit_share_pct"] == 100
    assert derived["concession_pct"] == 100
    assert derived["margin_after_offer_pct"] == evidence.LOWEST_MARGIN_AFTER_OFFER_PCT
    assert derived["offer_cost"] == 84_000


@pytest.mark.parametrize("arr", [84_000, 23_839_150_591.577595, 0.01, 999_999_999_999.99])
def test_a_credit_equal_to_the_arr_is_exactly_all_of_it(arr: float) -> None:
    raw = _raw("service-recovery")
    raw["account"].update(arr=arr, gross_margin_pct=100)
    raw["proposed_offer"]["credit_amount"] = arr
    derived = _derived(raw)
    # In floats 100 × 23,839,150,591.577595 / 23,839,150,591.577595 is 99.99999999999999: with no cost of
    # goods the margin would then read 100 %. Computed exactly, the credit is all of the revenue.
    assert derived["credit_share_pct"] == 100
    assert derived["margin_after_offer_pct"] == evidence.LOWEST_MARGIN_AFTER_OFFER_PCT


def test_a_credit_above_the_arr_leaves_the_lowest_margin() -> None:
    raw = _raw("service-recovery")
    raw["proposed_offer"]["credit_amount"] = 100_000
    derived = _derived(raw)
    # 100,000 / 84,000 = 119.0476 % of ARR: more than the revenue.
    assert derived["credit_share_pct"] == pytest.approx(119.04761905)
    assert derived["margin_after_offer_pct"] == evidence.LOWEST_MARGIN_AFTER_OFFER_PCT


def test_a_credit_just_under_the_arr_keeps_its_formula_margin() -> None:
    raw = _raw("service-recovery")
    raw["proposed_offer"]["credit_amount"] = 83_160
    derived = _derived(raw)
    # 83,160 / 84,000 = 99 %: 100 × (1 − 0.28 / 0.01) = −2,700.
    assert derived["credit_share_pct"] == pytest.approx(99.0)
    assert derived["margin_after_offer_pct"] == pytest.approx(-2700.0)


def test_the_margin_never_reads_below_the_lowest_margin() -> None:
    raw = _raw("service-recovery")
    raw["proposed_offer"]["credit_amount"] = 83_999
    # 83,999 / 84,000 = 99.9988 %: 100 × (1 − 0.28 / 0.0000119) = −2,351,900, reported at the bound.
    assert _derived(raw)["margin_after_offer_pct"] == evidence.LOWEST_MARGIN_AFTER_OFFER_PCT


def test_no_cost_of_goods_and_no_revenue_left_is_still_the_lowest_margin() -> None:
    raw = _raw("service-recovery")
    raw["account"]["gross_margin_pct"] = 100
    raw["proposed_offer"]["credit_amount"] = 84_000
    # 0 / 0 in the formula: the concession still took all of the revenue.
    assert _derived(raw)["margin_after_offer_pct"] == evidence.LOWEST_MARGIN_AFTER_OFFER_PCT


def test_a_credit_share_that_overflows_on_a_tiny_arr_is_unknown() -> None:
    raw = _raw("service-recovery")
    raw["account"]["arr"] = 5e-324
    derived = _derived(raw)
    # 100 × 3,000 / 5e-324 is infinite: no share, concession or margin; the policy pauses naming them.
    assert derived["credit_share_pct"] is None
    assert derived["concession_pct"] is None
    assert derived["margin_after_offer_pct"] is None
    assert derived["offer_cost"] == 3000


def test_a_credit_on_a_tiny_arr_is_a_huge_but_finite_share() -> None:
    raw = _raw("service-recovery")
    raw["account"]["arr"] = 0.01
    derived = _derived(raw)
    # 3,000 on one cent: 30,000,000 % of ARR, declined on its caps.
    assert derived["credit_share_pct"] == pytest.approx(30_000_000)
    assert derived["margin_after_offer_pct"] == evidence.LOWEST_MARGIN_AFTER_OFFER_PCT


def test_negative_gross_margin_gives_a_negative_margin_after_offer() -> None:
    raw = _raw("price-discount")
    raw["account"]["gross_margin_pct"] = -10
    # 100 × (1 − 1.10 / 0.78) = 100 × (1 − 1.410256) = −41.0256.
    assert _derived(raw)["margin_after_offer_pct"] == pytest.approx(-41.02564103)


def test_missing_margin_with_credit_stays_missing() -> None:
    raw = _raw("service-recovery")
    raw["account"]["gross_margin_pct"] = None
    derived = _derived(raw)
    assert derived["margin_after_offer_pct"] is None
    assert derived["credit_share_pct"] == pytest.approx(3.571428571)


def test_moving_the_injected_clock_moves_every_time_based_fact(clock: FixedClock) -> None:
    case = _case(_raw("price-discount"))
    first = assemble_evidence(case=case, decision_time=clock.now(), history=NO_HISTORY).derived
    assert first.decision_time == datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert (first.days_to_renewal, first.tenure_months) == (49, 65)
    clock.set(datetime(2027, 1, 15, 8, 0, tzinfo=UTC))
    later = assemble_evidence(case=case, decision_time=clock.now(), history=NO_HISTORY).derived
    assert later.decision_time == datetime(2027, 1, 15, 8, 0, tzinfo=UTC)
    # Renewal 2027-01-10 is now five days gone.
    assert later.days_to_renewal == -5
    # 2026-11-18T08:00Z -> 2027-01-15T08:00Z: 12 + 31 + 15 = 58 days.
    assert later.evidence_age_days == pytest.approx(58.0)
    # 2021-06-15 -> 2027-01-15: 5 years and 7 whole months.
    assert later.tenure_months == 67


def test_which_offers_cost_money_is_the_policy_datas_word() -> None:
    data = json.loads(vocabulary.shipped_config_path().read_text(encoding="utf-8"))
    assert frozenset(data["evidence"]["costed_offer_types"]) == vocabulary.COSTED_OFFER_TYPES


def test_a_discount_the_data_does_not_cost_costs_nothing_and_keeps_the_margin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vocabulary, "COSTED_OFFER_TYPES", frozenset({"service_credit"}))
    derived = _derived(_raw("price-discount"))
    assert derived["offer_cost"] == 0
    assert derived["concession_pct"] == 0
    # d = 0: the gross margin itself.
    assert derived["margin_after_offer_pct"] == pytest.approx(78.0)


def test_a_credit_the_data_does_not_cost_costs_nothing_but_keeps_its_share(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vocabulary, "COSTED_OFFER_TYPES", frozenset({"discount"}))
    derived = _derived(_raw("service-recovery"))
    assert derived["offer_cost"] == 0
    assert derived["concession_pct"] == 0
    assert derived["margin_after_offer_pct"] == pytest.approx(72.0)
    # The credit's size still caps it (credit.max_pct), costed or not.
    assert derived["credit_share_pct"] == pytest.approx(3.571428571)


def test_the_shipped_costed_offer_types_all_have_a_formula() -> None:
    assert vocabulary.COSTED_OFFER_TYPES <= evidence.PRICED_OFFER_TYPES
    check_costed_offer_types(vocabulary.COSTED_OFFER_TYPES)


def test_a_costed_type_without_a_formula_is_refused_rather_than_priced_at_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(vocabulary.VocabularyError, match=r"\['pause'\]"):
        check_costed_offer_types(["discount", "pause"])
    monkeypatch.setattr(vocabulary, "COSTED_OFFER_TYPES", frozenset({"discount", "service_credit", "pause"}))
    raw = _raw("service-recovery")
    raw["proposed_offer"] = {"type": "pause", "duration_months": 2}
    with pytest.raises(vocabulary.VocabularyError, match="no cost formula"):
        _derived(raw)
