"""The embedded OPA: started on loopback when no OPA_URL is set, kept alive, and stopped with the service."""

import asyncio
import contextlib
import json
import logging
import socket
import time
from pathlib import Path

import aiohttp

from app.config import Settings
from app.policy.bundle import build_bundle

logger = logging.getLogger("app.opa")


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class EmbeddedOpa:
    """Supervises one `opa run --server` child process serving the policy bundle."""

    def __init__(
        self, *, binary: Path, policy_dir: Path, bundle_dir: Path, start_timeout: float, watch_interval: float
    ) -> None:
        self._binary = binary
        self._policy_dir = policy_dir
        self._bundle_dir = bundle_dir
        self._start_timeout = start_timeout
        self._watch_interval = watch_interval
        self._port = _free_loopback_port()
        self._process: asyncio.subprocess.Process | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._drain: asyncio.Task[None] | None = None
        self._stopping = False
        self.restarts = 0
        self.revision: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> "EmbeddedOpa":
        """The OPA the service runs on loopback when no OPA_URL is set."""
        return cls(
            binary=settings.opa_binary,
            policy_dir=settings.policy_dir,
            bundle_dir=settings.bundle_dir,
            start_timeout=settings.opa_start_timeout_seconds,
            watch_interval=settings.opa_watch_interval_seconds,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    async def start(self) -> None:
        """Build the bundle, start OPA, wait until it serves the bundle, and start watching it."""
        if not self._binary.exists():
            raise RuntimeError(f"OPA binary not found at {self._binary}; run scripts/install-tools.sh")
        bundle, self.revision = await asyncio.to_thread(
            build_bundle, opa_binary=self._binary, policy_dir=self._policy_dir, out_dir=self._bundle_dir
        )
        self._bundle = bundle
        await self._spawn()
        self._watcher = asyncio.create_task(self._watch(), name="opa-watcher")

    async def _spawn(self) -> None:
        self._process = await asyncio.create_subprocess_exec(
            str(self._binary),
            "run",
            "--server",
            "--addr",
            f"127.0.0.1:{self._port}",
            "--bundle",
            str(self._bundle),
            "--log-format",
            "json",
            "--log-level",
            "error",
            # Decision logging is what makes OPA issue a decision id per query.
            "--set",
            "decision_logs.console=true",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self._drain = asyncio.create_task(self._forward_output(self._process), name="opa-output")
        try:
            await self._wait_healthy()
        except BaseException:
            await self._kill()
            raise
        logger.info(
            "embedded OPA serving", extra={"opa_url": self.url, "pid": self._process.pid, "revision": self.revision}
        )

    async def _forward_output(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        async for raw in process.stdout:
            line = raw.decode(errors="replace").strip()
            with contextlib.suppress(ValueError):
                if json.loads(line).get("msg") == "Decision Log":
                    continue  # the service's own decision log is the record; OPA's copy is noise here
            if line:
                logger.warning("opa: %s", line)

    async def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self._start_timeout
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1)) as http:
            while True:
                assert self._process is not None
                if self._process.returncode is not None:
                    raise RuntimeError(f"embedded OPA exited with status {self._process.returncode} while starting")
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with http.get(f"{self.url}/health", params={"bundles": "true"}) as response:
                        if response.status == 200:
                            return
                if time.monotonic() > deadline:
                    raise RuntimeError(f"embedded OPA was not healthy within {self._start_timeout}s")
                await asyncio.sleep(0.05)

    async def _watch(self) -> None:
        backoff = self._watch_interval
        while not self._stopping:
            await asyncio.sleep(self._watch_interval)
            if self._stopping or self._process is None or self._process.returncode is None:
                continue
            logger.error("embedded OPA died; restarting", extra={"exit_status": self._process.returncode})
            try:
                await self._spawn()
                self.restarts += 1
                backoff = self._watch_interval
            except Exception:
                logger.exception("embedded OPA restart failed; retrying")
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30)

    async def _kill(self) -> None:
        process = self._process
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), timeout=5)
        except TimeoutError:
            process.kill()
            await process.wait()

    async def stop(self) -> None:
        """Stop watching and terminate OPA."""
        self._stopping = True
        if self._watcher:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        await self._kill()
        if self._drain:
            self._drain.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._drain
