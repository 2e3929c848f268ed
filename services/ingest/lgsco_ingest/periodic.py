"""Keeping something alive while a block of work runs: a lease renewed, a heartbeat written."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

log = logging.getLogger("lgsco_ingest")


@contextlib.asynccontextmanager
async def every(
    seconds: float, action: Callable[[], Awaitable[object]], what: str
) -> AsyncIterator[None]:
    """Run `action` every `seconds` while the block runs, and stop it when the block ends.

    A failure is logged and the next one tried on time: a database blip must not end the
    renewals, or the lease (or the run's heartbeat) would lapse while the work goes on."""

    async def loop() -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await action()
            except Exception:
                log.warning("%s failed; trying again", what, exc_info=True)

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
