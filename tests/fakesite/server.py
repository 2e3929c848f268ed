"""A fake LGSCO site on 127.0.0.1: real HTTP, the site's URL shapes, and faults on demand.

It serves decision pages, the search (by date window, organisation and keyword, 10 a page),
ETag/304, 410 for withdrawn pages, the empty "search shell", and seeded random faults:
500s, 429 with Retry-After, stalls longer than the client's timeout, truncated bodies.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from lgsco.shared.references import InvalidReference, normalise
from tests.fakesite.render import ListingRow, render_listing, render_search_shell

PAGE_SIZE = 10


@dataclass
class FakeDecision:
    reference: str
    path: str
    html: str
    decided_on: date  # the date the listing shows (pages may not show one)
    organisation: str
    outcome_label: str | None
    subcategory: str | None
    summary: str


@dataclass
class Faults:
    """Share of requests that fail, by kind; seeded so a run is reproducible."""

    error_500: float = 0.0
    throttle_429: float = 0.0
    stall: float = 0.0
    truncate: float = 0.0
    stall_seconds: float = 3.0
    retry_after: int = 1
    seed: int = 7


@dataclass
class FakeSite:
    decisions: dict[str, FakeDecision] = field(default_factory=dict)  # by path
    faults: Faults = field(default_factory=Faults)
    gone: set[str] = field(default_factory=set)  # paths answering 410
    search_shell: bool = False
    requests: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    url: str = ""

    def add(self, decision: FakeDecision) -> None:
        self.decisions[decision.path] = decision

    # --- HTTP ---------------------------------------------------------------------------

    async def _fault(self, request: Request) -> Response | None:
        f = self.faults
        rng = random.Random(
            f"{f.seed}:{request.url.path}?{request.url.query}:{self.requests[str(request.url)]}"
        )
        self.requests[str(request.url)] += 1
        roll = rng.random()
        if roll < f.error_500:
            return Response("Internal Server Error", status_code=500)
        roll -= f.error_500
        if roll < f.throttle_429:
            return Response(
                "Too Many Requests", status_code=429, headers={"Retry-After": str(f.retry_after)}
            )
        roll -= f.throttle_429
        if roll < f.stall:
            await asyncio.sleep(f.stall_seconds)
        return None

    def _maybe_truncate(self, request: Request, html: str) -> str:
        rng = random.Random(f"t{self.faults.seed}:{request.url}:{self.requests[str(request.url)]}")
        if self.faults.truncate and rng.random() < self.faults.truncate:
            return html[: len(html) // 2]
        return html

    async def home(self, request: Request) -> Response:
        self.requests[str(request.url)] += 1
        response = HTMLResponse("<html><body><h1>Decisions</h1></body></html>")
        response.set_cookie("ASP.NET_SessionId", "fake-session")
        return response

    async def search(self, request: Request) -> Response:
        if (fault := await self._fault(request)) is not None:
            return self._count(fault)
        if self.search_shell:
            return self._count(HTMLResponse(render_search_shell()))
        q = request.query_params
        rows = sorted(self.decisions.values(), key=lambda d: (d.decided_on, d.reference))
        if "fd" in q and "td" in q:
            start, end = _date(q["fd"]), _date(q["td"])
            rows = [d for d in rows if start <= d.decided_on <= end]
        if aname := q.get("aname"):
            rows = [d for d in rows if aname.lower() in d.organisation.lower()]
        if keyword := q.get("q"):
            rows = [d for d in rows if _matches(keyword, d)]
        page = max(1, int(q.get("page", "1") or 1))
        chunk = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        html = render_listing([_row(d) for d in chunk], total=len(rows))
        return self._count(HTMLResponse(self._maybe_truncate(request, html)))

    async def decision(self, request: Request) -> Response:
        path = request.url.path
        if path in self.gone:
            return self._count(Response("Gone", status_code=410))
        found = self.decisions.get(path)
        if found is None:
            return self._count(Response("Not found", status_code=404))
        if (fault := await self._fault(request)) is not None:
            return self._count(fault)
        etag = '"' + hashlib.sha256(found.html.encode()).hexdigest()[:16] + '"'
        if request.headers.get("if-none-match") == etag:
            return self._count(Response(status_code=304, headers={"ETag": etag}))
        body = self._maybe_truncate(request, found.html)
        return self._count(HTMLResponse(body, headers={"ETag": etag}))

    def _count(self, response: Response) -> Response:
        self.statuses[response.status_code] += 1
        return response

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/decisions", self.home),
                Route("/Decisions/SearchResults", self.search),
                Route("/decisions/{rest:path}", self.decision),
            ]
        )

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> str:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(self.app(), log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


def _date(value: str) -> date:
    year, month, day = (int(part) for part in value.split("-"))  # "2026-9-7" is accepted
    return date(year, month, day)


def _matches(keyword: str, decision: FakeDecision) -> bool:
    try:
        return normalise(keyword) == decision.reference
    except InvalidReference:
        return keyword.lower() in decision.summary.lower()


def _row(d: FakeDecision) -> ListingRow:
    return ListingRow(
        reference=d.reference,
        path=d.path,
        organisation=d.organisation,
        outcome_label=d.outcome_label,
        subcategory=d.subcategory,
        decided_on=d.decided_on,
        summary=d.summary,
    )
