"""One source for each word: the service's enums and constants are the policy data's, never redeclared."""

import copy
import json
import re
from enum import StrEnum
from pathlib import Path

import pytest

from app import vocabulary
from app.approvals import assignment
from app.cases.schemas import CustomerReason, ProposedOffer
from app.config import get_settings
from app.directory.schemas import PersonCreate
from app.policy.schemas import PolicyDecision
from app.vocabulary import (
    DirectoryRole,
    DiscountTier,
    OfferType,
    ReasonCategory,
    ReasonClass,
    Role,
    VocabularyError,
    load_vocabulary,
)
from tests.conftest import ROOT

DATA_FILE = ROOT / "policies" / "retention" / "config" / "data.json"
CONFIG_SCHEMA = ROOT / "policy_schemas" / "config.schema.json"
DATA = json.loads(DATA_FILE.read_text(encoding="utf-8"))
WORDS = DATA["vocabulary"]
TIER_NAMES = [tier["name"] for tier in DATA["discount"]["tiers"]]
TARGETS = DATA["approval"]["escalation_targets"]


def _values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]


def test_the_enums_are_the_shipped_data_words_in_its_order() -> None:
    assert _values(Role) == WORDS["roles"]
    assert _values(OfferType) == WORDS["offer_types"]
    # The policy's own answer when no class fits, and the CRM's when it does not know, are not data.
    assert _values(ReasonClass) == [*WORDS["reason_classes"], "unclear"]
    assert _values(ReasonCategory) == [*WORDS["reason_classes"], "unknown"]
    assert _values(DiscountTier) == ["none", *TIER_NAMES, "not_allowed"]


def test_directory_roles_are_the_chain_roles_the_escalation_targets_and_csm() -> None:
    task_roles = set(WORDS["roles"]) | set(TARGETS) | set(TARGETS.values())
    assert set(_values(DirectoryRole)) == task_roles | {"csm"}
    assert "finance_lead" in _values(DirectoryRole)
    assert _values(DirectoryRole)[: len(WORDS["roles"])] == WORDS["roles"]


def test_the_constants_are_the_shipped_data() -> None:
    assert frozenset(DATA["evidence"]["costed_offer_types"]) == vocabulary.COSTED_OFFER_TYPES
    assert frozenset(DATA["offers"]["concession_types"]) == vocabulary.CONCESSION_TYPES
    assert DATA["approval"]["default_sla_hours"] == vocabulary.DEFAULT_SLA_HOURS
    assert DATA["approval"]["owner_role"] == vocabulary.OWNER_ROLE
    assert DATA["approval"]["owner_role"] == assignment.OWNER_ROLE


def test_the_vocabulary_comes_from_the_bundle_shipped_with_the_service() -> None:
    shipped = get_settings().policy_dir / "retention" / "config" / "data.json"
    assert vocabulary.shipped_config_path() == shipped
    assert load_vocabulary(shipped) == vocabulary.VOCABULARY


@pytest.mark.parametrize(
    ("model", "field", "schema_name", "enum"),
    [
        (PolicyDecision, "reason_class", "ReasonClass", ReasonClass),
        (PolicyDecision, "discount_tier", "DiscountTier", DiscountTier),
        (ProposedOffer, "type", "OfferType", OfferType),
        (CustomerReason, "category", "ReasonCategory", ReasonCategory),
    ],
)
def test_the_models_use_the_vocabulary_under_stable_schema_names(
    model: type, field: str, schema_name: str, enum: type[StrEnum]
) -> None:
    schema = model.model_json_schema()
    assert schema["$defs"][schema_name]["enum"] == _values(enum)
    assert f"#/$defs/{schema_name}" in json.dumps(schema["properties"][field])


def test_chain_and_directory_roles_keep_their_schema_names() -> None:
    assert PolicyDecision.model_json_schema()["$defs"]["Role"]["enum"] == WORDS["roles"]
    assert PersonCreate.model_json_schema()["$defs"]["DirectoryRole"]["enum"] == _values(DirectoryRole)


