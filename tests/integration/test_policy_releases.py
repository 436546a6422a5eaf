"""Releases go live in a running service: its embedded OPA polls the bundle location, verifies, activates.

The service runs on a real Uvicorn with its own OPA (no OPA_URL), polling every second. The
tests publish into the bundle location as an operator (or an attacker) would, and watch what
the service decides with. OPA is never restarted: its process id stays the same throughout.
"""

import logging
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.clock import FixedClock
from app.config import Settings
from app.main import create_app
from app.policy.bundle import policy_revision
from app.policy.keys import ensure_development_key_pair
from app.policy.release import Release, build_release, published_revision
from app.policy.release import publish as publish_release
from tests.conftest import DECISION_TIME, ROOT, BySourceToken, load_example
from tests.integration.conftest import JsonLines
from tests.support.live_server import serve
from tests.support.releases import policies_with_credit_finance_over, tampered

POLLING_SECONDS = 1
# OPA asks at most every POLLING_SECONDS; the rest is room for a loaded machine.
GO_LIVE_DEADLINE_SECONDS = 15.0


class LiveService:
    """The running service, its HTTP client, its log, and the directories its OPA reads releases from."""

    def __init__(self, app: FastAPI, http: httpx.Client, log: JsonLines, settings: Settings, clock: FixedClock) -> None:
        self.app, self.http, self.log, self.settings, self.clock = app, http, log, settings, clock
        self.case_number = 0

    @property
    def opa_pid(self) -> int | None:
        return self.app.state.embedded_opa.pid

    def revision(self) -> str | None:
        return self.http.get("/v1/policy").json()["revision"]

    def decide(self) -> dict[str, Any]:
        """Decide the service-recovery example (a 7% credit) as a new event; return the recorded decision."""
        self.case_number += 1
        response = self.http.post(
            "/v1/save-cases", json={**load_example("service-recovery"), "event_id": f"evt-release-{self.case_number}"}
        )
        assert response.status_code == 201, response.text
        return response.json()

    def build(self, name: str, policy_dir: Path = ROOT / "policies") -> Release:
        return build_release(
            opa_binary=self.settings.opa_binary,
            policy_dir=policy_dir,
            release_dir=self.settings.release_dir,
            name=name,
            key=self.settings.release_key_dir / "release-signing.pem",
        )

    def publish(self, name: str) -> None:
        publish_release(release_dir=self.settings.release_dir, bundle_dir=self.settings.bundle_dir, name=name)

    def place_in_bundle_location(self, bundle: Path) -> None:
        """Put a bundle where OPA polls, bypassing the release command's checks (as a mistake or an attacker)."""
        partial = self.settings.bundle_dir / ".placed.partial"
        shutil.copyfile(bundle, partial)
        os.replace(partial, self.settings.bundle_dir / "bundle.tar.gz")

    def opa_errors(self, containing: str) -> list[str]:
        return [line["message"] for line in self.log.snapshot() if containing in line.get("message", "")]


