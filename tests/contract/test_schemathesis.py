"""Property-based requests against the live service (real OPA, real database): no 5xx, answers match the contract.

Two passes per caller: one with generated path ids (mostly unknown, so it probes 401/403/404 and
validation), one with the ids of real cases, decisions, tasks, people, tokens and delegations, so
the success answers and the workflow's 400/403/409s are checked against the contract too. The
callers: an administrator, an integration (with the token of each body's CRM source), an approver,
an account owner and, on real ids, the holder of a temporary credential; and a signed webhook.
Beyond status, content type and body, a request the contract calls well-formed must not be refused
with a validation error.
"""

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

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

from app.config import Settings
from app.outcomes.judgement import OutcomeKind
from app.signing import sign as webhook_signature
from tests.conftest import DECISION_TIME, SOURCES, load_example

CONTRACT = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"
SCHEMA = schemathesis.openapi.from_dict(json.loads(CONTRACT.read_text(encoding="utf-8")))


@schemathesis.check
def well_formed_input_is_not_refused_as_malformed(
    ctx: schemathesis.CheckContext, response: Any, case: schemathesis.Case
) -> bool | None:
    """A request the contract calls well-formed gets no validation error (a 422 without a code).

    The contract's other refusals stay allowed for such requests: 400, 403, 404 and 409 say what the state of
    things does not allow, and 422 invalid_field names a field a revision may not change. A validation error
    means the code refuses what the contract accepts (NUL in a note, 5.0 for an integer, a body id).
    """
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 422:
        return None
    body = response.json()
    if isinstance(body, dict) and body.get("code") == "invalid_field":
        return None
    raise AssertionError(f"The contract calls this request well-formed, the service answered 422: {response.text}")


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    well_formed_input_is_not_refused_as_malformed,
]
# Revocations last, so the tokens and delegations they may end are there for the other operations.
OPERATIONS = sorted(
    (operation.ok() for operation in SCHEMA.get_all_operations()),
    key=lambda op: (op.method == "delete", op.path, op.method),
)
CALLERS = ["admin", "integration", "approver", "owner"]
DECIDE = ("post", "/v1/save-cases")
# Routes only an integration's credential gets through (the administrator is refused before validation).
INTEGRATION_ONLY = {DECIDE, ("post", "/v1/save-cases/{case_id}/outcomes")}
EXAMPLES = ("price-discount", "service-recovery", "pause-unclear")
AUTHORIZED_EXAMPLE = "service-recovery"
# Examples per operation, caller and generation mode: 50, up from 25. With malformed input sent once per
# operation instead of once per caller, that is about 10,300 cases a database (7,500 before), and the whole
# file takes about 3.5 minutes on a 2-core machine.
MAX_EXAMPLES = 50


def _settings(max_examples: int = MAX_EXAMPLES) -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


PERSON = {"admin": "u-admin", "approver": "u-fin-01", "owner": "u-am-04"}


def _auth(caller: str, case: schemathesis.Case, tokens: dict[str, str]) -> dict[str, str]:
    """The caller's token; the integration uses the token of the body's CRM source when it has one."""
    token = tokens[caller]
    if caller == "integration" and isinstance(case.body, dict) and case.body.get("source") in SOURCES:
        token = tokens[f"source:{case.body['source']}"]
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def caller_tokens(directory_tokens: dict[str, str], source_tokens: dict[str, str]) -> dict[str, str]:
    """Every caller's token by name, and each CRM source's integration token as source:<name>."""
    return {
        **{caller: directory_tokens[person] for caller, person in PERSON.items()},
        "integration": source_tokens["salesforce"],
        **{f"source:{source}": token for source, token in source_tokens.items()},
    }


def _run(
    operation: Any,
    strategy: st.SearchStrategy,
    call: Callable[[schemathesis.Case], None],
    label: str,
    *,
    max_examples: int = MAX_EXAMPLES,
) -> None:
    @_settings(max_examples)
    @hypothesis.given(case=strategy)
    def run(case: schemathesis.Case) -> None:
        call(case)

    try:
        run()
    except (Exception, BaseExceptionGroup) as exc:  # schemathesis reports its failures as a group
        raise AssertionError(f"{operation.method.upper()} {operation.path} {label}: {exc}") from exc


