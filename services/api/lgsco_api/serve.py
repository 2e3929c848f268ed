"""The API server: uvicorn serving `create_app`, stopped gracefully on SIGINT or SIGTERM (the
requests in hand finish first)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import uvicorn

from lgsco_shared.embedded import ServiceUrls
from lgsco_shared.runtime import on_stop_signal
from lgsco_shared.settings import Settings


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the process's signals are the caller's."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def api_server(settings: Settings, urls: ServiceUrls) -> uvicorn.Server:
    from lgsco_api.main import create_app

    app = create_app(settings, database_url=urls.database_url, redis_url=urls.redis_url)
    config = uvicorn.Config(
        app,
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
        access_log=False,
        lifespan="on",
        # X-Forwarded-For is read by the app, from LGSCO_TRUSTED_PROXIES only (kit/proxies.py);
        # uvicorn's own handling would trust it from loopback by default.
        proxy_headers=False,
    )
    return _Server(config)


async def serve_api(settings: Settings, urls: ServiceUrls) -> None:
    server = api_server(settings, urls)
    with on_stop_signal(lambda: setattr(server, "should_exit", True)):
        await server.serve()
