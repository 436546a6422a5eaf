"""The embedded OPA: started on loopback when no OPA_URL is set, kept alive, and stopped with the service.

It runs the way a deployed OPA does: from a configuration file naming a bundle service
(the bundle location, served on loopback by the service), polling it for new releases
and verifying each one's signature with the release verification key. Publishing a
release is therefore all it takes to change policy, with no restart; a bundle that fails
verification is refused and OPA goes on deciding with the release it has.
"""

import asyncio
import contextlib
import json
import logging
import os
import shutil
import socket
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from app.config import Settings
from app.policy.bundle_server import RESOURCE, BundleServer
from app.policy.keys import verification_key_pem
from app.policy.release import ensure_published

logger = logging.getLogger("app.opa")
BUNDLE_NAME = "retention"


def free_loopback_port() -> int:
    """A loopback TCP port nothing listens on now, for an OPA the service starts."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def wait_until_serving(
    process: asyncio.subprocess.Process, url: str, *, within_seconds: float, bundles: bool = False
) -> bool:
    """Poll an OPA the service started until /health answers 200 (True), or it exits or time is up (False).

    bundles: also wait for its bundles to be activated (`/health?bundles=true`).
    """
    deadline = time.monotonic() + within_seconds
    params = {"bundles": "true"} if bundles else {}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1)) as http:
        while process.returncode is None:
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with http.get(f"{url}/health", params=params) as response:
                    if response.status == 200:
                        return True
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.05)
    return False


def opa_config(*, settings: Settings, bundle_service_url: str, public_key_pem: str) -> dict[str, Any]:
    """OPA's configuration: one signed bundle, polled from the bundle service, verified with the public key."""
    return {
        "services": {"releases": {"url": bundle_service_url}},
        "bundles": {
            BUNDLE_NAME: {
                "service": "releases",
                "resource": RESOURCE,
                "polling": {
                    "min_delay_seconds": settings.bundle_polling_min_delay_seconds,
                    "max_delay_seconds": settings.bundle_polling_max_delay_seconds,
                },
                "signing": {"keyid": settings.release_key_id},
            }
        },
        "keys": {settings.release_key_id: {"algorithm": "RS256", "key": public_key_pem}},
        # Decision logging is what makes OPA issue a decision id per query.
        "decision_logs": {"console": True},
    }


def opa_environment(settings: Settings) -> dict[str, str]:
    """The environment of an OPA the service starts: its own, with the garbage collector setting."""
    return {**os.environ, "GOGC": str(settings.opa_gogc)}


class EmbeddedOpa:
    """Supervises one `opa run --server` child process and the bundle service it polls."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._binary = settings.opa_binary
        self._start_timeout = settings.opa_start_timeout_seconds
        self._watch_interval = settings.opa_watch_interval_seconds
        self._port = free_loopback_port()
        self._process: asyncio.subprocess.Process | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._drain: asyncio.Task[None] | None = None
        self._bundles = BundleServer(settings.bundle_dir)
        self._config_dir: Path | None = None
        self._stopping = False
        self.restarts = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> "EmbeddedOpa":
        """The OPA the service runs on loopback when no OPA_URL is set."""
        return cls(settings)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    async def start(self) -> None:
        """Publish a development release if none is, serve the bundle location, start OPA and watch it."""
        if not self._binary.exists():
            raise RuntimeError(f"OPA binary not found at {self._binary}; run scripts/install-tools.sh")
        published = await asyncio.to_thread(ensure_published, self._settings)
        public_key = await asyncio.to_thread(verification_key_pem, self._settings)
        await self._bundles.start()
        try:
            self._config_dir = Path(tempfile.mkdtemp(prefix="save-offers-opa-"))
            config = opa_config(
                settings=self._settings, bundle_service_url=self._bundles.url, public_key_pem=public_key
            )
            (self._config_dir / "opa.json").write_text(json.dumps(config), encoding="utf-8")
            await self._spawn()
        except BaseException:
            await self._release_resources()
            raise
        logger.info("embedded OPA started", extra={"published_revision": published, "bundle_url": self._bundles.url})
        self._watcher = asyncio.create_task(self._watch(), name="opa-watcher")

    async def _spawn(self) -> None:
        assert self._config_dir is not None
        self._process = await asyncio.create_subprocess_exec(
            str(self._binary),
            "run",
            "--server",
            "--addr",
            f"127.0.0.1:{self._port}",
            "--config-file",
            str(self._config_dir / "opa.json"),
            "--log-format",
            "json",
            # Errors only: a refused release (bad signature, tampered file) is one, and reaches the service's log.
            "--log-level",
            "error",
            env=opa_environment(self._settings),
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
        logger.info("embedded OPA serving", extra={"opa_url": self.url, "pid": self._process.pid})

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
        assert self._process is not None
        if await wait_until_serving(self._process, self.url, within_seconds=self._start_timeout, bundles=True):
            return
        if self._process.returncode is not None:
            raise RuntimeError(f"embedded OPA exited with status {self._process.returncode} while starting")
        raise RuntimeError(
            f"embedded OPA activated no release within {self._start_timeout}s (is the published "
            "bundle signed with the key it verifies with? see OPA's errors above)"
        )

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
        """Stop watching, terminate OPA and stop serving the bundle location."""
        self._stopping = True
        if self._watcher:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        await self._release_resources()

    async def _release_resources(self) -> None:
        await self._kill()
        if self._drain:
            self._drain.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._drain
        await self._bundles.stop()
        if self._config_dir is not None:
            shutil.rmtree(self._config_dir, ignore_errors=True)
            self._config_dir = None
