"""The service as separate operating-system processes (replicas) on one shared database.

Each replica is `python -m uvicorn app.main:app` in its own process with its own settings from
the environment, so the tests see the service as it is deployed: several replicas racing on one
database, not one event loop. Only the command line, the environment and HTTP are used here, so
the app's internal layout may change without touching these helpers.

The admin CLI (`python -m app.directory.cli`) seeds the directory and issues tokens, also as
subprocesses with DATABASE_URL set.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from app.config import Settings
from tests.support.opa_process import free_port

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable  # the interpreter running the tests: the project's virtualenv
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0
LOG_TAIL_LINES = 150


def _base_env(database_url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in SERVICE_VARIABLES}
    env.update(
        {
            "DATABASE_URL": database_url,
            # The project directory first, so `app` is the working tree's package.
            "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
            "PYTHONUNBUFFERED": "1",
            # No periodic audit checkpoints into the working tree's var/ (a test that wants them sets both).
            "AUDIT_CHECKPOINT_INTERVAL_SECONDS": "0",
        }
    )
    env.update(extra or {})
    return env


def service_environment(database_url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a service process gets: this one without the developer's service settings, plus these."""
    return _base_env(database_url, extra)


# Every setting a developer's shell may export (and uvicorn's own worker count): the tests set
# each one they need explicitly, so none leaks in from the shell.
SERVICE_VARIABLES = frozenset(name.upper() for name in Settings.model_fields) | {"WEB_CONCURRENCY"}


