"""`lgsco up`: the API and the worker in one process, stopped together on SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from lgsco_api.serve import api_server
from lgsco_ingest.worker import build_worker
from lgsco_shared.embedded import ServiceUrls
from lgsco_shared.runtime import on_stop_signal
from lgsco_shared.settings import Settings


async def run_all(settings: Settings, urls: ServiceUrls, *, announce: Callable[[str], Any]) -> None:
    """The API and the worker in this process until Ctrl-C or SIGTERM (schema already at head)."""
    base = f"http://{settings.api_host}:{settings.api_port}"
    announce(f"API on {base}  console {base}/console  docs {base}/docs  (Ctrl-C stops everything)")
    worker = build_worker(
        settings, database_url=urls.database_url, redis_url=urls.redis_url, handle_signals=False
    )
    server = api_server(settings, urls)
    stopped = asyncio.Event()

    def stop() -> None:
        stopped.set()
        server.should_exit = True

    with on_stop_signal(stop):
        tasks = {
            asyncio.create_task(worker.async_run(), name="worker"),
            asyncio.create_task(server.serve(), name="api"),
        }
        waiter = asyncio.create_task(stopped.wait())
        try:
            await asyncio.wait({*tasks, waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop()
            waiter.cancel()
            await worker.close()  # cancels its jobs, removes its health record, runs on_shutdown
            results = await asyncio.gather(*tasks, return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                raise result
