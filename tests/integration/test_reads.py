"""Reading the decision log, cases, the active policy and health over HTTP."""

import shutil
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from app.clock import FixedClock
from app.config import Settings
from app.main import create_app
from app.policy.bundle import build_bundle
from tests.conftest import DECISION_TIME, ROOT, BySourceToken, load_example
from tests.support.live_server import serve
from tests.support.opa_process import OpaProcess

H = timedelta(hours=1)
# (example, account, hours before DECISION_TIME); two decisions share the latest time to test the tie-break.
PLAN = [
    ("service-recovery", "acct-A", 4),
    ("pause-unclear", "acct-A", 3),
    ("price-discount", "acct-B", 2),
    ("service-recovery", "acct-B", 1),
    ("pause-unclear", "acct-C", 0),
    ("service-recovery", "acct-C", 0),
]


def _decide(http: httpx.Client, clock: FixedClock, example: str, account: str, hours: int, n: int) -> dict:
    case = load_example(example)
    case["event_id"] = f"evt-read-{n}"
    case["account"]["id"] = account
    clock.set(DECISION_TIME - hours * H)
    response = http.post("/v1/save-cases", json=case)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def decided(http: httpx.Client, clock: FixedClock) -> list[dict]:
    return [_decide(http, clock, *plan, n) for n, plan in enumerate(PLAN)]


def _ids(page: dict) -> list[str]:
    return [item["id"] for item in page["items"]]


def _newest_first(decisions: list[dict]) -> list[str]:
    by_id = sorted(decisions, key=lambda d: d["id"])
    return [d["id"] for d in sorted(by_id, key=lambda d: d["decision_time"], reverse=True)]


def test_listing_is_newest_first_with_ties_broken_by_id(http: httpx.Client, decided: list[dict]) -> None:
    page = http.get("/v1/decisions", params={"include_total": True}).json()

    assert page["total"] == len(PLAN)
    assert page["limit"] == 50 and page["offset"] == 0
    assert _ids(page) == _newest_first(decided)
    item = page["items"][0]
    assert set(item) == {
        "id",
        "source",
        "event_id",
        "account_id",
        "outcome",
        "policy_revision",
        "decision_time",
        "recorded_at",
    }


def test_paging_walks_every_decision_once(http: httpx.Client, decided: list[dict]) -> None:
    seen: list[str] = []
    offset = 0
    sizes = []
    while True:
        page = http.get("/v1/decisions", params={"limit": 4, "offset": offset, "include_total": True}).json()
        assert page["total"] == len(PLAN) and page["limit"] == 4 and page["offset"] == offset
        if not page["items"]:
            break
        sizes.append(len(page["items"]))
        seen += _ids(page)
        offset += page["limit"]

    assert sizes == [4, 2]
    assert seen == _newest_first(decided)
    beyond = http.get("/v1/decisions", params={"limit": 4, "offset": 100, "include_total": True}).json()
    assert beyond["items"] == [] and beyond["total"] == len(PLAN)


def test_cursor_paging_walks_every_decision_once_in_order(http: httpx.Client, decided: list[dict]) -> None:
    seen: list[str] = []
    first = http.get("/v1/decisions", params={"limit": 4}).json()
    assert first["total"] is None, "nothing is counted unless asked"
    assert first["next_cursor"]
    seen += _ids(first)
    cursor = first["next_cursor"]
    while cursor:
        page = http.get("/v1/decisions", params={"limit": 4, "cursor": cursor}).json()
        assert page["total"] is None
        seen += _ids(page)
        cursor = page["next_cursor"]

    assert seen == _newest_first(decided)
    # A filter holds across cursor pages too.
    routes = http.get("/v1/decisions", params={"outcome": "route", "limit": 1, "include_total": True}).json()
    rest = http.get("/v1/decisions", params={"outcome": "route", "limit": 50, "cursor": routes["next_cursor"]}).json()
    assert [d["outcome"] for d in rest["items"]] == ["route"] * (routes["total"] - 1)
    assert rest["next_cursor"] is None