class ServiceProcess:
    """One replica: a uvicorn process on a free loopback port, its output captured to a log file."""

    def __init__(self, *, name: str, env: Mapping[str, str], log_path: Path) -> None:
        self.name = name
        self.port = free_port()
        self.env = dict(env)
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [PYTHON, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(self.port)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )

    def wait_healthy(self, *, timeout: float = START_TIMEOUT_SECONDS) -> None:
        """Wait for GET /healthz to answer 200; raise with the process's log if it exits or never does."""
        assert self.process is not None, "start() first"
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                code = self.process.returncode
                raise RuntimeError(f"service {self.name} exited with {code} before it was healthy\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"service {self.name} was not healthy within {timeout:.0f}s\n{self.log_tail()}")
            time.sleep(0.1)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def kill(self, *, timeout: float = STOP_TIMEOUT_SECONDS) -> int:
        """SIGKILL: the process dies at once, mid-request or mid-transaction, with no shutdown; return its status."""
        assert self.process is not None, "start() first"
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        return self.process.wait(timeout=timeout)

    def stop(self, *, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """Terminate (SIGTERM: uvicorn shuts down gracefully), then kill if it has not exited in time."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=timeout)

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def log_tail(self, *, since: int = 0, lines: int = LOG_TAIL_LINES) -> str:
        if not self.log_path.exists():
            return f"--- {self.name}: no log at {self.log_path}"
        with self.log_path.open("rb") as log:
            log.seek(since)
            text = log.read().decode("utf-8", errors="replace")
        kept = text.splitlines()[-lines:]
        header = f"--- {self.name} ({self.url}), log {self.log_path}"
        if len(kept) < len(text.splitlines()):
            header += f", last {lines} lines"
        return "\n".join([header, *kept])


def _wait_or_retry_port(replica: ServiceProcess, *, attempts: int = 3) -> None:
    """Wait until healthy; if another process took the free port meanwhile, start again on a new one."""
    for attempt in range(attempts):
        try:
            replica.wait_healthy()
            return
        except RuntimeError:
            log = replica.log_tail(lines=20).lower()
            if attempt + 1 == attempts or "address already in use" not in log:
                raise
            replica.stop()
            replica.port = free_port()
            replica.start()


class ServiceCluster:
    """Several replicas of the service on one database, started together and stopped together."""

    def __init__(
        self,
        *,
        database_url: str,
        opa_url: str,
        log_dir: Path,
        replicas: int = 3,
        env: Mapping[str, str] | None = None,
        replica_env: Mapping[int, Mapping[str, str]] | None = None,
    ) -> None:
        """`env` applies to every replica; `replica_env` adds settings to one replica, by index (0-based)."""
        settings = {
            "OPA_URL": opa_url,
            "MIGRATE_ON_START": "false",  # the tests migrate once; replicas racing Alembic is another matter
            "BACKGROUND_JOBS": "false",
            "LOG_LEVEL": "INFO",
            "OPA_TIMEOUT_SECONDS": "5",
            **(env or {}),
        }
        log_dir.mkdir(parents=True, exist_ok=True)
        env_of_replicas = _base_env(database_url, settings)
        overrides = replica_env or {}
        self.replicas = [
            ServiceProcess(
                name=f"replica-{i + 1}",
                env={**env_of_replicas, **overrides.get(i, {})},
                log_path=log_dir / f"replica-{i + 1}.log",
            )
            for i in range(replicas)
        ]

    @property
    def urls(self) -> list[str]:
        return [replica.url for replica in self.replicas]

    def start(self) -> None:
        for replica in self.replicas:
            replica.start()
        try:
            with ThreadPoolExecutor(len(self.replicas)) as pool:
                for future in [pool.submit(_wait_or_retry_port, replica) for replica in self.replicas]:
                    future.result()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        with ThreadPoolExecutor(len(self.replicas)) as pool:
            list(pool.map(lambda replica: replica.stop(), self.replicas))

    def kill(self, index: int) -> int:
        """SIGKILL one replica (0-based index); return its exit status. crashed() names it afterwards."""
        return self.replicas[index].kill()

    def alive(self) -> list[int]:
        """Indexes of the replicas whose process is running."""
        return [i for i, r in enumerate(self.replicas) if r.process is not None and r.process.poll() is None]

    def crashed(self) -> list[str]:
        """Replicas whose process has exited, with their exit codes."""
        return [
            f"{r.name} exited with {r.process.returncode}"
            for r in self.replicas
            if r.process is not None and r.process.poll() is not None
        ]

    def log_marks(self) -> list[int]:
        return [replica.log_size() for replica in self.replicas]

    def logs(self, *, since: list[int] | None = None) -> str:
        marks = since or [0] * len(self.replicas)
        return "\n".join(replica.log_tail(since=mark) for replica, mark in zip(self.replicas, marks, strict=True))


@contextlib.contextmanager
def service_cluster(
    *,
    database_url: str,
    opa_url: str,
    log_dir: Path,
    replicas: int = 3,
    env: Mapping[str, str] | None = None,
    replica_env: Mapping[int, Mapping[str, str]] | None = None,
) -> Iterator[ServiceCluster]:
    """Start the replicas, wait until every one answers /healthz, and stop them all afterwards."""
    cluster = ServiceCluster(
        database_url=database_url,
        opa_url=opa_url,
        log_dir=log_dir,
        replicas=replicas,
        env=env,
        replica_env=replica_env,
    )
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def run_cli(database_url: str, *args: str, timeout: float = 120) -> str:
    """Run the directory admin CLI against a database; return its stdout (stripped), raise with its stderr."""
    completed = subprocess.run(
        [PYTHON, "-m", "app.directory.cli", *args],
        cwd=ROOT,
        env=_base_env(database_url),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"`python -m app.directory.cli {' '.join(args)}` exited with {completed.returncode}\n"
            f"stdout:\n{completed.stdout}\nstderr:\n{completed.stderr}"
        )
    return completed.stdout.strip()


def seed_and_issue_tokens(
    database_url: str, *, seed_file: Path, person_ids: list[str], service_name: str = "crm"
) -> dict[str, str]:
    """Seed the directory, then issue a token for each person and one for the CRM integration (key "crm")."""
    run_cli(database_url, "seed", str(seed_file))

    def issue(key: str) -> tuple[str, str]:
        args = ("service-token", service_name) if key == "crm" else ("person-token", key)
        secret = run_cli(database_url, *args).splitlines()[-1].strip()
        return key, secret

    with ThreadPoolExecutor(4) as pool:
        return dict(pool.map(issue, [*person_ids, "crm"]))
