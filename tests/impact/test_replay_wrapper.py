"""The replay wrapper (app/impact/wrapper.rego) against the whole decision document, on a real OPA.

The replay compares the rules it needs instead of building each decision document; these tests hold
that what it compares is what the document says, for the policy as it is and for a base from before
approval_chain and violations were rules of their own (taken from an older git ref), and that the
examples' rule ids are the document's.
"""

import asyncio
import re
import shutil
from pathlib import Path
from typing import Any

from app.impact.opa import ReplayOpa
from app.impact.replay import reduced
from tests.conftest import ROOT
from tests.impact.fixture_log import decide, fixture_inputs


def _older_policy(tmp_path: Path) -> Path:
    """policies/ with approval_chain and violations private again, as decision.rego had them."""
    target = tmp_path / "older" / "policies"
    shutil.copytree(ROOT / "policies", target)
    rego = target / "retention" / "decision.rego"
    text = rego.read_text()
    for name in ("approval_chain", "violations"):
        # The rule and its uses, not the document's keys ("approval_chain": …) nor other packages' rules.
        text = re.sub(rf'(?<![."\w]){name}\b(?!")', f"_{name}", text)
    assert "\napproval_chain :=" not in text and "\nviolations :=" not in text
    rego.write_text(text)
    return target


def _replay(policy_dir: Path, inputs: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[list[str]]]:
    async def run() -> tuple[list[dict[str, Any]], list[list[str]]]:
        async with ReplayOpa(binary=ROOT / ".tools" / "bin" / "opa", policy_dir=policy_dir) as opa:
            return await opa.decide(inputs), await opa.explain(inputs)

    return asyncio.run(run())


def test_the_compared_rules_and_the_examples_rule_ids_are_the_decision_documents(tmp_path: Path) -> None:
    inputs = [policy_input for _, policy_input in fixture_inputs()]
    documents = [reduced(decide(ROOT / ".tools" / "bin" / "opa", policy_input)) for policy_input in inputs]
    expected = [{key: value for key, value in d.items() if key != "rules"} for d in documents]
    assert {d["outcome"] for d in expected} == {"route", "pause", "decline"}

    for policy_dir in (ROOT / "policies", _older_policy(tmp_path)):
        compared, explained = _replay(policy_dir, inputs)
        assert [{k: v for k, v in c.items() if k != "i"} for c in compared] == expected, policy_dir
        assert explained == [d["rules"] for d in documents], policy_dir
