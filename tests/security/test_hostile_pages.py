"""A hostile site cannot make one fetch take unbounded memory or time: compression bombs,
stacked encodings, a body dripped a byte at a time, redirect loops. Each is a FetchError naming
the page, quickly, and the worker's memory stays put (real HTTP on loopback)."""

from __future__ import annotations

import asyncio
import gzip
import resource
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from redis.asyncio import Redis

from lgsco_ingest.fetch import MAX_PAGE_BYTES, FetchError, SiteClient
from lgsco_ingest.worker import site_client
from tests.conftest import settings_for

Writer = Callable[[asyncio.StreamWriter], Awaitable[None]]
PAGE = b"<html><body><p>Mrs X complained.</p></body></html>"


def head(status: str = "200 OK", **headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status}", "Content-Type: text/html; charset=utf-8", "Connection: close"]
    lines += [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def bomb(size: int) -> bytes:
    """`size` bytes of zeros, gzipped: a few KB that inflate to `size`."""
    inflater = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk, out = b"\0" * 1_000_000, [b""]
    for _ in range(size // len(chunk)):
        out.append(inflater.compress(chunk))
    out.append(inflater.flush())
    return b"".join(out)


async def hostile(answer: Writer) -> AsyncIterator[str]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            await answer(writer)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()


async def fetch_from(answer: Writer, redis: Redis, **settings: object) -> tuple[Exception, float]:
    async for url in hostile(answer):
        client: SiteClient = site_client(
            settings_for(url, max_retries=1, **settings), redis, rate_limited=False
        )
        started = time.monotonic()
        try:
            with pytest.raises(FetchError) as failed:
                await client.get("/decisions/x/y/25-000-001")
            return failed.value, time.monotonic() - started
        finally:
            await client.aclose()
    raise AssertionError("no server")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def test_a_gzip_bomb_is_refused_without_inflating_it(redis: Redis) -> None:
    body = bomb(2_000_000_000)  # 2 GB of zeros in about 2 MB

    async def answer(writer: asyncio.StreamWriter) -> None:
        writer.write(head(Content_Encoding="gzip", Content_Length=str(len(body))) + body)

    before = rss_mb()
    error, took = await fetch_from(answer, redis, request_timeout=10.0)
    assert f"larger than {MAX_PAGE_BYTES} bytes once decompressed" in str(error)
    assert rss_mb() - before < 300
    assert took < 10


async def test_stacked_encodings_are_refused(redis: Redis) -> None:
    body = gzip.compress(gzip.compress(PAGE))

    async def answer(writer: asyncio.StreamWriter) -> None:
        writer.write(head(Content_Encoding="gzip, gzip", Content_Length=str(len(body))) + body)

    error, _ = await fetch_from(answer, redis)
    assert "content encoding 'gzip, gzip' not accepted" in str(error)


async def test_a_single_gzip_page_is_read(redis: Redis) -> None:
    body = gzip.compress(PAGE)

    async def answer(writer: asyncio.StreamWriter) -> None:
        writer.write(head(Content_Encoding="gzip", Content_Length=str(len(body))) + body)

    async for url in hostile(answer):
        client = site_client(settings_for(url), redis, rate_limited=False)
        try:
            page = await client.get("/decisions/x/y/25-000-001")
        finally:
            await client.aclose()
        assert page.text == PAGE.decode()


async def test_a_body_dripped_byte_by_byte_is_cut_at_the_deadline(redis: Redis) -> None:
    async def answer(writer: asyncio.StreamWriter) -> None:
        writer.write(head())
        for byte in PAGE * 100:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.2)  # each read is quick; the whole answer never comes

    error, took = await fetch_from(answer, redis, request_timeout=1.0)
    assert "timed out (no whole answer within 1 s)" in str(error)
    assert took < 1.0 * 2 + 1.5  # two attempts of a second each, and the backoff between


async def test_a_redirect_loop_is_a_fetch_error(redis: Redis) -> None:
    async def answer(writer: asyncio.StreamWriter) -> None:
        writer.write(head("302 Found", Location="/decisions/x/y/25-000-001", Content_Length="0"))

    error, _ = await fetch_from(answer, redis)
    assert "TooManyRedirects" in str(error)
