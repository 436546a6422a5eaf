"""Property-based requests against the live service (real OPA, real database): no 5xx, answers match the contract."""

import json
from pathlib import Path

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

CONTRACT = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"
SCHEMA = schemathesis.openapi.from_dict(json.loads(CONTRACT.read_text(encoding="utf-8")))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
OPERATIONS = sorted(
    (operation.ok() for operation in SCHEMA.get_all_operations()), key=lambda op: (op.path, op.method)
)


def test_contract_lists_every_route() -> None:
    # Guards the loop below: an operation missing from the contract would go untested.
    assert len(OPERATIONS) == sum(len(ops) for ops in json.loads(CONTRACT.read_text())["paths"].values())
    assert len(OPERATIONS) >= 22


@pytest.mark.parametrize("caller", ["admin", "integration", "approver"])
def test_generated_requests_get_no_server_error_and_match_the_contract(
    caller: str, live_url: str, directory_tokens: dict[str, str], service_token: str
) -> None:
    token = {
        "admin": directory_tokens["u-admin"],
        "integration": service_token,
        "approver": directory_tokens["u-fin-01"],
    }[caller]
    headers = {"Authorization": f"Bearer {token}"}
    for operation in OPERATIONS:

        @hypothesis.settings(
            max_examples=25,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @hypothesis.given(case=operation.as_strategy())
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(base_url=live_url, headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as exc:
            raise AssertionError(f"{operation.method.upper()} {operation.path} as {caller}: {exc}") from exc
