"""`X-Forwarded-For` is believed only from LGSCO_TRUSTED_PROXIES (empty by default, loopback
included): a client on the same host cannot escape the per-address limit or forge the logged
address by naming other addresses. Served for real by the runner's uvicorn on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from lgsco_api.kit.proxies import forwarded_client, networks
from lgsco_api.serve import api_server
from lgsco_shared.embedded import ServiceUrls
from lgsco_shared.settings import SettingsError, load_settings
from tests.api.conftest import make_settings

FORGED = ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4", "198.51.100.5"]


@asynccontextmanager
async def served(database_url: str, redis_url: str, **settings: Any) -> AsyncIterator[str]:
    server = api_server(make_settings(**settings), ServiceUrls(database_url, redis_url))
    assert server.config.proxy_headers is False  # uvicorn trusts loopback by default
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task


async def forged_requests(base: str, chains: list[str]) -> list[int]:
    async with httpx.AsyncClient(base_url=base, trust_env=False) as http:
        return [
            (await http.get("/v1/organisations", headers={"X-Forwarded-For": c})).status_code
            for c in chains
        ]


def logged_clients(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        str(r.client)  # type: ignore[attr-defined]
        for r in caplog.records
        if r.name == "lgsco_api.access" and getattr(r, "path", "") == "/v1/organisations"
    ]


async def test_by_default_a_loopback_client_cannot_name_another_address(
    database_url: str, redis_url: str, redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="lgsco_api.access"):
        async with served(database_url, redis_url, rate_limit_per_minute=3) as base:
            statuses = await forged_requests(base, FORGED)
    assert statuses == [200, 200, 200, 429, 429]  # one address: the peer's
    assert logged_clients(caplog) == ["127.0.0.1"] * 5


async def test_a_trusted_proxy_names_the_client(
    database_url: str, redis_url: str, redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="lgsco_api.access"):
        async with served(
            database_url, redis_url, rate_limit_per_minute=3, trusted_proxies=["127.0.0.0/8"]
        ) as base:
            statuses = await forged_requests(base, FORGED)
            # the client prepends what it likes; the proxy appends the address it saw
            chained = await forged_requests(base, ["203.0.113.50, 192.0.2.77"] * 4)
    assert statuses == [200] * 5  # five clients behind the proxy
    assert chained == [200, 200, 200, 429]  # counted as 192.0.2.77, whatever came before
    assert logged_clients(caplog) == FORGED + ["192.0.2.77"] * 4


def test_the_right_most_untrusted_hop_is_the_client() -> None:
    trusted = networks(["10.0.0.0/8", "127.0.0.1"])
    assert forwarded_client("127.0.0.1", ["1.2.3.4, 10.1.1.1"], trusted) == "1.2.3.4"
    assert forwarded_client("127.0.0.1", ["6.6.6.6", "1.2.3.4"], trusted) == "1.2.3.4"
    assert forwarded_client("192.0.2.9", ["1.2.3.4"], trusted) == "192.0.2.9"  # not a proxy
    assert forwarded_client("127.0.0.1", ["not-an-ip, 1.2.3.4"], trusted) == "1.2.3.4"
    assert forwarded_client("127.0.0.1", ["1.2.3.4, nonsense"], trusted) == "127.0.0.1"
    assert forwarded_client("127.0.0.1", ["[2001:db8::1]:4711"], trusted) == "2001:db8::1"
    assert forwarded_client("127.0.0.1", [], trusted) == "127.0.0.1"
    assert forwarded_client("127.0.0.1", ["1.2.3.4"], ()) == "127.0.0.1"


def test_a_bad_entry_stops_start_up_naming_the_setting() -> None:
    with pytest.raises(SettingsError, match="LGSCO_TRUSTED_PROXIES is invalid"):
        load_settings(trusted_proxies=["proxy.internal"])