@pytest.mark.parametrize("params", [{"cursor": "bm90LWEtY3Vyc29y"}, {"cursor": "e30", "offset": 2}, {"cursor": "!!"}])
def test_a_cursor_the_service_did_not_give_is_a_clear_client_error(
    http: httpx.Client, decided: list[dict], params: dict
) -> None:
    response = http.get("/v1/decisions", params=params)

    assert response.status_code in (400, 422), response.text
    if response.status_code == 400:
        assert response.json()["code"] == "bad_query"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"account_id": "acct-A"}, [0, 1]),
        ({"account_id": "acct-B", "outcome": "route"}, [2, 3]),
        ({"outcome": "pause"}, [1, 4]),
        ({"outcome": "decline"}, []),
        ({"account_id": "nobody"}, []),
        # From is inclusive, to is exclusive.
        ({"decided_from": (DECISION_TIME - 3 * H).isoformat(), "decided_to": (DECISION_TIME - H).isoformat()}, [1, 2]),
        ({"decided_from": (DECISION_TIME - H).isoformat()}, [3, 4, 5]),
        ({"decided_to": (DECISION_TIME - 3 * H).isoformat()}, [0]),
        # Another zone, the same instant: 2026-11-22T10:00Z.
        ({"decided_from": "2026-11-22T11:00:00+01:00", "account_id": "acct-B"}, [2, 3]),
    ],
)
def test_filters_select_exactly_the_matching_decisions(
    http: httpx.Client, decided: list[dict], params: dict, expected: list[int]
) -> None:
    page = http.get("/v1/decisions", params={**params, "include_total": True}).json()

    assert sorted(_ids(page)) == sorted(decided[i]["id"] for i in expected), page
    assert page["total"] == len(expected)
    assert _ids(page) == _newest_first([decided[i] for i in expected])


def test_a_filtered_total_counts_beyond_the_page(http: httpx.Client, decided: list[dict]) -> None:
    page = http.get("/v1/decisions", params={"outcome": "route", "limit": 1, "offset": 1, "include_total": True}).json()

    routes = [d for d in decided if d["outcome"] == "route"]
    assert page["total"] == len(routes) == 4
    assert _ids(page) == _newest_first(routes)[1:2]


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"outcome": "maybe"}, 422, "outcome"),
        ({"decided_from": "yesterday"}, 400, "decided_from"),
        ({"decided_to": "0.5"}, 400, "decided_to"),  # a number is not a date-time, though pydantic would read one
        ({"decided_to": "0001-01-01T00:00:00+14:00"}, 400, "decided_to"),  # before year 1 once in UTC
        ({"decided_from": "9999-12-31T23:59:59-14:00"}, 400, "decided_from"),  # after year 9999 once in UTC
        ({"limit": 0}, 422, "limit"),
        ({"limit": 201}, 422, "limit"),
        ({"limit": "ten"}, 422, "limit"),
        ({"offset": -1}, 422, "offset"),
        ({"account_id": "x" * 201}, 422, "account_id"),
        ({"decided_from": "2026-11-22T00:00:00"}, 400, "decided_from"),  # no time zone
        ({"decided_to": "2026-11-22T00:00:00"}, 400, "decided_to"),
    ],
)
def test_bad_filters_are_clear_client_errors(http: httpx.Client, params: dict, status: int, field: str) -> None:
    response = http.get("/v1/decisions", params=params)

    assert response.status_code == status, response.text
    body = response.json()
    if status == 422:
        assert ["query", field] in [error["loc"] for error in body["detail"]]
    else:
        assert body["code"] == "bad_query" and field in body["detail"]