def _negative_caller(operation: Any) -> str:
    """Who sends an operation's malformed input (the negative mode): the caller its dependencies let through.

    Validation runs once the route's dependencies accept the token and before any role check in the route,
    so its answers are the same for every caller who gets that far. The decide and outcome endpoints'
    dependency admits integrations only; every other route admits the administrator. Other callers send
    well-formed input.
    """
    return "integration" if (operation.method, operation.path) in INTEGRATION_ONLY else "admin"


def _modes(operation: Any, caller: str) -> list[GenerationMode]:
    if caller == _negative_caller(operation) and (operation.path_parameters or operation.query or operation.body):
        return [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    return [GenerationMode.POSITIVE]


def _path_params(operation: Any) -> list[str]:
    return [p.name for p in operation.path_parameters]


def test_contract_lists_every_route() -> None:
    # Guards the loops below: an operation missing from the contract would go untested.
    paths = json.loads(CONTRACT.read_text())["paths"]
    assert len(OPERATIONS) == sum(len(ops) for ops in paths.values())
    assert {f"{op.method.upper()} {op.path}" for op in OPERATIONS} >= {
        "POST /v1/save-cases",
        "GET /v1/decisions",
        "GET /v1/decisions/{decision_id}",
        "GET /v1/save-cases/{case_id}",
        "POST /v1/save-cases/{case_id}/revisions",
        "POST /v1/save-cases/{case_id}/outcomes",
        "GET /v1/metrics/programme",
        "GET /v1/approvals",
        "POST /v1/approvals/{task_id}/approve",
        "POST /v1/approvals/{task_id}/reject",
        "POST /v1/approvals/{task_id}/request-changes",
        "POST /v1/approvals/{task_id}/assign",
        "GET /v1/people",
        "PUT /v1/people/{person_id}",
        "GET /v1/people/{person_id}",
        "POST /v1/people/{person_id}/tokens",
        "POST /v1/service-tokens",
        "DELETE /v1/tokens/{token_id}",
        "POST /v1/people/{person_id}/delegations",
        "GET /v1/people/{person_id}/delegations",
        "DELETE /v1/delegations/{delegation_id}",
        "GET /v1/policy",
        "GET /v1/policy/releases",
        "GET /healthz",
        "GET /readyz",
    }


@pytest.mark.parametrize("caller", CALLERS)
def test_generated_requests_get_no_server_error_and_match_the_contract(
    caller: str, live_url: str, caller_tokens: dict[str, str]
) -> None:
    for operation in OPERATIONS:
        for mode in _modes(operation, caller):
            _run(
                operation,
                operation.as_strategy(generation_mode=mode),
                lambda case: case.call_and_validate(
                    base_url=live_url, headers=_auth(caller, case, caller_tokens), checks=CHECKS
                ),
                f"as {caller} ({mode.value})",
            )


@pytest.fixture
def resources(live_url: str, caller_tokens: dict[str, str], directory_tokens: dict[str, str]) -> dict[str, list[str]]:
    """Real ids of every kind, made through the API: decided example cases with their tasks, spare tokens, a
    delegation; and a temporary credential an administrator issued, for the caller who exchanges it."""
    admin = {"Authorization": f"Bearer {caller_tokens['admin']}"}
    with httpx.Client(base_url=live_url, timeout=10) as client:
        cases, decisions, tasks = [], [], []
        for name in EXAMPLES:
            example = load_example(name)
            by_source = {"Authorization": f"Bearer {caller_tokens['source:' + example['source']]}"}
            decided = client.post("/v1/save-cases", json=example, headers=by_source)
            assert decided.status_code == 201, decided.text
            cases.append(decided.json()["case_id"])
            decisions.append(decided.json()["id"])
            case = client.get(f"/v1/save-cases/{cases[-1]}", headers=admin)
            assert case.status_code == 200, case.text
            tasks += [task["id"] for task in case.json()["tasks"]]
            if name == AUTHORIZED_EXAMPLE:
                # Its owner alone approves it: a case whose outcomes can be reported.
                [owner_task] = case.json()["tasks"]
                owner = {"Authorization": f"Bearer {directory_tokens[owner_task['assignee_id']]}"}
                approved = client.post(f"/v1/approvals/{owner_task['id']}/approve", json={}, headers=owner)
                assert approved.json()["status"] == "authorized", approved.text
        assert tasks, "the examples should open approval tasks"
        person_token = client.post("/v1/people/u-csm-31/tokens", json={"label": "spare"}, headers=admin)
        temporary = client.post("/v1/people/u-csm-08/tokens", json={"label": "to exchange"}, headers=admin)
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
        for response in (person_token, temporary, service, delegation):
            assert response.status_code == 201, response.text
    assert temporary.json()["kind"] == "temporary"
    caller_tokens["temporary"] = temporary.json()["token"]
    return {
        "case_id": cases,
        "decision_id": decisions,
        "task_id": tasks,
        "person_id": sorted(directory_tokens),
        "token_id": [person_token.json()["id"], service.json()["id"]],
        "delegation_id": [delegation.json()["id"]],
    }


def _with_real_ids(
    operation: Any, resources: dict[str, list[str]], mode: GenerationMode, caller: str
) -> st.SearchStrategy:
    """Generated cases whose path ids name real resources; bodies of cases and revisions also drawn from the
    examples, and the integration's generated cases half the time from a CRM source it has a token for."""
    people = resources["person_id"]
    if operation.method == "put":
        # Updating the caller could take away their admin role or deactivate them, ending the pass early.
        people = [p for p in people if p not in PERSON.values()]
    elif caller in PERSON:
        people = [PERSON[caller], *people]  # half the draws are the caller: their own record and delegations
    choices = {**resources, "person_id": people}
    ids = st.fixed_dictionaries(
        {
            name: st.one_of(st.just(people[0]), st.sampled_from(people))
            if name == "person_id"
            else st.sampled_from(choices[name])
            for name in _path_params(operation)
        }
    )
    reporting = (operation.method, operation.path) in INTEGRATION_ONLY

    @st.composite
    def cases(draw: st.DrawFn) -> schemathesis.Case:
        case = draw(operation.as_strategy(generation_mode=mode))
        chosen = draw(ids)
        case.path_parameters = {**(case.path_parameters or {}), **chosen}
        for field in ("delegate_id", "assignee_id"):
            # Well-formed bodies only: a real person could replace the one value the negative mode broke.
            if (
                mode == GenerationMode.POSITIVE
                and isinstance(case.body, dict)
                and field in case.body
                and draw(st.booleans())
            ):
                case.body[field] = draw(st.sampled_from(resources["person_id"]))  # a real person, not only 404s
        if reporting and mode == GenerationMode.POSITIVE and isinstance(case.body, dict) and draw(st.booleans()):
            # A source the integration reports for: generated evidence or outcomes get past the 403.
            case.body["source"] = draw(st.sampled_from(SOURCES))
        return case

    strategies = [cases()]
    if mode == GenerationMode.POSITIVE and operation.path in ("/v1/save-cases", "/v1/save-cases/{case_id}/revisions"):
        # Realistic evidence reaches the policy's routes, pauses and declines; a fresh event id each time.
        strategies.append(
            st.builds(
                lambda example, n, chosen: operation.Case(
                    path_parameters=chosen,
                    body={**load_example(example), "event_id": f"st-{n}"},
                    media_type="application/json",
                ),
                st.sampled_from(EXAMPLES),
                st.integers(0, 10**9),
                ids,
            )
        )
    if mode == GenerationMode.POSITIVE and operation.path == "/v1/save-cases/{case_id}/outcomes":
        # A realistic report from a source the integration has a token for, at the service's clock.
        strategies.append(
            st.builds(
                lambda source, kind, n, chosen: operation.Case(
                    path_parameters=chosen,
                    body={
                        "event_id": f"st-o-{n}",
                        "source": source,
                        "kind": kind,
                        "occurred_at": DECISION_TIME.isoformat(),
                    },
                    media_type="application/json",
                ),
                st.sampled_from(SOURCES),
                st.sampled_from([kind.value for kind in OutcomeKind]),
                st.integers(0, 10**9),
                ids,
            )
        )
    return st.one_of(strategies)


@pytest.mark.parametrize("caller", [*CALLERS, "temporary"])
def test_generated_requests_on_real_resources_get_no_server_error_and_match_the_contract(
    caller: str, live_url: str, caller_tokens: dict[str, str], resources: dict[str, list[str]]
) -> None:
    statuses: dict[str, set[int]] = {}

    def call(case: schemathesis.Case) -> None:
        response = case.call_and_validate(base_url=live_url, headers=_auth(caller, case, caller_tokens), checks=CHECKS)
        statuses.setdefault(f"{case.operation.method.upper()} {case.operation.path}", set()).add(response.status_code)

    for operation in OPERATIONS:
        for mode in _modes(operation, caller):
            if mode == GenerationMode.NEGATIVE and not (operation.query or operation.body):
                continue  # generated ids were the negative pass of the path parameters
            label = f"with real ids as {caller} ({mode.value})"
            # A temporary credential is refused by the same dependency on every route but one: a few cases each.
            examples = 5 if caller == "temporary" and operation.path != "/v1/tokens/exchange" else MAX_EXAMPLES
            _run(operation, _with_real_ids(operation, resources, mode, caller), call, label, max_examples=examples)
    # The pass reached the resources, not only the error paths.
    successes = {op for op, codes in statuses.items() if codes & {200, 201}}
    expected = {
        "admin": {
            "GET /v1/save-cases/{case_id}",
            "GET /v1/decisions/{decision_id}",
            "GET /v1/people/{person_id}",
            "PUT /v1/people/{person_id}",
            "POST /v1/people/{person_id}/tokens",
            "GET /v1/people/{person_id}/delegations",
            "DELETE /v1/tokens/{token_id}",
            "DELETE /v1/delegations/{delegation_id}",
            "GET /v1/decisions",
            "POST /v1/approvals/{task_id}/assign",
            "POST /v1/people/{person_id}/delegations",
            "POST /v1/service-tokens",
            "GET /v1/metrics/programme",
        },
        "integration": {
            "POST /v1/save-cases",
            "POST /v1/save-cases/{case_id}/outcomes",
            "GET /v1/save-cases/{case_id}",
            "GET /v1/decisions/{decision_id}",
            "GET /v1/decisions",
        },
        "approver": {
            "GET /v1/approvals",
            "GET /v1/people/{person_id}",
            "GET /v1/people/{person_id}/delegations",
            "GET /v1/metrics/programme",
        },
        "owner": {"GET /v1/approvals", "GET /v1/save-cases/{case_id}", "POST /v1/approvals/{task_id}/approve"},
        # A temporary credential does one thing, once: it is exchanged for the holder's own token.
        "temporary": {"POST /v1/tokens/exchange"},
    }[caller]
    assert expected <= successes, (sorted(expected - successes), statuses)
    if caller == "temporary":
        assert successes - {"GET /healthz", "GET /readyz"} == expected, statuses
        assert statuses["POST /v1/tokens/exchange"] >= {201, 401}, statuses  # once; then the credential is spent


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
                example = load_example(draw(st.sampled_from(EXAMPLES)))
                case = operation.Case(
                    body={**example, "event_id": f"wh-{draw(st.integers(0, 10**9))}"}, media_type="application/json"
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
        raw = (
            b"" if not isinstance(case.body, dict | list | str | int | float | bool) else json.dumps(case.body).encode()
        )
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
