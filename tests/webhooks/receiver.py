"""A real HTTP receiver on 127.0.0.1 that records deliveries, and can fail or be slow on cue."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Receiver:
    fail_first: int = 0  # answer 500 to this many requests first
    delay: float = 0.0  # seconds before answering
    received: list[Received] = field(default_factory=list)
    url: str = ""

    async def hook(self, request: Request) -> Response:
        body = await request.body()
        self.received.append(
            Received(request.url.path, dict(request.headers), body, time.monotonic())
        )
        if self.delay:
            await asyncio.sleep(self.delay)
        if len(self.received) <= self.fail_first:
            return Response("try later", status_code=500)
        return Response(status_code=204)

    def start(self) -> str:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        app = Starlette(routes=[Route("/{name}", self.hook, methods=["POST"])])
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        while not self._server.started:
            time.sleep(0.01)
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        return self.url

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
