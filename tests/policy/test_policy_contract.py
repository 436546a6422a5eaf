"""The policy's contracts: its data and input schemas, the examples' outcomes under `opa eval`, thresholds as data."""

import json
import os
import shutil
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from app.cases.evidence import assemble_evidence
from app.cases.schemas import SaveCaseCreate
from app.policy.bundle import build_bundle, policy_revision
from app.policy.schemas import NO_HISTORY, PolicyDecision
from tests.conftest import DECISION_TIME, ROOT, load_example

POLICIES = ROOT / "policies"
CONFIG = POLICIES / "retention" / "config" / "data.json"
# Outside the bundle directory, so that OPA's own commands load policies/ as it is.
SCHEMAS = ROOT / "policy_schemas"


def _schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


def _policy_input(name: str) -> dict:
    case = SaveCaseCreate.model_validate_json(json.dumps(load_example(name)))
    return json.loads(assemble_evidence(case=case, decision_time=DECISION_TIME, history=NO_HISTORY).model_dump_json())


def _eval(opa_binary: Path, bundle: Path, policy_input: dict, tmp_path: Path) -> dict:
    input_file = tmp_path / "input.json"
    input_file.write_text(json.dumps(policy_input), encoding="utf-8")
    result = subprocess.run(
        [
            str(opa_binary),
            "eval",
            "--format",
            "json",
            "--bundle",
            str(bundle),
            "--input",
            str(input_file),
            "data.retention.decision",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)["result"][0]["expressions"][0]["value"]


def test_threshold_data_validates_against_its_schema() -> None:
    schema = _schema("config.schema.json")
    config = json.loads(CONFIG.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema).check_schema(schema)
    jsonschema.validate(config, schema)
    broken = json.loads(CONFIG.read_text(encoding="utf-8"))
    del broken["approval"]["default_sla_hours"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


@pytest.mark.parametrize("name", ["service-recovery", "price-discount", "pause-unclear"])
def test_assembled_evidence_matches_the_input_schema(name: str) -> None:
    jsonschema.validate(_policy_input(name), _schema("input.schema.json"))


@pytest.mark.parametrize(
    ("name", "outcome", "tier", "chain", "pause_reasons"),
    [
        ("service-recovery", "route", "none", [["account_owner"]], []),
        ("price-discount", "route", "strategic", [["account_owner"], ["finance", "revops"], ["executive"]], []),
        ("pause-unclear", "pause", None, [["account_owner"]], ["missing_evidence", "reason_unclear"]),
    ],
)
def test_opa_eval_of_each_example_gives_the_stated_outcome(
    name: str,
    outcome: str,
    tier: str | None,
    chain: list,
    pause_reasons: list,
    opa_binary: Path,
    policy_bundle: tuple[Path, str],
    tmp_path: Path,
) -> None:
    decision = _eval(opa_binary, policy_bundle[0], _policy_input(name), tmp_path)
    assert decision["outcome"] == outcome
    assert [stage["roles"] for stage in decision["approval_chain"]] == chain
    assert decision["pause_reasons"] == pause_reasons
    if tier is not None:
        assert decision["discount_tier"] == tier
    if name == "service-recovery":
        assert (decision["reason_class"], decision["save_path"]) == ("service", "service_recovery")
    if name == "pause-unclear":
        assert decision["missing_evidence"] == ["account.gross_margin_pct"]


def test_a_threshold_change_in_data_changes_routing_without_rego_changes(opa_binary: Path, tmp_path: Path) -> None:
    policy_input = _policy_input("service-recovery")
    copy = tmp_path / "policies"
    shutil.copytree(POLICIES, copy)
    before, revision_before = build_bundle(opa_binary=opa_binary, policy_dir=copy, out_dir=tmp_path / "before")
    config_file = copy / "retention" / "config" / "data.json"
    config = json.loads(config_file.read_text(encoding="utf-8"))
    # Finance: credits over 3 % of ARR (instead of 5 %) now need finance too.
    config["credit"]["finance_over_pct"] = 3
    config_file.write_text(json.dumps(config, indent=2), encoding="utf-8")
    after, revision_after = build_bundle(opa_binary=opa_binary, policy_dir=copy, out_dir=tmp_path / "after")

    assert [s["roles"] for s in _eval(opa_binary, before, policy_input, tmp_path)["approval_chain"]] == [
        ["account_owner"]
    ]
    assert [s["roles"] for s in _eval(opa_binary, after, policy_input, tmp_path)["approval_chain"]] == [
        ["account_owner"],
        ["finance"],
    ]
    assert revision_before != revision_after
    assert sorted(p.name for p in copy.rglob("*.rego")) == sorted(p.name for p in POLICIES.rglob("*.rego"))


def test_the_revision_is_stable_until_a_policy_file_changes(tmp_path: Path) -> None:
    copy = tmp_path / "policies"
    shutil.copytree(POLICIES, copy)
    assert policy_revision(copy) == policy_revision(POLICIES)
    rego = copy / "retention" / "legal" / "legal.rego"
    rego.write_text(rego.read_text(encoding="utf-8") + "\n# a comment is a change too\n", encoding="utf-8")
    assert policy_revision(copy) != policy_revision(POLICIES)


def test_the_input_schema_refuses_what_the_policy_cannot_read() -> None:
    schema = _schema("input.schema.json")
    good = _policy_input("price-discount")
    jsonschema.validate(good, schema)
    without_derived = {"case": good["case"]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(without_derived, schema)
    bad_trigger = json.loads(json.dumps(good))
    bad_trigger["case"]["trigger"] = "angry_tweet"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad_trigger, schema)


@pytest.mark.parametrize(
    ("name", "sla_hours", "escalation", "reason_class", "save_path"),
    [
        # 70 days to renewal: the default 48 hours; a small credit needs no escalation.
        ("service-recovery", 48, "none", "service", "service_recovery"),
        # 49 days: within 60, so 24 hours; ARR 310,000 and a strategic tier: executive.
        ("price-discount", 24, "executive", "price", "commercial_concession"),
        # 9 days: within 14, so 8 hours; a pause has no save path.
        ("pause-unclear", 8, "none", "unclear", None),
    ],
)
def test_opa_eval_gives_each_example_its_deadline_and_escalation(
    name: str,
    sla_hours: int,
    escalation: str,
    reason_class: str,
    save_path: str | None,
    opa_binary: Path,
    policy_bundle: tuple[Path, str],
    tmp_path: Path,
) -> None:
    decision = _eval(opa_binary, policy_bundle[0], _policy_input(name), tmp_path)
    assert {stage["sla_hours"] for stage in decision["approval_chain"]} == {sla_hours}
    assert [stage["stage"] for stage in decision["approval_chain"]] == list(
        range(1, len(decision["approval_chain"]) + 1)
    )
    assert decision["escalation_level"] == escalation
    assert (decision["reason_class"], decision["save_path"]) == (reason_class, save_path)
    assert decision["violations"] == []
    assert decision["legal_review_required"] is False
    PolicyDecision.model_validate(decision)


def test_the_decision_time_sent_decides_staleness(
    opa_binary: Path, policy_bundle: tuple[Path, str], tmp_path: Path
) -> None:
    case = SaveCaseCreate.model_validate_json(json.dumps(load_example("price-discount")))
    # Evidence from 2026-11-18T08:00Z is 14 days and 1 hour old on 2026-12-02T09:00Z.
    later = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    policy_input = json.loads(assemble_evidence(case=case, decision_time=later, history=NO_HISTORY).model_dump_json())
    decision = _eval(opa_binary, policy_bundle[0], policy_input, tmp_path)
    assert decision["outcome"] == "pause"
    assert decision["pause_reasons"] == ["stale_evidence"]
    assert [stage["roles"] for stage in decision["approval_chain"]] == [["account_owner"]]


def test_a_freshness_threshold_change_in_data_pauses_the_same_input(opa_binary: Path, tmp_path: Path) -> None:
    policy_input = _policy_input("price-discount")  # evidence 4 days 4 hours old
    copy = tmp_path / "policies"
    shutil.copytree(POLICIES, copy)
    config_file = copy / "retention" / "config" / "data.json"
    config = json.loads(config_file.read_text(encoding="utf-8"))
    config["evidence"]["max_age_days"] = 3
    config_file.write_text(json.dumps(config, indent=2), encoding="utf-8")
    jsonschema.validate(config, _schema("config.schema.json"))
    bundle, _ = build_bundle(opa_binary=opa_binary, policy_dir=copy, out_dir=tmp_path / "out")
    decision = _eval(opa_binary, bundle, policy_input, tmp_path)
    assert decision["outcome"] == "pause"
    assert decision["pause_reasons"] == ["stale_evidence"]
    for rego in POLICIES.rglob("*.rego"):
        assert (copy / rego.relative_to(POLICIES)).read_bytes() == rego.read_bytes()


def test_the_bundle_carries_its_revision_and_rebuilding_unchanged_policies_keeps_it(
    opa_binary: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "policies"
    shutil.copytree(POLICIES, copy)
    first, revision = build_bundle(opa_binary=opa_binary, policy_dir=copy, out_dir=tmp_path / "a")
    with tarfile.open(first) as tar:
        manifest = json.load(tar.extractfile("/.manifest"))
    assert manifest["revision"] == revision
    assert revision.startswith("sha256-")

    # Touching files (new mtimes) and rebuilding elsewhere changes nothing.
    for path in copy.rglob("*"):
        if path.is_file():
            os.utime(path, (0, 0))
    _, again = build_bundle(opa_binary=opa_binary, policy_dir=copy, out_dir=tmp_path / "b")
    assert again == revision

    # Reformatting data.json changes its bytes, so it is a new release.
    config_file = copy / "retention" / "config" / "data.json"
    config_file.write_text(json.dumps(json.loads(config_file.read_text(encoding="utf-8"))), encoding="utf-8")
    changed, changed_revision = build_bundle(opa_binary=opa_binary, policy_dir=copy, out_dir=tmp_path / "a")
    assert changed_revision != revision
    assert changed != first
    with tarfile.open(changed) as tar:
        assert json.load(tar.extractfile("/.manifest"))["revision"] == changed_revision


@pytest.mark.parametrize(
    "path",
    [
        ("credit", "finance_over_pct"),
        ("margin", "floor_pct"),
        ("evidence", "max_age_days"),
        ("cost", "executive_over"),
        ("approval", "default_sla_hours"),
        ("discount", "segment_caps", "smb"),
        ("discount", "tiers", 0, "max_pct"),
    ],
)
def test_a_negative_threshold_is_refused_by_the_config_schema(path: tuple) -> None:
    broken = json.loads(CONFIG.read_text(encoding="utf-8"))
    target = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = -5
    with pytest.raises(jsonschema.ValidationError) as caught:
        jsonschema.validate(broken, _schema("config.schema.json"))
    assert tuple(caught.value.absolute_path) == path


def test_a_case_missing_its_evidence_validates_and_pauses_listing_every_gap(
    opa_binary: Path, policy_bundle: tuple[Path, str], tmp_path: Path
) -> None:
    bare = {
        "event_id": "e-1",
        "source": "crm",
        "trigger": "churn_risk",
        "account": {"id": "a-1", "segment": "smb"},
        "customer_reason": {"category": "service"},
        "proposed_offer": {"type": "service_credit", "credit_amount": 100},
    }
    case = SaveCaseCreate.model_validate_json(json.dumps(bare))
    policy_input = json.loads(
        assemble_evidence(case=case, decision_time=DECISION_TIME, history=NO_HISTORY).model_dump_json()
    )
    # Unknown ARR, margin, renewal and evidence date reach the policy as nulls the input schema allows.
    jsonschema.validate(policy_input, _schema("input.schema.json"))
    assert policy_input["derived"]["days_to_renewal"] is None
    assert policy_input["derived"]["evidence_age_days"] is None
    decision = _eval(opa_binary, policy_bundle[0], policy_input, tmp_path)
    assert decision["outcome"] == "pause"
    assert decision["pause_reasons"] == ["missing_evidence"]
    assert sorted(decision["missing_evidence"]) == [
        "account.arr",
        "account.gross_margin_pct",
        "account.owner_id",
        "contract.renewal_date",
        "contract.status",
        "evidence_as_of",
    ]
    assert [stage["roles"] for stage in decision["approval_chain"]] == [["account_owner"]]


@pytest.mark.parametrize(
    ("change", "outcome", "pause_reasons", "violations"),
    [
        # Renewal ten days before the decision on an active contract.
        ({"contract": {"renewal_date": "2026-11-12"}}, "pause", ["contradictory_evidence"], []),
        ({"evidence_as_of": None}, "pause", ["missing_evidence"], []),
        # 30,000 / 84,000 = 35.7 % of ARR: over the 25 % maximum.
        ({"proposed_offer": {"credit_amount": 30000}}, "decline", [], ["credit_above_max"]),
    ],
)
def test_edge_evidence_changes_the_service_recovery_decision(
    change: dict,
    outcome: str,
    pause_reasons: list,
    violations: list,
    opa_binary: Path,
    policy_bundle: tuple[Path, str],
    tmp_path: Path,
) -> None:
    raw = load_example("service-recovery")
    for key, value in change.items():
        if isinstance(value, dict):
            raw[key].update(value)
        elif value is None:
            del raw[key]
    case = SaveCaseCreate.model_validate_json(json.dumps(raw))
    policy_input = json.loads(
        assemble_evidence(case=case, decision_time=DECISION_TIME, history=NO_HISTORY).model_dump_json()
    )
    jsonschema.validate(policy_input, _schema("input.schema.json"))
    decision = _eval(opa_binary, policy_bundle[0], policy_input, tmp_path)
    assert (decision["outcome"], decision["pause_reasons"], decision["violations"]) == (
        outcome,
        pause_reasons,
        violations,
    )
    assert [stage["roles"] for stage in decision["approval_chain"]] == [["account_owner"]]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("vocabulary", "roles", 0), "owner"),
        (("vocabulary", "reason_classes", 0), "unclear"),
        (("vocabulary", "offer_types", 0), "gift_card"),
        (("approval", "parallel_roles", 0), "finance_lead"),
        (("approval", "owner_role"), "csm"),
        (("escalation", "executive_tiers", 0), "not_allowed"),
        (("legal", "review_flags", 0), "discount_pct"),
        (("evidence", "required_fields", 0), "account arr"),
    ],
)
def test_a_name_outside_the_vocabulary_is_refused_by_the_config_schema(path: tuple, value: str) -> None:
    broken = json.loads(CONFIG.read_text(encoding="utf-8"))
    target = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError) as caught:
        jsonschema.validate(broken, _schema("config.schema.json"))
    assert tuple(caught.value.absolute_path) == path


