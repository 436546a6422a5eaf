"""Periodic jobs inside the service: escalating overdue tasks and sending notifications.

Every worker process (and every replica) runs its own jobs; the jobs themselves make each piece
of work happen once across them (the scheduler skips a case another process has locked, the
outbox sender leases what it claims).
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)

# On shutdown a run in progress may finish (and record what it did) for this long before it is cancelled.
STOP_GRACE_SECONDS = 5.0


class Periodic:
    """Runs a job every interval until stopped; a failing run is logged and the next one still happens."""

    def __init__(self, *, name: str, interval: float, job: Callable[[], Awaitable[object]]) -> None:
        self.name, self.interval, self.job = name, interval, job
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._running = False

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def _run(self) -> None:
        while not self._stopping:
            self._running = True
            try:
                await self.job()
            except Exception:
                logger.exception("background job failed", extra={"job": self.name})
            finally:
                self._running = False
            if not self._stopping:
                await asyncio.sleep(self.interval)

    async def stop(self, *, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop: between runs at once; during a run, once it has finished or after `grace` seconds.

        A cancelled run leaves no half-done work: its transaction rolls back, and notifications it
        had claimed are sent by whichever process claims them after their lease (at least once).
        """
        task, self._stopping = self._task, True
        if task is None:
            return
        if self._running:
            await asyncio.wait({task}, timeout=grace)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
