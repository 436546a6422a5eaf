"""Process plumbing for scripts/benchmark.py: start and stop OPA and Uvicorn, read CPU time and RSS from /proc.

Every process started here runs in its own session (process group), so that stopping it also
stops what it started (Uvicorn's workers), and nothing outlives the phase that started it.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx

from tests.support.service_processes import SERVICE_VARIABLES  # every phase sets what it needs

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
OPA = ROOT / ".tools" / "bin" / "opa"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
STOP_TIMEOUT_SECONDS = 15.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def service_env(database_url: str, opa_url: str, **extra: str) -> dict[str, str]:
    """This environment without the developer's service settings, plus the benchmark's."""
    env = {key: value for key, value in os.environ.items() if key not in SERVICE_VARIABLES}
    env.update(
        {
            "DATABASE_URL": database_url,
            "OPA_URL": opa_url,
            "BACKGROUND_JOBS": "false",
            "LOG_LEVEL": "WARNING",
            # The example's owner and approvers exist, so cases are routed and staffed as in production.
            "SEED_DIRECTORY_FILE": str(ROOT / "seeds" / "directory.json"),
        }
    )
    env.update(extra)
    return env


# --- /proc ---------------------------------------------------------------------------------------


def _stat_fields(pid: int) -> list[str]:
    """Fields of /proc/<pid>/stat after the command name (which may hold spaces): [state, ppid, …]."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def descendants(pid: int) -> list[int]:
    """The process and every live process below it."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            children.setdefault(int(_stat_fields(int(entry))[1]), []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process and all its live descendants, in seconds."""
    return sum(cpu_by_process(pid).values())


def cpu_by_process(pid: int) -> dict[int, float]:
    ticks: dict[int, float] = {}
    for member in descendants(pid):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = _stat_fields(member)  # utime and stime are fields 14 and 15 of the whole line
            ticks[member] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return ticks


def is_helper(pid: int) -> bool:
    """Whether the process is multiprocessing's resource tracker (Uvicorn's master starts one), not a worker."""
    try:
        return b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def rss_bytes(pid: int) -> int:
    """VmRSS of the process and all its live descendants."""
    total = 0
    for member in descendants(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total


def machine() -> dict[str, object]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    return {
        "cores": os.cpu_count(),
        "cpu_model": model,
        "ram_gib": round(mem_kib / 1024 / 1024, 1),
        "load_average": os.getloadavg(),
    }


# --- processes -----------------------------------------------------------------------------------


class Process:
    """A child process in its own process group, with its output in a log file."""

    def __init__(self, name: str, command: list[str], *, log_path: Path, env: Mapping[str, str] | None = None):
        self.name = name
        self.log_path = log_path
        with log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                command,
                cwd=ROOT,
                env=dict(env) if env is not None else None,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def check_alive(self) -> None:
        if self.popen.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.popen.returncode}\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM (graceful), then SIGKILL to the whole group if it has not exited in time."""
        if self.popen.poll() is None:
            self.popen.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=STOP_TIMEOUT_SECONDS)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)  # workers left behind, if any
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=STOP_TIMEOUT_SECONDS)

    def log_tail(self, chars: int = 3000) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return f"--- {self.name}: no log"
        return f"--- {self.name} log ({self.log_path}), last {chars} characters:\n{text[-chars:]}"


def wait_healthy(url: str, process: Process, *, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        process.check_alive()
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not become healthy within {timeout:.0f} s\n{process.log_tail()}")
        time.sleep(0.1)


def wait_settled(process: Process, *, members: int, timeout: float = 60) -> None:
    """Wait until the process tree has `members` processes and has stopped burning CPU (workers started)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        process.check_alive()
        before = cpu_seconds(process.pid)
        time.sleep(0.5)
        if len(descendants(process.pid)) >= members and cpu_seconds(process.pid) - before < 0.05:
            return
    raise RuntimeError(f"{process.name} did not settle within {timeout:.0f} s\n{process.log_tail()}")


@contextlib.contextmanager
def opa_server(workdir: Path, port: int) -> Iterator[Process]:
    """A standalone OPA serving a revision-stamped bundle of policies/, the service's own way."""
    from app.policy.bundle import build_bundle

    bundle, _ = build_bundle(opa_binary=OPA, policy_dir=ROOT / "policies", out_dir=workdir / "bundle")
    from app.config import Settings
    from app.policy.supervisor import opa_environment

    command = [str(OPA), "run", "--server", "--addr", f"127.0.0.1:{port}", "--log-level", "error", "-b", str(bundle)]
    # The embedded OPA's environment (its garbage collector setting), so that OPA costs here what it costs there.
    opa = Process("opa", command, log_path=workdir / "opa.log", env=opa_environment(Settings()))
    try:
        wait_healthy(f"http://127.0.0.1:{port}/health?bundles", opa, timeout=30)
        yield opa
    finally:
        opa.stop()


@contextlib.contextmanager
def uvicorn(name: str, workdir: Path, env: Mapping[str, str], *, workers: int = 1) -> Iterator[tuple[Process, str]]:
    """`uvicorn app.main:app --workers N` on a free loopback port; yields the process and its URL once settled."""
    port = free_port()
    command = [str(PYTHON), "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), "--no-access-log", "--log-level", "warning"]
    service = Process(name, command, log_path=workdir / f"{name.replace(' ', '-')}.log", env=env)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(f"{url}/healthz", service, timeout=90)
        # With several workers, /healthz answers as soon as one is up: wait for all of them.
        wait_settled(service, members=1 if workers == 1 else workers + 1, timeout=90)
        yield service, url
    except BaseException:
        print(service.log_tail(), file=sys.stderr)
        raise
    finally:
        service.stop()


def cli(env: Mapping[str, str], *args: str) -> str:
    """Run the directory admin CLI (it migrates first); return the last line of its stdout (a token's secret)."""
    completed = subprocess.run(
        [str(PYTHON), "-m", "app.directory.cli", *args],
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"app.directory.cli {' '.join(args)}: exit {completed.returncode}\n{completed.stderr}")
    lines = completed.stdout.strip().splitlines()
    return lines[-1].strip() if lines else ""