def test_filter_by_policy_revision_separates_revisions(
    http: httpx.Client,
    clock: FixedClock,
    database_url: str,
    settings: Settings,
    service_token: str,
    source_tokens: dict[str, str],
    policy_bundle: tuple[Path, str],
    opa_binary: Path,
    tmp_path: Path,
) -> None:
    """Two services on the same log, one with a changed policy bundle: each revision lists its own decisions."""
    first = _decide(http, clock, "service-recovery", "acct-R", 1, 100)
    changed = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", changed)
    with (changed / "retention" / "decision.rego").open("a") as rego:
        rego.write("\n# revision bump for the test\n")
    bundle, revision = build_bundle(opa_binary=opa_binary, policy_dir=changed, out_dir=tmp_path / "built")
    assert revision != policy_bundle[1]
    opa = OpaProcess(binary=opa_binary, bundle=bundle)
    opa.start()
    try:
        other_settings = settings.model_copy(update={"opa_url": opa.url})
        with (
            serve(create_app(settings=other_settings, clock=clock)) as url,
            httpx.Client(base_url=url, timeout=10, auth=BySourceToken(source_tokens, default=service_token)) as other,
        ):
            second = _decide(other, clock, "service-recovery", "acct-R", 0, 101)
            assert other.get("/v1/policy").json()["revision"] == revision
    finally:
        opa.kill()

    assert first["policy_revision"] == policy_bundle[1] and second["policy_revision"] == revision
    for rev, expected in ((policy_bundle[1], first), (revision, second)):
        page = http.get("/v1/decisions", params={"policy_revision": rev}).json()
        assert _ids(page) == [expected["id"]]
    empty = {"policy_revision": "sha256-0000000000000000", "include_total": True}
    assert http.get("/v1/decisions", params=empty).json()["total"] == 0


def test_one_decision_reads_back_as_it_was_returned(http: httpx.Client, decided: list[dict]) -> None:
    for decision in decided:
        response = http.get(f"/v1/decisions/{decision['id']}")
        assert response.status_code == 200
        assert response.json() == decision

    missing = http.get("/v1/decisions/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


def test_a_save_case_reads_back_with_its_decision(
    http: httpx.Client, directory_tokens: dict[str, str], decided: list[dict]
) -> None:
    decision = decided[2]  # price discount: a routed case with an approval chain

    response = http.get(f"/v1/save-cases/{decision['case_id']}")

    assert response.status_code == 200, response.text
    case = response.json()
    assert case["id"] == decision["case_id"]
    assert case["account_id"] == "acct-B"
    assert case["decision"] == decision
    assert case["decision_ids"] == [decision["id"]]
    assert case["tasks"], "a routed case has approval tasks"
    assert http.get("/v1/save-cases/no-such-case").status_code == 404


def test_reads_need_a_token(live_url: str, decided: list[dict]) -> None:
    with httpx.Client(base_url=live_url, timeout=10) as anonymous:
        for path in ("/v1/decisions", f"/v1/decisions/{decided[0]['id']}", f"/v1/save-cases/{decided[0]['case_id']}"):
            response = anonymous.get(path)
            assert response.status_code == 401, path
            assert response.headers["www-authenticate"] == "Bearer"
        assert anonymous.get("/v1/decisions", headers={"Authorization": "Bearer nonsense"}).status_code == 401


def test_policy_health_and_readiness(
    http: httpx.Client, opa_server: OpaProcess, policy_bundle: tuple[Path, str]
) -> None:
    policy = http.get("/v1/policy")
    assert policy.status_code == 200
    assert policy.json() == {
        "revision": policy_bundle[1],
        # The test OPA serves a bundle built straight from policies/, not a named release.
        "release": None,
        "opa_url": opa_server.url,
        "embedded": False,
        "reachable": True,
        "healthy": True,
        "restarts": None,
        "error": None,
        "shadow": None,  # shadow mode is off
    }
    assert http.get("/healthz").json() == {"status": "ok"}
    ready = http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "opa": "ok", "database": "ok"}
