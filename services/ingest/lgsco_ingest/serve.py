"""The worker process: arq running the ingest jobs and the schedule until SIGINT or SIGTERM (its
jobs are cancelled and resumed from their checkpoints by the next worker); and its health check."""

from __future__ import annotations

import asyncio
import logging

from lgsco_ingest.worker import build_worker
from lgsco_shared import queue as jobqueue
from lgsco_shared.embedded import ServiceUrls
from lgsco_shared.runtime import on_stop_signal
from lgsco_shared.settings import Settings

log = logging.getLogger("lgsco")


async def serve_worker(settings: Settings, urls: ServiceUrls) -> None:
    worker = build_worker(
        settings, database_url=urls.database_url, redis_url=urls.redis_url, handle_signals=False
    )
    stopped = asyncio.Event()
    with on_stop_signal(stopped.set):
        task = asyncio.create_task(worker.async_run(), name="worker")
        waiter = asyncio.create_task(stopped.wait())
        try:
            await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            await worker.close()  # cancels its jobs, removes its health record, runs on_shutdown
            result = (await asyncio.gather(task, return_exceptions=True))[0]
    if isinstance(result, Exception):
        raise result


async def check_worker(urls: ServiceUrls) -> int:
    """0 when this host's worker recorded its health check in Redis within the last minute."""
    from arq.connections import create_pool
    from redis.exceptions import RedisError

    try:
        pool = await create_pool(jobqueue.redis_settings(urls.redis_url))
        try:
            alive = await pool.exists(jobqueue.health_key())
        finally:
            await pool.aclose()
    except (RedisError, OSError) as exc:
        log.warning("worker check: Redis is unreachable: %s", exc)
        return 1
    return 0 if alive else 1
