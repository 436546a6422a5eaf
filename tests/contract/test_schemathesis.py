"""Property-based requests against the live service (real OPA, real database): no 5xx, answers match the contract.

Two passes per caller: one with generated path ids (mostly unknown, so it probes 401/403/404 and
validation), one with the ids of real cases, decisions, tasks, people, tokens and delegations, so
the success answers and the workflow's 400/403/409s are checked against the contract too.
"""

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import strategies as st
from pydantic import SecretStr
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from app.signing import sign as webhook_signature
from app.config import Settings
from tests.conftest import DECISION_TIME, load_example

CONTRACT = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"
SCHEMA = schemathesis.openapi.from_dict(json.loads(CONTRACT.read_text(encoding="utf-8")))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Revocations last, so the tokens and delegations they may end are there for the other operations.
OPERATIONS = sorted(
    (operation.ok() for operation in SCHEMA.get_all_operations()),
    key=lambda op: (op.method == "delete", op.path, op.method),
)
CALLERS = ["admin", "integration", "approver", "owner"]
EXAMPLES = ("price-discount", "service-recovery", "pause-unclear")
MAX_EXAMPLES = 25


def _settings() -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


PERSON = {"admin": "u-admin", "approver": "u-fin-01", "owner": "u-am-04"}


def _token(caller: str, directory_tokens: dict[str, str], service_token: str) -> str:
    return directory_tokens[PERSON[caller]] if caller in PERSON else service_token


def _run(operation, strategy: st.SearchStrategy, call: Callable[[schemathesis.Case], None], label: str) -> None:  # noqa: ANN001
    @_settings()
    @hypothesis.given(case=strategy)
    def run(case: schemathesis.Case) -> None:
        call(case)

    try:
        run()
    except Exception as exc:
        raise AssertionError(f"{operation.method.upper()} {operation.path} {label}: {exc}") from exc


def _path_params(operation) -> list[str]:  # noqa: ANN001
    return [p.name for p in operation.path_parameters]


def test_contract_lists_every_route() -> None:
    # Guards the loops below: an operation missing from the contract would go untested.
    paths = json.loads(CONTRACT.read_text())["paths"]
    assert len(OPERATIONS) == sum(len(ops) for ops in paths.values())
    assert {f"{op.method.upper()} {op.path}" for op in OPERATIONS} >= {
        "POST /v1/save-cases", "GET /v1/decisions", "GET /v1/decisions/{decision_id}", "GET /v1/save-cases/{case_id}",
        "POST /v1/save-cases/{case_id}/revisions", "GET /v1/approvals", "POST /v1/approvals/{task_id}/approve",
        "POST /v1/approvals/{task_id}/reject", "POST /v1/approvals/{task_id}/request-changes",
        "POST /v1/approvals/{task_id}/assign", "GET /v1/people", "PUT /v1/people/{person_id}",
        "GET /v1/people/{person_id}", "POST /v1/people/{person_id}/tokens", "POST /v1/service-tokens",
        "DELETE /v1/tokens/{token_id}", "POST /v1/people/{person_id}/delegations",
        "GET /v1/people/{person_id}/delegations", "DELETE /v1/delegations/{delegation_id}", "GET /v1/policy",
        "GET /healthz", "GET /readyz",
    }  # fmt: skip


@pytest.mark.parametrize("caller", CALLERS)
def test_generated_requests_get_no_server_error_and_match_the_contract(
    caller: str, live_url: str, directory_tokens: dict[str, str], service_token: str
) -> None:
    headers = {"Authorization": f"Bearer {_token(caller, directory_tokens, service_token)}"}
    for operation in OPERATIONS:
        modes = [GenerationMode.POSITIVE]
        if operation.path_parameters or operation.query or operation.body:
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:
            _run(
                operation,
                operation.as_strategy(generation_mode=mode),
                lambda case: case.call_and_validate(base_url=live_url, headers=headers, checks=CHECKS),
                f"as {caller} ({mode.value})",
            )


