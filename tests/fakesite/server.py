"""A fake LGSCO site on 127.0.0.1: real HTTP, the site's URL shapes, and faults on demand.

It serves decision pages, the search (by date window, organisation and keyword, 10 a page),
ETag/304, 410 for withdrawn pages, the empty "search shell", and seeded random faults:
500s, 429 with Retry-After, stalls longer than the client's timeout, truncated bodies (a whole
response holding half a page), cut connections (half the declared Content-Length, then closed),
and a fixed slowness for every decision page. `SiteProcess` serves a site from a child process,
so a large crawl does not share a core (and the GIL) with the site it reads.
"""

from __future__ import annotations

import asyncio
import hashlib
import multiprocessing
import random
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from multiprocessing.connection import Connection

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from lgsco_shared.references import InvalidReference, normalise
from tests.fakesite.render import ListingRow, render_listing, render_search_shell

PAGE_SIZE = 10
COUNTERS_PATH = "/_fake/counters"


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
    cut: float = 0.0  # decision pages only: the connection closes halfway through the body
    stall_seconds: float = 3.0
    retry_after: int = 1
    delay: float = 0.0  # every decision page answers this many seconds late (a slow site)
    seed: int = 7


@dataclass
class FakeSite:
    decisions: dict[str, FakeDecision] = field(default_factory=dict)  # by path
    faults: Faults = field(default_factory=Faults)
    gone: set[str] = field(default_factory=set)  # paths answering 410
    redirects: dict[str, str] = field(default_factory=dict)  # path -> Location of a 302
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
        if path in self.redirects:
            return self._count(
                Response(status_code=302, headers={"Location": self.redirects[path]})
            )
        found = self.decisions.get(path)
        if found is None:
            return self._count(Response("Not found", status_code=404))
        if self.faults.delay:
            await asyncio.sleep(self.faults.delay)
        if (fault := await self._fault(request)) is not None:
            return self._count(fault)
        etag = '"' + hashlib.sha256(found.html.encode()).hexdigest()[:16] + '"'
        if request.headers.get("if-none-match") == etag:
            return self._count(Response(status_code=304, headers={"ETag": etag}))
        rng = random.Random(f"c{self.faults.seed}:{request.url}:{self.requests[str(request.url)]}")
        if self.faults.cut and rng.random() < self.faults.cut:
            return self._count(_CutResponse(found.html, headers={"ETag": etag}))
        body = self._maybe_truncate(request, found.html)
        return self._count(HTMLResponse(body, headers={"ETag": etag}))

    async def counters(self, request: Request) -> Response:
        """Not part of the LGSCO site: what a `SiteProcess` reports to the test."""
        statuses = {str(k): v for k, v in self.statuses.items()}
        return JSONResponse({"requests": dict(self.requests), "statuses": statuses})

    def _count(self, response: Response) -> Response:
        self.statuses[response.status_code] += 1
        return response

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/decisions", self.home),
                Route(COUNTERS_PATH, self.counters),
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


class _CutResponse(HTMLResponse):
    """Declares the whole page's Content-Length, sends half of it, and stops: uvicorn then
    closes the connection and the client sees a body cut short."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        half = bytes(self.body)[: len(self.body) // 2]
        await send({"type": "http.response.body", "body": half, "more_body": True})


class SiteProcess:
    """A FakeSite served from a child process; its counters are read back over HTTP."""

    def __init__(self, site: FakeSite) -> None:
        self.site = site
        self.url = ""

    def start(self) -> str:
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        self._process = context.Process(target=_serve, args=(self.site, theirs), daemon=True)
        self._process.start()
        if not ours.poll(60):
            raise RuntimeError("the fake site process did not start")
        self.url = f"http://127.0.0.1:{ours.recv()}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(self.url + COUNTERS_PATH, timeout=1).raise_for_status()
                return self.url
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def counters(self) -> tuple[Counter[str], Counter[int]]:
        """(requests by URL, responses by status) so far."""
        got = httpx.get(self.url + COUNTERS_PATH, timeout=10).json()
        statuses = Counter({int(k): v for k, v in got["statuses"].items()})
        return Counter(got["requests"]), statuses

    def stop(self) -> None:
        self._process.terminate()
        self._process.join(timeout=10)


def _serve(site: FakeSite, port_to: Connection) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port_to.send(sock.getsockname()[1])
    config = uvicorn.Config(site.app(), log_level="critical", lifespan="off", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


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
