"""The shadow evaluator: a second OPA on the candidate release, asked after each response, never waited for.

submit() only schedules: it never blocks, never raises, and drops the evaluation when
SHADOW_MAX_PENDING are already waiting or running, so a slow or dead shadow OPA costs live traffic
nothing but a counter. Results are buffered and written every SHADOW_FLUSH_SECONDS in one
transaction, so a shadow write takes the writer's turn (one at a time on SQLite) once a second at
most, never once per decision.
"""

import asyncio
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clock import Clock
from app.config import Settings
from app.database import session_scope
from app.policy.keys import verification_key_pem
from app.policy.supervisor import free_loopback_port, opa_environment, wait_until_serving
from app.shadow.models import ShadowDecision
from app.shadow.schemas import ShadowRead

logger = logging.getLogger("app.shadow")
_START_TIMEOUT_SECONDS = 30.0


class ShadowEvaluator:
    """Runs `opa run --server` on the shadow release (its signature verified) and records its decisions."""

    def __init__(self, *, settings: Settings, factory: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        if settings.shadow_release is None:
            raise ValueError("shadow mode needs SHADOW_RELEASE")
        self._settings = settings
        self._bundle = settings.release_dir / f"{settings.shadow_release}.tar.gz"
        self._factory = factory
        self._clock = clock
        self._port = free_loopback_port()
        self._process: asyncio.subprocess.Process | None = None
        self._http: aiohttp.ClientSession | None = None
        self._key_dir: tempfile.TemporaryDirectory[str] | None = None
        self._pending: set[asyncio.Task[None]] = set()
        self._buffer: list[dict[str, Any]] = []
        self._flusher: asyncio.Task[None] | None = None
        self.dropped = 0
        self.failed = 0
        self.written = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def status(self) -> ShadowRead:
        """Counts since start: pending, written, dropped and failed evaluations."""
        return ShadowRead(
            release=str(self._settings.shadow_release),
            running=self._process is not None and self._process.returncode is None,
            pending=len(self._pending),
            written=self.written,
            dropped=self.dropped,
            failed=self.failed,
        )

    async def start(self) -> None:
        if not self._bundle.is_file():
            raise RuntimeError(
                f"shadow release {self._settings.shadow_release!r} is not in {self._settings.release_dir}"
            )
        self._key_dir = tempfile.TemporaryDirectory(prefix="save-offers-shadow-")
        key = Path(self._key_dir.name) / "verification.pem"
        key.write_text(verification_key_pem(self._settings), encoding="ascii")
        self._process = await asyncio.create_subprocess_exec(
            str(self._settings.opa_binary),
            "run",
            "--server",
            "--addr",
            f"127.0.0.1:{self._port}",
            "--log-level",
            "error",
            "--verification-key",
            str(key),
            "--signing-alg",
            "RS256",
            "--bundle",
            str(self._bundle),
            env=opa_environment(self._settings),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        self._http = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self._settings.shadow_timeout_seconds),
            connector=aiohttp.TCPConnector(limit=4),
        )
        if not await wait_until_serving(self._process, self.url, within_seconds=_START_TIMEOUT_SECONDS, bundles=True):
            await self.stop()
            raise RuntimeError(f"the shadow OPA did not serve release {self._settings.shadow_release!r}")
        self._flusher = asyncio.create_task(self._flush_periodically(), name="shadow-flush")
        logger.info("shadow OPA serving", extra={"release": self._settings.shadow_release, "opa_url": self.url})

    def submit(self, decision_id: str, policy_input: dict[str, Any]) -> None:
        """Schedule the shadow decision of a logged decision; drop it when too many are pending."""
        if len(self._pending) >= self._settings.shadow_max_pending:
            self.dropped += 1
            return
        task = asyncio.create_task(self._evaluate(decision_id, policy_input))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _evaluate(self, decision_id: str, policy_input: dict[str, Any]) -> None:
        assert self._http is not None
        started = time.perf_counter()
        try:
            async with self._http.post(
                f"{self.url}/v1/data/retention/decision", params={"provenance": "true"}, json={"input": policy_input}
            ) as response:
                body = await response.json()
            decision = body["result"]
            bundles = body.get("provenance", {}).get("bundles", {})
            revision = next((str(b["revision"]) for b in bundles.values() if b.get("revision")), "")
        except (aiohttp.ClientError, TimeoutError, KeyError, ValueError) as exc:
            # The shadow never fails a decision: a failure is counted and logged, nothing else.
            self.failed += 1
            logger.warning("shadow evaluation failed", extra={"decision_id": decision_id, "error": repr(exc)})
            return
        self._buffer.append(
            {
                "decision_id": decision_id,
                "revision": revision or str(self._settings.shadow_release),
                "decision": decision,
                "evaluated_at": self._clock.now(),
                "latency_ms": (time.perf_counter() - started) * 1000,
            }
        )

    async def flush(self) -> int:
        """Write the buffered shadow decisions in one transaction; return how many."""
        rows, self._buffer = self._buffer, []
        if not rows:
            return 0
        try:
            async with session_scope(self._factory) as session:
                session.add_all([ShadowDecision(**row) for row in rows])
        except Exception as exc:  # any failure at all: the shadow must never take the service down
            self.failed += len(rows)
            logger.warning("shadow decisions not written", extra={"rows": len(rows), "error": repr(exc)})
            return 0
        self.written += len(rows)
        return len(rows)

    async def _flush_periodically(self) -> None:
        while True:
            await asyncio.sleep(self._settings.shadow_flush_seconds)
            await self.flush()

    async def drain(self) -> None:
        """Wait for the pending evaluations and write them (tests, and stop)."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
        await self.flush()

    async def stop(self) -> None:
        if self._flusher is not None:
            self._flusher.cancel()
            await asyncio.gather(self._flusher, return_exceptions=True)
        if self._http is not None and self._process is not None and self._process.returncode is None:
            await self.drain()
        if self._http is not None:
            await self._http.close()
        if self._process is not None and self._process.returncode is None:
            self._process.terminate()
            try:
                await asyncio.wait_for(self._process.wait(), timeout=5)
            except TimeoutError:
                self._process.kill()
                await self._process.wait()
        if self._key_dir is not None:
            self._key_dir.cleanup()
