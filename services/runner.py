"""Long-running processes: the API server, the worker, or both in one process (`lgsco up`).

Each stops gracefully on SIGINT or SIGTERM: the API finishes the requests in hand, the worker
cancels its jobs (a run is resumed from its checkpoint by the next worker) and records its
shutdown, and the function returns, so the caller stops the embedded servers it started.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Iterator
from typing import Any

import uvicorn

from lgsco.shared.embedded import ServiceUrls
from lgsco.shared.settings import Settings

log = logging.getLogger("lgsco")
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the process's signals are the runner's."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


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
    return _Server(config)


@contextlib.contextmanager
def _on_stop_signal(stop: Callable[[], None]) -> Iterator[None]:
    """Call `stop` on SIGINT or SIGTERM while the block runs; restore the handlers after."""
    loop = asyncio.get_running_loop()
    previous = {sig: signal.getsignal(sig) for sig in _STOP_SIGNALS}

    def stopping(sig: signal.Signals) -> None:
        log.info("stopping on %s", sig.name)
        stop()

    for sig in _STOP_SIGNALS:
        loop.add_signal_handler(sig, stopping, sig)
    try:
        yield
    finally:
        for sig in _STOP_SIGNALS:
            loop.remove_signal_handler(sig)
            signal.signal(sig, previous[sig])


async def serve_api(settings: Settings, urls: ServiceUrls) -> None:
    server = _api_server(settings, urls)
    with _on_stop_signal(lambda: setattr(server, "should_exit", True)):
        await server.serve()


async def serve_worker(settings: Settings, urls: ServiceUrls) -> None:
    await _run(settings, urls, api=False)


async def check_worker(urls: ServiceUrls) -> int:
    """0 when this host's worker recorded its health check in Redis within the last minute."""
    from arq.connections import create_pool
    from redis.exceptions import RedisError

    from lgsco.shared import queue as jobqueue

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


async def run_all(settings: Settings, urls: ServiceUrls, *, announce: Callable[[str], Any]) -> None:
    """The API and the worker in this process until Ctrl-C or SIGTERM (schema already at head)."""
    base = f"http://{settings.api_host}:{settings.api_port}"
    announce(f"API on {base}  console {base}/console  docs {base}/docs  (Ctrl-C stops everything)")
    await _run(settings, urls, api=True)


async def _run(settings: Settings, urls: ServiceUrls, *, api: bool) -> None:
    from lgsco.ingest.worker import build_worker

    worker = build_worker(
        settings, database_url=urls.database_url, redis_url=urls.redis_url, handle_signals=False
    )
    server = _api_server(settings, urls) if api else None
    stopped = asyncio.Event()

    def stop() -> None:
        stopped.set()
        if server is not None:
            server.should_exit = True

    with _on_stop_signal(stop):
        tasks = {asyncio.create_task(worker.async_run(), name="worker")}
        if server is not None:
            tasks.add(asyncio.create_task(server.serve(), name="api"))
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