@pytest.fixture
def resources(live_url: str, directory_tokens: dict[str, str], source_tokens: dict[str, str]) -> dict[str, list[str]]:
    """Real ids of every kind, made through the API: decided example cases with their tasks, spare tokens, a delegation."""
    admin = {"Authorization": f"Bearer {directory_tokens['u-admin']}"}
    with httpx.Client(base_url=live_url, timeout=10) as client:
        cases, decisions, tasks = [], [], []
        for name in EXAMPLES:
            decided = client.post(
                "/v1/save-cases", json=load_example(name), headers={"Authorization": f"Bearer {source_tokens[load_example(name)['source']]}"}
            )
            assert decided.status_code == 201, decided.text
            cases.append(decided.json()["case_id"])
            decisions.append(decided.json()["id"])
            case = client.get(f"/v1/save-cases/{cases[-1]}", headers=admin)
            assert case.status_code == 200, case.text
            tasks += [task["id"] for task in case.json()["tasks"]]
        assert tasks, "the examples should open approval tasks"
        person_token = client.post("/v1/people/u-csm-31/tokens", json={"label": "spare"}, headers=admin)
        service = client.post("/v1/service-tokens", json={"service_name": "spare", "label": "spare"}, headers=admin)
        delegation = client.post(
            "/v1/people/u-fin-01/delegations",
            json={
                "delegate_id": "u-finlead-01",
                "starts_at": DECISION_TIME.isoformat(),
                "ends_at": (DECISION_TIME + timedelta(days=7)).isoformat(),
            },
            headers=admin,
        )
        for response in (person_token, service, delegation):
            assert response.status_code == 201, response.text
    return {
        "case_id": cases,
        "decision_id": decisions,
        "task_id": tasks,
        "person_id": sorted(directory_tokens),
        "token_id": [person_token.json()["id"], service.json()["id"]],
        "delegation_id": [delegation.json()["id"]],
    }


def _with_real_ids(operation, resources: dict[str, list[str]], mode: GenerationMode, caller: str) -> st.SearchStrategy:  # noqa: ANN001
    """Generated cases whose path ids name real resources; bodies of cases and revisions also drawn from the examples."""
    people = resources["person_id"]
    if operation.method == "put":
        # Updating the caller could take away their admin role or deactivate them, ending the pass early.
        people = [p for p in people if p not in PERSON.values()]
    elif caller in PERSON:
        people = [PERSON[caller], *people]  # half the draws are the caller: their own record and delegations
    choices = {**resources, "person_id": people}
    ids = st.fixed_dictionaries(
        {
            name: st.one_of(st.just(people[0]), st.sampled_from(people)) if name == "person_id" else st.sampled_from(choices[name])
            for name in _path_params(operation)
        }
    )

    @st.composite
    def cases(draw: st.DrawFn) -> schemathesis.Case:
        case = draw(operation.as_strategy(generation_mode=mode))
        chosen = draw(ids)
        case.path_parameters = {**(case.path_parameters or {}), **chosen}
        if operation.method == "put" and isinstance(case.body, dict) and draw(st.booleans()):
            case.body["id"] = chosen["person_id"]  # reach the update itself, not only the id mismatch
        for field in ("delegate_id", "assignee_id"):
            if isinstance(case.body, dict) and field in case.body and draw(st.booleans()):
                case.body[field] = draw(st.sampled_from(resources["person_id"]))  # a real person, not only 404s
        return case

    strategies = [cases()]
    if mode == GenerationMode.POSITIVE and operation.path in ("/v1/save-cases", "/v1/save-cases/{case_id}/revisions"):
        # Realistic evidence reaches the policy's routes, pauses and declines; a fresh event id each time.
        strategies.append(
            st.builds(
                lambda example, n, chosen: operation.Case(
                    path_parameters=chosen, body={**load_example(example), "event_id": f"st-{n}"}, media_type="application/json"
                ),
                st.sampled_from(EXAMPLES),
                st.integers(0, 10**9),
                ids,
            )
        )
    return st.one_of(strategies)