def _within(predicate: Callable[[], Any], *, what: str, timeout: float = GO_LIVE_DEADLINE_SECONDS) -> float:
    """Wait until predicate() is true; return how long it took."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what}: not within {timeout}s")
        time.sleep(0.05)
    return time.monotonic() - started


def _history(live: "LiveService") -> list[tuple[str, str | None, datetime, datetime]]:
    response = live.http.get("/v1/policy/releases")
    assert response.status_code == 200, response.text
    return [
        (
            r["revision"],
            r["release"],
            datetime.fromisoformat(r["first_decided_at"]),
            datetime.fromisoformat(r["last_decided_at"]),
        )
        for r in response.json()
    ]


def _chain(decision: dict[str, Any]) -> list[list[str]]:
    return [stage["roles"] for stage in decision["decision"]["approval_chain"]]


@pytest.fixture
def live(
    database_url: str,
    source_tokens: dict[str, str],
    service_token: str,
    opa_binary: Path,
    release_key_dir: Path,
    tmp_path: Path,
) -> Iterator[LiveService]:
    settings = Settings(
        database_url=database_url,
        opa_binary=opa_binary,
        policy_dir=ROOT / "policies",
        bundle_dir=tmp_path / "bundle",
        release_dir=tmp_path / "releases",
        release_key_dir=release_key_dir,
        bundle_polling_min_delay_seconds=POLLING_SECONDS,
        bundle_polling_max_delay_seconds=POLLING_SECONDS,
        opa_timeout_seconds=2.0,
        migrate_on_start=False,
        background_jobs=False,
    )
    clock = FixedClock(DECISION_TIME)
    app = create_app(settings=settings, clock=clock)
    handler = JsonLines()
    with (
        serve(app) as url,
        httpx.Client(base_url=url, timeout=10, auth=BySourceToken(source_tokens, default=service_token)) as http,
    ):
        logging.getLogger().addHandler(handler)
        try:
            yield LiveService(app, http, handler, settings, clock)
        finally:
            logging.getLogger().removeHandler(handler)


def test_a_published_release_goes_live_without_a_restart_and_an_earlier_one_rolls_back(
    live: LiveService, tmp_path: Path
) -> None:
    # Nothing was published: the service published a development release of policies/ at start.
    development = published_revision(live.settings.bundle_dir)
    assert development is not None and development.startswith("dev-")
    before = live.decide()
    assert before["policy_revision"] == development
    assert _chain(before) == [["account_owner"]]  # a 7% credit; finance reviews credits over 5% of ARR
    pid = live.opa_pid

    # Finance lowers the threshold to 3%: a release of its own, published into the running service.
    changed = policies_with_credit_finance_over(tmp_path, 3)
    release = live.build("2026-12-credit-3pct", changed)
    assert release.revision == f"2026-12-credit-3pct@{policy_revision(changed)}"
    live.publish(release.name)
    took = _within(lambda: live.revision() == release.revision, what="the new release goes live")
    assert took < POLLING_SECONDS + 5, took

    live.clock.set(DECISION_TIME + timedelta(hours=1))
    after = live.decide()
    assert after["policy_revision"] == release.revision
    assert _chain(after) == [["account_owner"], ["finance"]]
    assert live.http.get("/v1/policy").json()["release"] == "2026-12-credit-3pct"

    # Rollback: publish the earlier release again.
    live.publish(development.split("@")[0])
    _within(lambda: live.revision() == development, what="the rollback goes live")
    live.clock.set(DECISION_TIME + timedelta(hours=2))
    rolled_back = live.decide()
    assert rolled_back["policy_revision"] == development
    assert _chain(rolled_back) == [["account_owner"]]

    # The history: each revision decided with, its release, first and last use; the most recently used first.
    policy = live.http.get("/v1/policy").json()
    assert (policy["revision"], policy["release"]) == (development, development.split("@")[0])
    one_hour, two_hours = DECISION_TIME + timedelta(hours=1), DECISION_TIME + timedelta(hours=2)
    assert _history(live) == [
        (development, development.split("@")[0], DECISION_TIME, two_hours),
        (release.revision, "2026-12-credit-3pct", one_hour, one_hour),
    ]

    assert live.opa_pid == pid and live.app.state.embedded_opa.restarts == 0, "OPA was never restarted"


def test_a_tampered_unsigned_or_foreign_bundle_is_refused_and_decisions_go_on_under_the_previous_release(
    live: LiveService, tmp_path: Path
) -> None:
    release = live.build("2026-12-credit-3pct", policies_with_credit_finance_over(tmp_path, 3))
    live.publish(release.name)
    _within(lambda: live.revision() == release.revision, what="the signed release goes live")
    pid = live.opa_pid

    foreign_key = ensure_development_key_pair(tmp_path / "foreign-keys")[0]
    foreign = build_release(
        opa_binary=live.settings.opa_binary,
        policy_dir=policies_with_credit_finance_over(tmp_path / "f", 50),
        release_dir=tmp_path / "foreign",
        name="foreign",
        key=foreign_key,
    )
    unsigned = tmp_path / "unsigned.tar.gz"
    unsigned_policies = policies_with_credit_finance_over(tmp_path / "u", 50)
    subprocess.run(
        [str(live.settings.opa_binary), "build", "--bundle", ".", "--revision", "unsigned", "-o", str(unsigned)],
        cwd=unsigned_policies,
        check=True,
    )
    refusals = [
        # The release's own signature, with data.json changed after signing (credits need finance only over 50%).
        (tampered(release.path, tmp_path / "tampered.tar.gz", finance_over_pct=50), "digest mismatch"),
        (foreign.path, "verification error"),
        (unsigned, "missing .signatures.json"),
    ]
    for bundle, error in refusals:
        live.place_in_bundle_location(bundle)
        _within(lambda error=error: live.opa_errors(error), what=f"OPA refuses the bundle ({error})")
        decision = live.decide()
        assert decision["policy_revision"] == release.revision, error
        assert _chain(decision) == [["account_owner"], ["finance"]], error
        assert live.revision() == release.revision

    # A good release after the refusals still goes live, in the same OPA.
    live.publish(live.build("2026-12-again").name)
    _within(lambda: (live.revision() or "").startswith("2026-12-again@"), what="a good release after refusals")
    assert _chain(live.decide()) == [["account_owner"]]
    assert live.opa_pid == pid and live.app.state.embedded_opa.restarts == 0
