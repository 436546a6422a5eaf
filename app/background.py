"""Periodic jobs inside the service: escalating overdue tasks and sending notifications."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)


class Periodic:
    """Runs a job every interval until stopped; a failing run is logged and the next one still happens."""

    def __init__(self, *, name: str, interval: float, job: Callable[[], Awaitable[object]]) -> None:
        self.name, self.interval, self.job = name, interval, job
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def _run(self) -> None:
        while True:
            try:
                await self.job()
            except Exception:
                logger.exception("background job failed", extra={"job": self.name})
            await asyncio.sleep(self.interval)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
