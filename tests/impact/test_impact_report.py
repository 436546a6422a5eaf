"""The impact report against a fixture decision log and real policy versions, on a real OPA and database.

The candidate lowers credit.finance_over_pct from 5 to 3. The expected figures are computed here
from the inputs alone (a credit whose share of ARR is above 3 and at most 5 percent gains finance),
not from the policy; the report must agree with them.
"""

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from app.impact.__main__ import LOOSENS, main
from app.policy.bundle import policy_revision
from tests.conftest import ROOT
from tests.impact.fixture_log import CREDIT_SHARES, OTHER_REVISION, REFUSED_ID, seed_fixture_log


def policy_copy(tmp_path: Path, name: str, **changes: Any) -> Path:
    """policies/ copied to tmp_path/name with data keys ("credit.finance_over_pct") set to new values."""
    target = tmp_path / name
    shutil.copytree(ROOT / "policies", target / "policies")
    shutil.copytree(ROOT / "policy_schemas", target / "policy_schemas")
    if not changes:
        return target  # byte for byte: the same content revision as policies/
    config_path = target / "policies" / "retention" / "config" / "data.json"
    config = json.loads(config_path.read_text())
    for dotted, value in changes.items():
        section, key = dotted.split("__")
        config[section][key] = value
    config_path.write_text(json.dumps(config, indent=2))
    return target


@pytest.fixture
def fixture_log(database_url: str, opa_binary: Path) -> list[tuple[str, dict[str, Any]]]:
    return seed_fixture_log(database_url, opa_binary)


def run_report(tmp_path: Path, database_url: str, candidate: Path) -> tuple[int, str]:
    out = tmp_path / "report.md"
    base = policy_copy(tmp_path, "base")
    status = main(
        ["--base", str(base), "--candidate", str(candidate), "--database-url", database_url, "--out", str(out)]
    )
    return status, out.read_text()


def section(report: str, number: int) -> str:
    start = report.index(f"## {number}.")
    end = report.find(f"## {number + 1}.", start)
    return report[start : end if end != -1 else None]


def row(text: str, first_cell: str) -> list[str]:
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row {first_cell!r} in:\n{text}")


@pytest.mark.parametrize("logged_under", ["another release", "the base's files"])
def test_finance_threshold_5_to_3(tmp_path: Path, database_url: str, opa_binary: Path, logged_under: str) -> None:
    # Logged under the base's own files, the base's decisions are read from the log, not decided again:
    # the report must be the same either way.
    same = logged_under == "the base's files"
    revision = f"2026-11-current@{policy_revision(ROOT / 'policies')}" if same else OTHER_REVISION
    seed_fixture_log(database_url, opa_binary, revision)
    gains_finance = [s for s in CREDIT_SHARES if 3 < s <= 5]
    assert gains_finance == [3.2, 4.0, 4.8, 5.0]  # the fixture covers the band, and both edges around it
    candidate = policy_copy(tmp_path, "candidate", credit__finance_over_pct=3)

    status, report = run_report(tmp_path, database_url, candidate)

    assert status == 0, report  # a tighter threshold loosens nothing
    reused = "16" if same else "0"
    assert f"Base decisions read from the log (decided by the base's very files): {reused};" in report
    assert "loosens nothing" in report
    # 1. The change, by key path, with its METADATA title.
    assert row(section(report, 1), "`credit.finance_over_pct`")[1:] == [
        "Credit share of ARR above the finance threshold",
        "`5` → `3`",
    ]
    assert "No Rego rule was added, removed or changed." in report
    # 2. No outcome moves; exactly the credits in the band gain finance after the owner.
    transitions = section(report, 2)
    assert "No outcome changes." in transitions
    assert row(transitions, "account_owner ⇒ account_owner → finance")[1] == str(len(gains_finance))
    # The fixture spans about a month (16 decisions two days apart), so the forecast is per that month.
    finance = row(transitions, "finance")
    assert float(finance[3]) == pytest.approx(len(gains_finance))
    assert row(transitions, "account_owner")[3] == "+0.0"
    # 3. No money moves (nothing newly routed or blocked); the changed cases' recorded outcomes.
    money = section(report, 3)
    assert row(money, "newly allowed (routed now, not before)")[1:] == ["0", "0.00"]
    assert "Recorded outcomes of the 4 cases" in money
    saved, lost, regretted, _, unrecorded = _outcome_row(money)
    assert (saved, lost, regretted, unrecorded) == ("1", "1", "1", "2")
    # 4. Three examples of the changed cell, each a logged decision in the band, with the rule ids.
    examples = section(report, 4)
    listed = re.findall(r"`(d-case-credit-[\d.]+)`", examples)
    assert len(listed) == 3
    assert set(listed) <= {f"d-case-credit-{s}" for s in gains_finance}
    for decision_id in listed:
        cells = row(examples, f"`{decision_id}`")
        assert "credit.finance" not in cells[1].split(", ")
        assert "credit.finance" in cells[2].split(", ")
    # 5. Probes at both thresholds: only the band between them changes.
    probes = section(report, 5)
    changed = {line.split("|")[1].strip() for line in probes.splitlines() if "**changed**" in line}
    assert changed == {"above 3", "below 5", "at 5"}
    # 6 and 7.
    assert "**broken" not in section(report, 6)
    refused = section(report, 7)
    assert refused.startswith("## 7. Not replayable\n\n1 logged inputs are refused")
    assert f"`{REFUSED_ID}`" in refused and '"history" is a required property' in refused


def _outcome_row(money: str) -> tuple[str, ...]:
    lines = money.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| saved |"))
    return tuple(c.strip() for c in lines[header + 2].strip().strip("|").split("|"))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"credit__max_pct": 30}, id="credit-cap-raised"),
        pytest.param({"credit__finance_over_pct": 10}, id="finance-dropped"),
        pytest.param({"margin__floor_pct": 20}, id="margin-floor-lowered"),
    ],
)
def test_a_loosening_change_exits_non_zero(
    tmp_path: Path, database_url: str, fixture_log: list[tuple[str, Any]], change: dict[str, Any]
) -> None:
    status, report = run_report(tmp_path, database_url, policy_copy(tmp_path, "candidate", **change))

    assert status == LOOSENS
    assert "LOOSENS" in report


def test_a_candidate_that_routes_past_violations_breaks_the_invariant_and_loosens(
    tmp_path: Path, database_url: str, fixture_log: list[tuple[str, Any]]
) -> None:
    candidate = policy_copy(tmp_path, "candidate")
    rego = candidate / "policies" / "retention" / "decision.rego"
    decline = '} else := "decline" if {\n\tcount(violations) > 0\n}'
    assert decline in rego.read_text()
    rego.write_text(rego.read_text().replace(decline, "}"))

    status, report = run_report(tmp_path, database_url, candidate)

    assert status == LOOSENS
    assert row(section(report, 1), "changed")[1] == "Outcome"
    # The fixture's declined cases (a credit of 26% of ARR, a 35% discount) now route, with their violations.
    assert row(section(report, 2), "decline → route")[1] == "2"
    assert row(section(report, 6), "nothing routes with a violation")[1].startswith("**broken")
    assert row(section(report, 6), "no costed offer routes without the account owner")[1] == "holds"
