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
