"""Redirects never name the host the client claimed.

Starlette's trailing-slash redirect (and any absolute URL built from the request) takes its host
from the request's `Host` header, which the client chooses: `GET /v1/decisions/` with `Host:
evil.example` answered `Location: http://evil.example/v1/decisions`, a gift to cache poisoning
and phishing. This rewrites such a Location to the path alone (relative), or to LGSCO_PUBLIC_URL
when it is set. Locations to other hosts are left as they are: none are made by this service
from a request.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _host(scope: Scope) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == b"host":
            return str(value.decode("latin-1")).lower()
    return None


def rewrite(location: str, claimed_host: str | None, public_url: str | None) -> str:
    """`location` without the claimed host: relative, or on the public URL."""
    parts = urlsplit(location)
    if not parts.scheme or not parts.netloc:
        return location  # already relative
    if claimed_host is None or parts.netloc.lower() != claimed_host:
        return location
    path = urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))
    if public_url:
        return public_url.rstrip("/") + path
    return path


class NoHostReflectionMiddleware:
    def __init__(self, app: ASGIApp, public_url: str | None = None) -> None:
        self.app = app
        self.public_url = public_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        claimed = _host(scope)

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                headers = []
                for key, value in message.get("headers", []):
                    if key.lower() == b"location":
                        fixed = rewrite(value.decode("latin-1"), claimed, self.public_url)
                        value = fixed.encode("latin-1")
                    headers.append((key, value))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)