def test_no_module_redeclares_a_vocabulary_enum() -> None:
    names = "|".join(("Role", "OfferType", "ReasonClass", "ReasonCategory", "DiscountTier", "DirectoryRole"))
    declaration = re.compile(rf"^class ({names})\b|^({names}) = ", re.MULTILINE)
    declared = {
        path.relative_to(ROOT).as_posix(): [m.group(0) for m in declaration.finditer(path.read_text(encoding="utf-8"))]
        for path in (ROOT / "app").rglob("*.py")
    }
    assert {path for path, found in declared.items() if found} == {"app/vocabulary.py"}


def test_the_config_schema_names_exactly_the_data_words() -> None:
    """The JSON Schema validates the words; when the data gains or loses one, the schema must follow."""
    defs = json.loads(CONFIG_SCHEMA.read_text(encoding="utf-8"))["$defs"]
    assert defs["reasonClass"]["enum"] == WORDS["reason_classes"]
    assert defs["offerType"]["enum"] == WORDS["offer_types"]
    assert defs["role"]["enum"] == WORDS["roles"]
    assert defs["tierName"]["enum"] == TIER_NAMES
    assert set(defs["taskRole"]["enum"]) == set(vocabulary.VOCABULARY.task_roles)


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "data.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_word_added_to_the_data_reaches_the_loaded_vocabulary(tmp_path: Path) -> None:
    data = copy.deepcopy(DATA)
    data["vocabulary"]["roles"].append("procurement")
    data["vocabulary"]["offer_types"].append("gift_card")
    data["discount"]["tiers"].append({"name": "exceptional", "max_pct": 40})
    data["evidence"]["costed_offer_types"] = ["discount"]
    data["approval"]["escalation_targets"]["procurement"] = "cfo"
    data["approval"]["owner_role"] = "procurement"
    loaded = load_vocabulary(_write(tmp_path, data))
    assert loaded.roles[-1] == "procurement"
    assert loaded.offer_types[-1] == "gift_card"
    assert loaded.tier_names[-1] == "exceptional"
    assert loaded.costed_offer_types == frozenset({"discount"})
    assert loaded.owner_role == "procurement"
    assert loaded.directory_roles[-3:] == ("finance_lead", "cfo", "csm")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["discount"]["tiers"].append({"name": "not_allowed", "max_pct": 40}), "discount.tiers[].name"),
        (lambda d: d["vocabulary"]["reason_classes"].append("unclear"), "vocabulary.reason_classes"),
        (lambda d: d["vocabulary"]["roles"].append("finance"), "names a word twice"),
        (lambda d: d["evidence"]["costed_offer_types"].append("gift_card"), "evidence.costed_offer_types"),
        (lambda d: d["offers"]["concession_types"].append("gift_card"), "offers.concession_types"),
        (lambda d: d["approval"].update(owner_role="csm"), "approval.owner_role"),
        (lambda d: d["approval"].pop("default_sla_hours"), "approval.default_sla_hours"),
        (lambda d: d["vocabulary"].update(offer_types=[]), "vocabulary.offer_types"),
        (lambda d: d["vocabulary"]["roles"].append("Account Owner"), "vocabulary.roles"),
    ],
)
def test_data_the_service_cannot_read_stops_it_naming_the_key(tmp_path: Path, change, message: str) -> None:
    data = copy.deepcopy(DATA)
    change(data)
    path = _write(tmp_path, data)
    with pytest.raises(VocabularyError, match=re.escape(message)) as caught:
        load_vocabulary(path)
    assert str(path) in str(caught.value)


def test_a_missing_data_file_stops_the_service_naming_it(tmp_path: Path) -> None:
    with pytest.raises(VocabularyError, match=r"cannot be read from .*data\.json"):
        load_vocabulary(tmp_path / "data.json")
