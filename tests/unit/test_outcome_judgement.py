"""What a save attempt's reported facts add up to, whatever order they are reported in."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from app.approvals.states import CASE_TRANSITIONS, CaseStatus
from app.outcomes.judgement import Fact, OutcomeKind, RegretReason, judge, regret_reasons
from app.outcomes.service import case_status

START = datetime(2026, 1, 1, tzinfo=UTC)
WINDOW = timedelta(days=90)
facts_strategy = st.lists(
    st.builds(
        Fact,
        kind=st.sampled_from(list(OutcomeKind)),
        occurred_at=st.integers(0, 400).map(lambda days: START + timedelta(days=days)),
    ),
    max_size=8,
)


@given(facts=facts_strategy, order=st.randoms(use_true_random=False))
def test_the_order_of_the_reports_does_not_change_the_judgement(facts: list[Fact], order: object) -> None:
    shuffled = list(facts)
    order.shuffle(shuffled)  # type: ignore[attr-defined]
    assert judge(shuffled, confirmation_window=WINDOW) == judge(facts, confirmation_window=WINDOW)


@given(facts=facts_strategy, more=facts_strategy)
def test_a_later_report_moves_the_case_only_along_the_transition_table(facts: list[Fact], more: list[Fact]) -> None:
    before = case_status(judge(facts, confirmation_window=WINDOW))
    after = case_status(judge(facts + more, confirmation_window=WINDOW))
    assert after == before or after in CASE_TRANSITIONS[before]


def _at(days: int) -> datetime:
    return START + timedelta(days=days)


def test_a_save_is_confirmed_only_by_a_payment_at_or_after_the_window_and_before_any_cancellation() -> None:
    accepted = Fact(kind=OutcomeKind.OFFER_ACCEPTED, occurred_at=_at(0))
    inside = Fact(kind=OutcomeKind.PAYMENT_RECEIVED, occurred_at=_at(89))
    at_the_end = Fact(kind=OutcomeKind.RENEWED, occurred_at=_at(90))
    assert not judge([accepted, inside], confirmation_window=WINDOW).confirmed
    assert judge([accepted, inside], confirmation_window=WINDOW).saved
    assert judge([accepted, at_the_end], confirmation_window=WINDOW).confirmed_at == _at(90)
    cancelled_first = Fact(kind=OutcomeKind.CUSTOMER_CANCELLED, occurred_at=_at(60))
    judged = judge([accepted, at_the_end, cancelled_first], confirmation_window=WINDOW)
    assert (judged.saved, judged.confirmed, judged.confirmed_at) == (False, False, None)
    past_due = Fact(kind=OutcomeKind.PAYMENT_PAST_DUE, occurred_at=_at(95))
    assert not judge([accepted, past_due], confirmation_window=WINDOW).confirmed


def test_the_status_follows_the_facts() -> None:
    def status(*kinds: OutcomeKind) -> CaseStatus:
        return case_status(
            judge([Fact(kind=k, occurred_at=_at(i)) for i, k in enumerate(kinds)], confirmation_window=WINDOW)
        )

    assert status() == CaseStatus.AUTHORIZED
    assert status(OutcomeKind.OFFER_PRESENTED) == CaseStatus.OFFERED
    assert status(OutcomeKind.OFFER_DECLINED) == CaseStatus.OFFER_DECLINED
    assert status(OutcomeKind.OFFER_DECLINED, OutcomeKind.OFFER_ACCEPTED) == CaseStatus.ACCEPTED
    assert status(OutcomeKind.OFFER_ACCEPTED, OutcomeKind.PAYMENT_RECEIVED) == CaseStatus.SAVED
    # A stay before the acceptance is no stay after the save.
    assert status(OutcomeKind.CUSTOMER_STAYED, OutcomeKind.OFFER_ACCEPTED) == CaseStatus.ACCEPTED
    assert status(OutcomeKind.OFFER_ACCEPTED, OutcomeKind.SUBSCRIPTION_CANCELLED) == CaseStatus.LOST


def test_regret_reasons_at_their_boundaries() -> None:
    def reasons(lost_after: int | None, margin: float | None = 60.0, nearby: int = 1) -> list[RegretReason]:
        facts = [Fact(kind=OutcomeKind.OFFER_ACCEPTED, occurred_at=_at(0))]
        if lost_after is not None:
            facts.append(Fact(kind=OutcomeKind.CUSTOMER_CANCELLED, occurred_at=_at(lost_after)))
        return regret_reasons(
            outcome=judge(facts, confirmation_window=WINDOW),
            margin_after_pct=margin,
            concessions_nearby=nearby,
            lost_within=timedelta(days=183),
            margin_floor_pct=30.0,
            concessions_at_or_over=2,
        )

    assert reasons(183) == [RegretReason.LOST_SOON]
    assert reasons(184) == []
    assert reasons(None, margin=29.99) == [RegretReason.BELOW_MARGIN_FLOOR]
    assert reasons(None, margin=30.0) == []
    assert reasons(None, nearby=2) == [RegretReason.REPEAT_CONCESSIONS]
    assert reasons(None, margin=None) == []
    # Never accepted: no save, so no regretted save.
    never = regret_reasons(
        outcome=judge([Fact(kind=OutcomeKind.OFFER_DECLINED, occurred_at=_at(0))], confirmation_window=WINDOW),
        margin_after_pct=10.0,
        concessions_nearby=5,
        lost_within=timedelta(days=183),
        margin_floor_pct=30.0,
        concessions_at_or_over=2,
    )
    assert never == []