def test_the_policy_directory_holds_only_what_opa_loads() -> None:
    """Plain `opa test policies policy_tests` and `opa run --server policies` load every JSON file as data."""
    loaded_as_data = sorted(p.relative_to(POLICIES).as_posix() for p in POLICIES.rglob("*.json"))
    assert loaded_as_data == ["retention/config/data.json"]


@pytest.mark.parametrize(
    ("example", "account", "offer", "outcome", "missing", "violations"),
    [
        # A costed offer on a zero ARR: no cap can be checked, so the case pauses naming the ARR.
        ("service-recovery", {"arr": 0}, {}, "pause", ["account.arr"], []),
        ("price-discount", {"arr": 0}, {}, "pause", ["account.arr"], []),
        # A credit of the whole ARR, or more: the margin after it is below any floor, not unknown.
        ("service-recovery", {}, {"credit_amount": 84000}, "decline", [], ["credit_above_max", "margin_floor"]),
        ("service-recovery", {}, {"credit_amount": 90000}, "decline", [], ["credit_above_max", "margin_floor"]),
        # 99 % of the ARR: revenue is left, and the margin formula (-2,700 %) breaks the floor.
        ("service-recovery", {}, {"credit_amount": 83160}, "decline", [], ["credit_above_max", "margin_floor"]),
        # A full discount.
        (
            "price-discount",
            {},
            {"discount_pct": 100},
            "decline",
            [],
            ["discount_above_segment_cap", "discount_above_tier_max", "margin_floor"],
        ),
        # A share of ARR that overflows a float: the figures the caps need are named.
        (
            "service-recovery",
            {"arr": 5e-324},
            {},
            "pause",
            ["derived.concession_pct", "derived.credit_share_pct", "derived.margin_after_offer_pct"],
            [],
        ),
    ],
)
def test_degenerate_money_is_never_routed(
    example: str,
    account: dict,
    offer: dict,
    outcome: str,
    missing: list,
    violations: list,
    opa_binary: Path,
    policy_bundle: tuple[Path, str],
    tmp_path: Path,
) -> None:
    raw = load_example(example)
    raw["account"].update(account)
    raw["proposed_offer"].update(offer)
    case = SaveCaseCreate.model_validate_json(json.dumps(raw))
    policy_input = json.loads(
        assemble_evidence(case=case, decision_time=DECISION_TIME, history=NO_HISTORY).model_dump_json()
    )
    jsonschema.validate(policy_input, _schema("input.schema.json"))
    decision = _eval(opa_binary, policy_bundle[0], policy_input, tmp_path)
    assert (decision["outcome"], decision["missing_evidence"], decision["violations"]) == (outcome, missing, violations)
    assert [stage["roles"] for stage in decision["approval_chain"]] == [["account_owner"]]
    PolicyDecision.model_validate(decision)


def test_the_policy_data_names_the_arr_as_a_field_a_costed_offer_needs_above_zero() -> None:
    config = json.loads(CONFIG.read_text(encoding="utf-8"))
    assert "account.arr" in config["evidence"]["costed_positive_fields"]
    broken = json.loads(CONFIG.read_text(encoding="utf-8"))
    del broken["evidence"]["costed_positive_fields"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, _schema("config.schema.json"))
