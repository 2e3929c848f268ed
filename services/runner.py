"""Long-running processes: the API server, the worker, or both in one process (`lgsco up`)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import uvicorn

from lgsco.shared.embedded import ServiceUrls
from lgsco.shared.settings import Settings


def _api_server(settings: Settings, urls: ServiceUrls) -> uvicorn.Server:
    from lgsco.api.main import create_app

    app = create_app(settings, database_url=urls.database_url, redis_url=urls.redis_url)
    config = uvicorn.Config(
        app,
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
        access_log=False,
        lifespan="on",
    )
    return uvicorn.Server(config)


async def serve_api(settings: Settings, urls: ServiceUrls) -> None:
    await _api_server(settings, urls).serve()


async def serve_worker(settings: Settings, urls: ServiceUrls) -> None:
    from lgsco.ingest.worker import build_worker

    worker = build_worker(settings, database_url=urls.database_url, redis_url=urls.redis_url)
    await worker.async_run()


async def check_worker(urls: ServiceUrls) -> int:
    """0 when this host's worker recorded its health check in Redis within the last minute."""
    from arq.connections import create_pool

    from lgsco.shared import queue as jobqueue

    pool = await create_pool(jobqueue.redis_settings(urls.redis_url))
    try:
        alive = await pool.exists(jobqueue.health_key())
    finally:
        await pool.aclose()
    return 0 if alive else 1


async def run_all(settings: Settings, urls: ServiceUrls, *, announce: Callable[[str], Any]) -> None:
    """Migrate, then run the API and the worker in this process until Ctrl-C."""
    from lgsco.ingest.worker import build_worker
    from lgsco.shared.migrate import upgrade

    await asyncio.to_thread(upgrade, urls.database_url)
    server = _api_server(settings, urls)
    worker = build_worker(
        settings, database_url=urls.database_url, redis_url=urls.redis_url, handle_signals=False
    )
    base = f"http://{settings.api_host}:{settings.api_port}"
    announce(f"API on {base}  docs {base}/docs  (Ctrl-C stops everything)")
    api_task = asyncio.create_task(server.serve())
    worker_task = asyncio.create_task(worker.async_run())
    try:
        await asyncio.wait({api_task, worker_task}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        server.should_exit = True
        worker_task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await worker.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(api_task, worker_task, return_exceptions=True)
