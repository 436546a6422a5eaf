"""The policy's contracts: its data and input schemas, the examples' outcomes under `opa eval`, thresholds as data."""

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from app.cases.schemas import SaveCaseCreate
from app.evidence import assemble_evidence
from app.policy.bundle import build_bundle, policy_revision
from tests.conftest import DECISION_TIME, ROOT, load_example

POLICIES = ROOT / "policies"
CONFIG = POLICIES / "retention" / "config" / "data.json"


def _schema(name: str) -> dict:
    return json.loads((POLICIES / "schemas" / name).read_text(encoding="utf-8"))


def _policy_input(name: str) -> dict:
    case = SaveCaseCreate.model_validate_json(json.dumps(load_example(name)))
    return json.loads(assemble_evidence(case=case, decision_time=DECISION_TIME).model_dump_json())


def _eval(opa_binary: Path, bundle: Path, policy_input: dict, tmp_path: Path) -> dict:
    input_file = tmp_path / "input.json"
    input_file.write_text(json.dumps(policy_input), encoding="utf-8")
    result = subprocess.run(
        [str(opa_binary), "eval", "--format", "json", "--bundle", str(bundle), "--input", str(input_file),
         "data.retention.decision"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
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
    name: str, outcome: str, tier: str | None, chain: list, pause_reasons: list, opa_binary: Path,
    policy_bundle: tuple[Path, str], tmp_path: Path,
) -> None:  # fmt: skip
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


def test_a_threshold_change_in_data_changes_routing_without_rego_changes(
    opa_binary: Path, tmp_path: Path
) -> None:
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
        ["account_owner"], ["finance"]
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
