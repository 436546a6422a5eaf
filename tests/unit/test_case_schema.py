"""The canonical case: every example accepted as is; bad fields refused by name; missing evidence stays missing."""

import json

import pytest
from pydantic import ValidationError

from app.cases.schemas import SaveCaseCreate
from tests.conftest import EXAMPLES

NAMES = ["service-recovery", "price-discount", "pause-unclear"]


def _raw(name: str) -> dict:
    return json.loads((EXAMPLES / f"save-case-{name}.json").read_text(encoding="utf-8"))


def _errors(raw: dict) -> list[dict]:
    with pytest.raises(ValidationError) as caught:
        SaveCaseCreate.model_validate_json(json.dumps(raw))
    return caught.value.errors()


@pytest.mark.parametrize("name", NAMES)
def test_every_example_is_accepted_as_is(name: str) -> None:
    case = SaveCaseCreate.model_validate_json((EXAMPLES / f"save-case-{name}.json").read_text(encoding="utf-8"))
    assert case.event_id == _raw(name)["event_id"]


@pytest.mark.parametrize(
    ("path", "value", "loc"),
    [
        (("account", "segment"), "mega_corp", ("account", "segment")),
        (("trigger",), "angry_tweet", ("trigger",)),
        (("proposed_offer", "type"), "free_lunch", ("proposed_offer", "type")),
        (("account", "arr"), "84000", ("account", "arr")),
        (("proposed_offer", "contract_change"), "yes", ("proposed_offer", "contract_change")),
        (("service_history", "open_tickets"), 2.5, ("service_history", "open_tickets")),
        (("event_id",), 123, ("event_id",)),
        (("risk", "churn_score"), 101, ("risk", "churn_score")),
    ],
)
def test_wrong_types_and_unknown_values_name_the_field(path: tuple[str, ...], value: object, loc: tuple) -> None:
    raw = _raw("service-recovery")
    target = raw
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    errors = _errors(raw)
    assert [error["loc"][: len(loc)] for error in errors] == [loc]


def test_unknown_fields_are_refused() -> None:
    raw = _raw("service-recovery")
    raw["account"]["favourite_colour"] = "teal"
    assert [error["loc"] for error in _errors(raw)] == [("account", "favourite_colour")]


def test_missing_optional_evidence_stays_missing() -> None:
    raw = _raw("pause-unclear")
    del raw["evidence_as_of"]
    case = SaveCaseCreate.model_validate_json(json.dumps(raw))
    assert case.evidence_as_of is None
    assert case.account.gross_margin_pct is None
    assert "evidence_as_of" not in case.model_dump(exclude_unset=True)


@pytest.mark.parametrize(
    ("path", "value", "error_type"),
    [
        (("account", "arr"), True, "float_type"),
        (("account", "name"), 5, "string_type"),
        (("customer_reason", "sentiment"), "furious", "enum"),
        (("contract", "status"), "pending", "enum"),
        (("account", "icp_fit"), "great", "enum"),
        (("evidence_as_of",), "2026-11-20T12:00:00", "timezone_aware"),
        (("contract", "renewal_date"), "31/01/2027", "date_from_datetime_parsing"),
        (("proposed_offer", "discount_pct"), "10", "float_type"),
    ],
)
def test_more_bad_values_are_refused_by_name_and_kind(path: tuple[str, ...], value: object, error_type: str) -> None:
    raw = _raw("service-recovery")
    target = raw
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    errors = _errors(raw)
    assert [(error["loc"], error["type"]) for error in errors] == [(path, error_type)]


def test_unknown_top_level_and_offer_fields_are_refused() -> None:
    raw = _raw("price-discount")
    raw["priority"] = "high"
    raw["proposed_offer"]["free_months"] = 2
    errors = _errors(raw)
    assert sorted((error["loc"], error["type"]) for error in errors) == [
        (("priority",), "extra_forbidden"),
        (("proposed_offer", "free_months"), "extra_forbidden"),
    ]


def test_a_missing_required_field_is_named() -> None:
    raw = _raw("price-discount")
    del raw["proposed_offer"]
    assert [(error["loc"], error["type"]) for error in _errors(raw)] == [(("proposed_offer",), "missing")]


def test_absent_evidence_is_none_not_a_default() -> None:
    raw = _raw("service-recovery")
    for section in ("risk", "contract", "service_history", "billing", "requested_by", "evidence_as_of"):
        del raw[section]
    for field in ("arr", "gross_margin_pct", "owner_id", "customer_since", "icp_fit"):
        del raw["account"][field]
    del raw["customer_reason"]["sentiment"]
    case = SaveCaseCreate.model_validate_json(json.dumps(raw))
    assert (case.risk, case.contract, case.service_history, case.billing, case.evidence_as_of) == (None,) * 5
    account = case.account
    assert (account.arr, account.gross_margin_pct, account.owner_id, account.customer_since, account.icp_fit) == (
        None,
    ) * 5
    # An absent sentiment is unknown to the service, not the "unknown" the CRM may send.
    assert case.customer_reason.sentiment is None


def test_absent_fields_inside_a_present_section_stay_none() -> None:
    raw = _raw("service-recovery")
    raw["contract"] = {"status": "active"}
    raw["risk"] = {}
    case = SaveCaseCreate.model_validate_json(json.dumps(raw))
    assert case.contract is not None and case.contract.renewal_date is None
    assert case.contract.notice_days is None and case.contract.auto_renew is None
    assert case.risk is not None and case.risk.churn_score is None and case.risk.health is None
