"""One ASGI middleware for what every response needs: a request id, an access log line,
metrics by route template, and ETag / If-None-Match for JSON GETs.

It is plain ASGI rather than BaseHTTPMiddleware so CSV responses stream through untouched; only
complete JSON bodies of successful GETs are buffered to hash them.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lgsco_api.kit.metrics import ApiMetrics
from lgsco_shared.logs import request_id_var

access_log = logging.getLogger("lgsco_api.access")
_SANE_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_HASHED = ("application/json", "application/problem+json")


def route_template(scope: Scope) -> str:
    """'/v1/decisions/22-003-374' -> '/v1/decisions/{reference}': the matched route's own
    template, so metric labels stay bounded whatever the path (unmatched paths share one).

    An included router's route knows its path without the router's prefix ("/decisions/..."),
    so the prefix is the part of the request path before the segments the template covers."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if not template:
        return "<unmatched>"
    if isinstance(route, Mount):
        return f"{template}/{{path}}"
    segments, covered = str(scope["path"]).split("/"), template.split("/")
    if ":path}" in template or len(covered) > len(segments):
        return str(template)
    return "/".join(segments[: len(segments) - len(covered) + 1]) + str(template)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def etag_matches(if_none_match: str, etag: str) -> bool:
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag.removeprefix("W/") in tags


class ApiMiddleware:
    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        given = headers.get("x-request-id", "")
        request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        conditional = scope["method"] in ("GET", "HEAD")
        pending: list[Message] = []

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
                content_type = Headers(raw=message["headers"]).get("content-type", "")
                if conditional and status == 200 and content_type.startswith(_HASHED):
                    pending.append(message)
                    return
            elif pending:
                pending.append(message)
                if not message.get("more_body", False):
                    await self._send_with_etag(pending, headers, send)
                return
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope)
            self.metrics.observe(scope["method"], route, status, elapsed)
            _log(scope, route, status, elapsed, request_id)
            request_id_var.reset(token)

    @staticmethod
    async def _send_with_etag(
        messages: list[Message], request_headers: Headers, send: Send
    ) -> None:
        start, bodies = messages[0], messages[1:]
        body = b"".join(m.get("body", b"") for m in bodies)
        response_headers = MutableHeaders(scope=start)
        etag = response_headers.get("etag") or etag_of(body)
        response_headers["ETag"] = etag
        if_none_match = request_headers.get("if-none-match")
        if if_none_match and etag_matches(if_none_match, etag):
            kept = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            await send({"type": "http.response.start", "status": 304, "headers": kept})
            await send({"type": "http.response.body", "body": b""})
            return
        await send(start)
        await send({"type": "http.response.body", "body": body})


def _log(scope: Scope, route: str, status: int, elapsed: float, request_id: str) -> None:
    state: dict[str, Any] = scope.get("state", {})
    client = scope.get("client")
    access_log.info(
        "%s %s %d %.1fms",
        scope["method"],
        scope["path"],
        status,
        elapsed * 1000,
        extra={
            "request_id": request_id,
            "method": scope["method"],
            "path": scope["path"],
            "route": route,
            "status": status,
            "duration_ms": round(elapsed * 1000, 2),
            "client": client[0] if client else None,
            "key": state.get("key_name"),
        },
    )


class HeadMiddleware:
    """HEAD on every GET: the request goes through as a GET (authentication, rate limits,
    ETag and the same headers) and the body is dropped on the way out, Content-Length kept."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