@pytest.mark.parametrize("caller", CALLERS)
def test_generated_requests_on_real_resources_get_no_server_error_and_match_the_contract(
    caller: str, live_url: str, directory_tokens: dict[str, str], service_token: str, resources: dict[str, list[str]]
) -> None:
    headers = {"Authorization": f"Bearer {_token(caller, directory_tokens, service_token)}"}
    statuses: dict[str, set[int]] = {}

    def call(case: schemathesis.Case) -> None:
        response = case.call_and_validate(base_url=live_url, headers=headers, checks=CHECKS)
        statuses.setdefault(f"{case.operation.method.upper()} {case.operation.path}", set()).add(response.status_code)

    for operation in OPERATIONS:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if mode == GenerationMode.NEGATIVE and not (operation.query or operation.body):
                continue
            _run(operation, _with_real_ids(operation, resources, mode, caller), call, f"with real ids as {caller} ({mode.value})")
    # The pass reached the resources, not only the error paths.
    successes = {op for op, codes in statuses.items() if codes & {200, 201}}
    expected = {
        "admin": {"GET /v1/save-cases/{case_id}", "GET /v1/decisions/{decision_id}", "GET /v1/people/{person_id}",
                  "PUT /v1/people/{person_id}", "POST /v1/people/{person_id}/tokens",
                  "GET /v1/people/{person_id}/delegations", "DELETE /v1/tokens/{token_id}",
                  "DELETE /v1/delegations/{delegation_id}", "GET /v1/decisions", "POST /v1/approvals/{task_id}/assign",
                  "POST /v1/people/{person_id}/delegations", "POST /v1/service-tokens"},
        "integration": {"POST /v1/save-cases", "GET /v1/save-cases/{case_id}", "GET /v1/decisions/{decision_id}",
                        "GET /v1/decisions"},
        "approver": {"GET /v1/approvals", "GET /v1/people/{person_id}", "GET /v1/people/{person_id}/delegations"},
        "owner": {"GET /v1/approvals", "GET /v1/save-cases/{case_id}", "POST /v1/approvals/{task_id}/approve"},
    }[caller]  # fmt: skip
    assert expected <= successes, (sorted(expected - successes), statuses)


WEBHOOK_SECRETS = {"hubspot": "hs-contract-secret", "salesforce": "sf-contract-secret"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings, with webhook secrets so the decide endpoint can be called as a signed CRM webhook."""
    return settings.model_copy(update={"webhook_secrets": {k: SecretStr(v) for k, v in WEBHOOK_SECRETS.items()}})


def test_signed_webhooks_get_no_server_error_and_match_the_contract(live_url: str) -> None:
    """The decide endpoint authenticated the other documented way: HMAC-signed, no token."""
    [operation] = [op for op in OPERATIONS if op.path == "/v1/save-cases" and op.method == "post"]
    timestamp = str(int(DECISION_TIME.timestamp()))
    statuses: set[int] = set()

    def signed(mode: GenerationMode) -> st.SearchStrategy:
        @st.composite
        def cases(draw: st.DrawFn) -> tuple[schemathesis.Case, str]:
            if mode == GenerationMode.POSITIVE and draw(st.booleans()):
                case = operation.Case(
                    body={**load_example(draw(st.sampled_from(EXAMPLES))), "event_id": f"wh-{draw(st.integers(0, 10**9))}"},
                    media_type="application/json",
                )
            else:
                case = draw(operation.as_strategy(generation_mode=mode))
            signer = draw(st.sampled_from(sorted(WEBHOOK_SECRETS)))
            if mode == GenerationMode.POSITIVE and isinstance(case.body, dict) and draw(st.booleans()):
                case.body["source"] = signer  # the signer reports its own events; otherwise a 403
            return case, signer

        return cases()

    def call(drawn: tuple[schemathesis.Case, str]) -> None:
        case, source = drawn
        raw = b"" if not isinstance(case.body, dict | list | str | int | float | bool) else json.dumps(case.body).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Webhook-Source": source,
            "X-Webhook-Timestamp": timestamp,
            "X-Webhook-Signature": webhook_signature(secret=WEBHOOK_SECRETS[source], timestamp=timestamp, body=raw),
        }
        response = case.call_and_validate(base_url=live_url, headers=headers, checks=CHECKS, data=raw)
        statuses.add(response.status_code)

    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        _run(operation, signed(mode), call, f"signed webhook ({mode.value})")
    assert {201, 403, 422} <= statuses, statuses
