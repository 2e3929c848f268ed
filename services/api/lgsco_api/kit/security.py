"""Hardening every response and bounding every request.

`SecurityHeadersMiddleware` adds the headers browsers act on, where a response has not set its
own: no MIME sniffing, no framing, no referrer, a Content-Security-Policy that lets a JSON
response do nothing at all (HTML pages set their own, see docs.py), and a Cache-Control that
keeps API data out of shared caches while letting clients revalidate with the ETag.

`RequestLimitMiddleware` refuses before any work is done: a body larger than `max_body_bytes`
(413, whether announced by Content-Length or streamed in chunks), a path or query string too
long for any real request (414), and a query string that is not UTF-8 (400).
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lgsco_api.kit.errors import problem_response

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
FIXED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
STATIC_CACHE = "public, max-age=86400"
MAX_QUERY_BYTES = 8192
MAX_PATH_BYTES = 2048
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def cache_control(scope: Scope, status: int) -> str:
    """Docs assets are versioned by the package and may be cached anywhere; successful reads may
    be kept by the client but revalidated (ETag) each time, never by a shared cache, since keys
    may be required; errors, writes and operations endpoints are not stored at all."""
    path: str = scope["path"]
    if path.startswith("/static/"):
        return STATIC_CACHE
    if scope["method"] in ("GET", "HEAD") and status < 400 and path != "/metrics":
        return "private, no-cache"
    return "no-store"


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in FIXED_HEADERS.items():
                    headers.setdefault(name, value)
                headers.setdefault("Content-Security-Policy", API_CSP)
                headers.setdefault("Cache-Control", cache_control(scope, message["status"]))
            await send(message)

        await self.app(scope, receive, send_wrapper)


class RequestLimitMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            scope["query_string"].decode("utf-8")
        except UnicodeDecodeError:
            # Only a server can hand these over (clients percent-encode); Starlette would fail
            # decoding them in the middle of answering.
            bare = dict(scope, query_string=b"")
            detail = "The query string is not UTF-8; percent-encode it."
            await _refuse(400, detail, bare, receive, send)
            return
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8", "replace")
        if len(raw_path) > MAX_PATH_BYTES or len(scope["query_string"]) > MAX_QUERY_BYTES:
            detail = (
                f"The URL is too long: at most {MAX_PATH_BYTES} bytes of path and "
                f"{MAX_QUERY_BYTES} of query string."
            )
            await _refuse(414, detail, scope, receive, send)
            return
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        if length is not None and not (length.isascii() and length.isdigit()):
            await _refuse(400, "Content-Length is not a number of bytes.", scope, receive, send)
            return
        if length is not None and int(length) > self.max_body_bytes:
            await self._too_large(scope, receive, send)
            return
        if length is None and scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        messages = await self._read_body(receive)
        if messages is None:
            await self._too_large(scope, receive, send)
            return
        await self.app(scope, _replay(messages, receive), send)

    async def _read_body(self, receive: Receive) -> list[Message] | None:
        """The body's messages, read up to the cap; None once it is exceeded."""
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages  # the client went away; let the app see it
            size += len(message.get("body", b""))
            if size > self.max_body_bytes:
                return None
            if not message.get("more_body", False):
                return messages

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"The request body is larger than {self.max_body_bytes} bytes."
        await _refuse(413, detail, scope, receive, send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


async def _refuse(status: int, detail: str, scope: Scope, receive: Receive, send: Send) -> None:
    response = problem_response(Request(scope), status, detail, headers={"Connection": "close"})
    await response(scope, receive, send)
