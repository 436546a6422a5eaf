"""The embedded OPA: started on loopback without OPA_URL, restarted when it dies, stopped with the service."""

import os
import signal
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from app.clock import FixedClock
from app.config import Settings
from app.main import create_app
from app.policy.release import published_revision
from tests.conftest import DECISION_TIME, ROOT, BySourceToken, load_example
from tests.support.live_server import serve
from tests.support.opa_process import OpaProcess


def _opa_children() -> set[int]:
    """Live OPA processes whose parent is this test process."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
        if int(fields["PPid"]) == os.getpid() and fields["State"][0] != "Z" and cmdline[0].endswith(b"/opa"):
            found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "status").read_text().split("State:\t")[1][0] != "Z"
    except (OSError, IndexError):
        return False


def _wait_for(predicate, *, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within the deadline")
        time.sleep(0.05)
    return result


def _settings(database_url: str, opa_binary: Path, tmp_path: Path, opa_url: str | None, key_dir: Path) -> Settings:
    return Settings(
        database_url=database_url,
        opa_url=opa_url,
        opa_binary=opa_binary,
        policy_dir=ROOT / "policies",
        bundle_dir=tmp_path / "bundle",
        release_dir=tmp_path / "releases",
        release_key_dir=key_dir,
        opa_timeout_seconds=1.0,
        opa_retries=1,
        opa_watch_interval_seconds=0.1,
        opa_gogc=300,
        migrate_on_start=False,
        background_jobs=False,
    )


def _case(event_id: str) -> dict:
    return {**load_example("service-recovery"), "event_id": event_id}


def test_without_opa_url_the_service_runs_restarts_and_stops_its_own_opa(
    database_url: str,
    service_token: str,
    source_tokens: dict[str, str],
    opa_binary: Path,
    tmp_path: Path,
    policy_bundle: tuple[Path, str],
    release_key_dir: Path,
) -> None:
    before = _opa_children()
    settings = _settings(database_url, opa_binary, tmp_path, None, release_key_dir)
    app = create_app(settings=settings, clock=FixedClock(DECISION_TIME))
    with (
        serve(app) as url,
        httpx.Client(base_url=url, timeout=10, auth=BySourceToken(source_tokens, default=service_token)) as http,
    ):
        embedded = app.state.embedded_opa
        first_pid = embedded.pid
        assert _opa_children() - before == {first_pid}
        environment = (Path("/proc") / str(first_pid) / "environ").read_bytes().split(b"\0")
        assert f"GOGC={settings.opa_gogc}".encode() in environment, "the embedded OPA runs with OPA_GOGC"
        assert urlsplit(embedded.url).hostname == "127.0.0.1"
        policy = http.get("/v1/policy").json()
        assert policy["embedded"] is True and policy["healthy"] is True and policy["restarts"] == 0
        assert policy["opa_url"] == embedded.url
        # No release was published: the service published a development release of policies/ and decides with it.
        development = published_revision(tmp_path / "bundle")
        assert development is not None and development.startswith("dev-")
        assert policy["revision"] == development and development.endswith(f"@{policy_bundle[1]}")
        assert http.post("/v1/save-cases", json=_case("evt-embedded-1")).status_code == 201

        os.kill(first_pid, signal.SIGKILL)

        # The new process answers a moment before the supervisor counts the restart: wait for both.
        _wait_for(
            lambda: embedded.pid != first_pid and embedded.restarts == 1 and http.get("/readyz").status_code == 200
        )
        assert not _alive(first_pid)
        second_pid = embedded.pid
        assert _opa_children() - before == {second_pid}
        policy = http.get("/v1/policy").json()
        assert policy["restarts"] == 1 and policy["healthy"] is True and policy["opa_url"] == embedded.url
        after = http.post("/v1/save-cases", json=_case("evt-embedded-2"))
        assert after.status_code == 201, after.text
        assert after.json()["policy_revision"] == development

    assert not _alive(second_pid), "the embedded OPA outlived the service"
    assert _opa_children() == before


def test_with_opa_url_the_service_starts_no_opa_of_its_own(
    database_url: str,
    service_token: str,
    source_tokens: dict[str, str],
    opa_binary: Path,
    tmp_path: Path,
    opa_server: OpaProcess,
    release_key_dir: Path,
) -> None:
    before = _opa_children()
    app = create_app(
        settings=_settings(database_url, opa_binary, tmp_path, opa_server.url, release_key_dir),
        clock=FixedClock(DECISION_TIME),
    )
    with (
        serve(app) as url,
        httpx.Client(base_url=url, timeout=10, auth=BySourceToken(source_tokens, default=service_token)) as http,
    ):
        assert app.state.embedded_opa is None
        assert http.post("/v1/save-cases", json=_case("evt-external")).status_code == 201
        policy = http.get("/v1/policy").json()
        assert policy["embedded"] is False and policy["restarts"] is None and policy["opa_url"] == opa_server.url
        assert _opa_children() == before
    assert not (tmp_path / "bundle").exists(), "no bundle is built for an OPA the service does not run"
    assert not (tmp_path / "releases").exists()
