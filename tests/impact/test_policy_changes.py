"""What changed between two policy trees, in business words: data keys by path, rules by METADATA title."""

import json
import shutil
import subprocess
from pathlib import Path

from app.impact.changes import data_changes, rule_changes
from app.impact.sources import PolicySources
from tests.conftest import ROOT


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "policies", tmp_path / "policies")
    return tmp_path


def test_a_rule_change_is_named_by_its_title_and_a_list_change_shows_both_lists(
    tmp_path: Path, opa_binary: Path
) -> None:
    candidate = _copy(tmp_path / "candidate")
    offers = candidate / "policies" / "retention" / "offers" / "offers.rego"
    text = offers.read_text()
    strict = "credit_over_finance(share) if share > _config.credit.finance_over_pct"
    assert strict in text
    offers.write_text(text.replace(strict, "credit_over_finance(share) if share >= _config.credit.finance_over_pct"))
    config_path = candidate / "policies" / "retention" / "config" / "data.json"
    config = json.loads(config_path.read_text())
    config["legal"]["review_offer_types"] = ["extension", "plan_change"]
    config["discount"]["tiers"][0]["max_pct"] = 12
    config_path.write_text(json.dumps(config))
    sources = PolicySources(ROOT)
    base, cand = sources.resolve(str(ROOT)), sources.resolve(str(candidate))

    rules = rule_changes(opa=opa_binary, base=base, candidate=cand)
    data = {c.path: (c.old, c.new) for c in data_changes(opa=opa_binary, base=base, candidate=cand)}

    assert [(r.kind, r.title, r.rule) for r in rules] == [
        ("changed", "Credit share over the finance threshold", "credit_over_finance")
    ]
    assert data == {
        "legal.review_offer_types": (["extension"], ["extension", "plan_change"]),
        "discount.tiers[0].max_pct": (10, 12),
    }


def test_a_git_ref_is_the_committed_tree() -> None:
    committed = subprocess.run(
        ["git", "-C", str(ROOT), "show", "HEAD:policies/retention/config/data.json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    sources = PolicySources(ROOT)
    try:
        tree = sources.resolve("HEAD")
        assert tree.config_path.read_text() == committed
        assert tree.input_schema is not None and tree.input_schema.is_file()
    finally:
        sources.close()
    assert not tree.policy_dir.exists()
