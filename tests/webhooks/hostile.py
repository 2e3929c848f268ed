"""Hostile webhook receivers on 127.0.0.1, each bounded: an endless body, a gzip bomb, a body
dripped a byte at a time. Each records the requests it got (head and body) for the test."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

Answer = Callable[[asyncio.StreamWriter], Awaitable[None]]
OK_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n"


def gzip_bomb(size: int) -> bytes:
    """`size` bytes of zeros, gzipped (2 GB: about 2 MB)."""
    inflater = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk, out = b"\0" * 1_000_000, []
    for _ in range(size // len(chunk)):
        out.append(inflater.compress(chunk))
    out.append(inflater.flush())
    return b"".join(out)


async def endless(writer: asyncio.StreamWriter, limit: int = 512 * 1024 * 1024) -> None:
    """200, no length, 64 KB chunks until the client goes (or `limit` bytes: bounded)."""
    writer.write(OK_HEAD + b"\r\n")
    chunk, sent = b"x" * 65536, 0
    while sent < limit:
        writer.write(chunk)
        await writer.drain()
        sent += len(chunk)


def bomb_answer(body: bytes) -> Answer:
    async def answer(writer: asyncio.StreamWriter) -> None:
        head = OK_HEAD + f"Content-Encoding: gzip\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        writer.write(head)
        for at in range(0, len(body), 65536):
            writer.write(body[at : at + 65536])
            await writer.drain()

    return answer


def drip(every: float, limit: int = 100) -> Answer:
    """200 with a long body, one byte every `every` seconds (at most `limit` bytes)."""

    async def answer(writer: asyncio.StreamWriter) -> None:
        writer.write(OK_HEAD + b"Content-Length: 100000\r\n\r\n")
        for _ in range(limit):
            writer.write(b"x")
            await writer.drain()
            await asyncio.sleep(every)

    return answer


@dataclass
class Hostile:
    url: str
    heads: list[dict[str, str]] = field(default_factory=list)
    finished: int = 0  # answers that ended (the client went, or the limit was reached)


@asynccontextmanager
async def hostile_receiver(answer: Answer, host: str = "127.0.0.1") -> AsyncIterator[Hostile]:
    got = Hostile(url="")
    running: set[asyncio.Task[None]] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        running.add(task)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")[1:]
            headers = {
                k.strip().lower(): v.strip()
                for k, _, v in (ln.partition(":") for ln in lines if ln)
            }
            got.heads.append(headers)
            await reader.readexactly(int(headers.get("content-length", "0")))
            await answer(writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            got.finished += 1
            writer.close()
            running.discard(task)

    server = await asyncio.start_server(handle, host, 0)
    got.url = f"http://{host}:{server.sockets[0].getsockname()[1]}"
    try:
        yield got
    finally:
        server.close()
        for task in list(running):
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
