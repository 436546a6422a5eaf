"""One real OPA per policy version, deciding batches of inputs over a keep-alive HTTP session.

The wrapper module (wrapper.rego) maps a list of inputs through data.retention.decision with
`with input as item`, so one request decides a whole batch: the per-request HTTP and JSON overhead
is paid once per batch, not once per decision.
"""

import asyncio
import os
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import aiohttp

from app.impact.codec import json_dumps, json_loads
from app.policy.supervisor import free_loopback_port, wait_until_serving

WRAPPER = Path(__file__).with_name("wrapper.rego")
START_TIMEOUT_SECONDS = 30.0
# A replay decision allocates about 115 KB inside OPA; at Go's default (GOGC=100) garbage collection
# took a fifth of OPA's CPU (400: 15% less CPU than 100, 800: 8% less again). Collecting less often
# costs memory, bounded in a batch job that holds a few batches at a time: about 100 MB more per OPA
# (scripts/benchmark.py prints OPA's peak RSS).
REPLAY_GOGC = "800"
UNDECIDED: dict[str, Any] = {
    "outcome": "undecided",
    "chain": [],
    "tier": None,
    "escalation": None,
    "violations": [],
    "rules": [],
}


def _peak_rss(pid: int) -> int | None:
    """The process's peak resident memory (VmHWM, Linux), for the benchmark; None where /proc has none."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _cpu_seconds(pid: int) -> float | None:
    """utime + stime of the process (Linux /proc/<pid>/stat), for the benchmark's CPU split."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


class ReplayOpa:
    """`opa run --server` on loopback with a policy directory and the wrapper; a context manager."""

    def __init__(self, *, binary: Path, policy_dir: Path, concurrency: int = 2) -> None:
        self._binary = binary
        self._policy_dir = policy_dir
        self._port = free_loopback_port()
        self._process: asyncio.subprocess.Process | None = None
        self._http: aiohttp.ClientSession | None = None
        # Bounded: more requests in flight than OPA has cores only queue inside OPA and hold memory.
        self._slots = asyncio.Semaphore(concurrency)
        self.peak_rss_bytes: int | None = None
        self.cpu_seconds: float | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    async def __aenter__(self) -> Self:
        self._process = await asyncio.create_subprocess_exec(
            str(self._binary),
            "run",
            "--server",
            "--addr",
            f"127.0.0.1:{self._port}",
            "--log-level",
            "error",
            str(self._policy_dir),
            str(WRAPPER),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "GOGC": REPLAY_GOGC},
        )
        self._http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=8),
            timeout=aiohttp.ClientTimeout(total=300),
            json_serialize=json_dumps,
        )
        await self._wait_healthy()
        return self

    async def _wait_healthy(self) -> None:
        assert self._process is not None
        if await wait_until_serving(self._process, self.url, within_seconds=START_TIMEOUT_SECONDS):
            return
        if self._process.returncode is not None:
            errors = b"" if self._process.stderr is None else await self._process.stderr.read()
            raise RuntimeError(f"OPA on {self._policy_dir} exited: {errors.decode(errors='replace')[-2000:]}")
        raise RuntimeError(f"OPA on {self._policy_dir} not healthy within {START_TIMEOUT_SECONDS}s")

    async def decide(self, inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The policy's (reduced) decision for each input, in order (UNDECIDED where it has none)."""
        # An input the policy has no decision for is absent from the list: it is reported as undecided.
        results: list[dict[str, Any]] = [UNDECIDED] * len(inputs)
        for result in await self._query("results", inputs):
            results[result["i"]] = result
        return results

    async def _query(self, rule: str, inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        assert self._http is not None
        if not inputs:
            return []
        async with (
            self._slots,
            self._http.post(f"{self.url}/v1/data/impact/{rule}", json={"input": {"items": inputs}}) as response,
        ):
            body = await response.json(loads=json_loads)
            if response.status != 200 or "result" not in body:
                raise RuntimeError(f"OPA on {self._policy_dir} answered {response.status}: {body}")
        result: list[dict[str, Any]] = body["result"]
        return result

    async def explain(self, inputs: list[dict[str, Any]]) -> list[list[str]]:
        """The rule ids that fired for each input, in order (none where the policy has no decision)."""
        body = await self._query("explained", inputs)
        rules: list[list[str]] = [[] for _ in inputs]
        for result in body:
            rules[result["i"]] = result["rules"]
        return rules

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._http is not None:
            await self._http.close()
        if self._process is not None and self._process.returncode is None:
            self.peak_rss_bytes = _peak_rss(self._process.pid)
            self.cpu_seconds = _cpu_seconds(self._process.pid)
            self._process.terminate()
            try:
                await asyncio.wait_for(self._process.wait(), timeout=5)
            except TimeoutError:
                self._process.kill()
                await self._process.wait()
