"""Errors met on a console page are console pages: an answer in problem+json (the API's error
shape, from the shared exception handlers: a database outage, a busy pool) to a request for a
/console path is rendered as the console's error page, with the same status, detail and
headers (Retry-After). The JSON API keeps problem+json for programs."""

from __future__ import annotations

import json
from http import HTTPStatus

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_PROBLEM = "application/problem+json"
_KEPT_HEADERS = ("retry-after", "x-request-id")


def for_console(scope: Scope) -> bool:
    path = str(scope.get("path", ""))
    return scope["type"] == "http" and (path == "/console" or path.startswith("/console/"))


class ConsoleProblems:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not for_console(scope):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body = bytearray()

        async def send_wrapper(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if Headers(raw=message["headers"]).get("content-type", "").startswith(_PROBLEM):
                    start = message  # held until the body is complete, then replaced
                    return
            elif start is not None:
                body.extend(message.get("body", b""))
                if not message.get("more_body", False):
                    await _as_page(scope, receive, send, start, bytes(body))
                return
            await send(message)

        await self.app(scope, receive, send_wrapper)


async def _as_page(scope: Scope, receive: Receive, send: Send, start: Message, body: bytes) -> None:
    status = int(start["status"])
    try:
        problem = json.loads(body)
    except ValueError:
        problem = {}
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    title = str(problem.get("title") or phrase)
    detail = str(problem.get("detail") or phrase)
    # Imported here: the rate limiter imports this module, and the pages import the auth it uses.
    from lgsco_api.console import pages

    page = pages.error(Request(scope), status, title, detail)
    headers = Headers(raw=start["headers"])
    for name in _KEPT_HEADERS:
        if name in headers:
            page.headers[name] = headers[name]
    await page(scope, receive, send)
