"""The HTTP client for the LGSCO site: headers, timeouts, politeness, retries, conditional GETs.

Only paths on the configured site are ever requested: callers pass a path (`/decisions/...`),
never a URL, and a link read from a page is reduced to its path only if it is on the same host.
Redirects are followed only on that host, scheme and port (the site moves pages between
categories). Work per page is bounded whatever the server sends: the raw body is read up to
MAX_PAGE_BYTES; it is decompressed here, one encoding at most (gzip or deflate, the only ones
asked for), with the output capped at MAX_PAGE_BYTES, so a small compressed "bomb" cannot inflate
to gigabytes; and each attempt has a total deadline, so a server that drips a byte at a time
cannot hold a fetch for longer than the configured timeout. Any other HTTP failure (too many
redirects, a body that does not decode) is a FetchError naming the page, never an escape.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx

from lgsco_ingest import site
from lgsco_ingest.ratelimit import SiteRateLimiter
from lgsco_shared.sitemetrics import SiteFetchStats, outcome_of

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 300.0
MAX_PAGE_BYTES = 6_000_000  # twice what the parser reads (MAX_HTML_CHARS); real pages are ~50 KB
ACCEPT_ENCODING = "gzip, deflate"
# zlib's window bits: gzip framing, and "deflate" as servers send it (zlib-wrapped)
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class FetchError(Exception):
    """The site could not be reached or kept failing after every retry; `reason` says how."""

    def __init__(self, reason: str, *, path: str, status: int | None = None) -> None:
        super().__init__(f"{reason} ({path})")
        self.reason = reason
        self.path = path
        self.status = status


class OffSiteURL(ValueError):
    """A link points away from the configured site; it is never fetched."""


@dataclass(frozen=True, slots=True)
class Page:
    path: str
    status: int  # 200, 304 (not modified), 404, 410
    text: str
    etag: str | None
    last_modified: str | None
    content_type: str | None
    fetched_at: datetime

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def gone(self) -> bool:
        return self.status in (404, 410)


def site_path(link: str, site_url: str) -> str:
    """Reduce a link read from a page to a path on the configured site, or raise OffSiteURL."""
    parts = urlsplit(link)
    base = urlsplit(site_url)
    if parts.scheme and parts.scheme not in ("http", "https"):
        raise OffSiteURL(f"{link!r} is not an http(s) link")
    if parts.netloc and parts.hostname != base.hostname:
        raise OffSiteURL(f"{link!r} is not on {base.hostname}")
    path = parts.path or "/"
    if (
        not path.startswith("/")
        or "\\" in path
        or ".." in path.split("/")
        or not link.isprintable()
        or any(c.isspace() for c in link)
    ):
        raise OffSiteURL(f"{link!r} is not a plain path on the site")
    return path + (f"?{parts.query}" if parts.query else "")


class SiteClient:
    """One instance per worker; `get` is safe to call concurrently."""

    def __init__(
        self,
        *,
        site_url: str,
        user_agent: str,
        limiter: SiteRateLimiter,
        timeout: float = 30.0,
        max_retries: int = 5,
        backoff: float = 1.0,
        max_retry_after: float = MAX_RETRY_AFTER,
        transport: httpx.AsyncBaseTransport | None = None,
        stats: SiteFetchStats | None = None,
    ) -> None:
        self.site_url = site_url.rstrip("/")
        self._stats = stats  # every try counted, for /metrics
        self._site_host = httpx.URL(self.site_url).host
        self._limiter = limiter
        self._max_retries = max_retries
        self._backoff = backoff
        self._max_retry_after = max_retry_after  # tests shorten the site's `Retry-After: 1`
        self._primed = False
        self._prime_lock = asyncio.Lock()
        self._site_scheme = httpx.URL(self.site_url).scheme
        self._site_port = httpx.URL(self.site_url).port
        self._attempt_deadline = timeout
        self._client = httpx.AsyncClient(
            base_url=self.site_url,
            timeout=httpx.Timeout(timeout),
            follow_redirects=True,
            event_hooks={"request": [self._stay_on_site]},
            transport=transport,
            headers={
                "User-Agent": user_agent,
                "Accept": site.ACCEPT,
                "Accept-Language": site.ACCEPT_LANGUAGE,
                "Accept-Encoding": ACCEPT_ENCODING,
            },
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _stay_on_site(self, request: httpx.Request) -> None:
        """Every request, redirects included, must go to the configured host, scheme and port."""
        url = request.url
        if (url.host, url.scheme, url.port) != (
            self._site_host,
            self._site_scheme,
            self._site_port,
        ):
            raise OffSiteURL(f"redirected to {url}, which is not on {self.site_url}")

    async def prime(self) -> None:
        """Visit /decisions once, keeping its cookies, before searching (the site's bot shield)."""
        async with self._prime_lock:
            if not self._primed:
                await self.get(site.DECISIONS_HOME)
                self._primed = True

    async def get(
        self, path: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> Page:
        """GET a path with retries; returns 200/304/404/410 pages, raises FetchError otherwise."""
        path = site_path(path, self.site_url)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        last_error = "no attempt made"
        last_retry_after: float | None = None
        for attempt in range(self._max_retries + 1):
            if attempt:
                await asyncio.sleep(self._delay(attempt, last_retry_after))
            last_retry_after = None
            await self._limiter.wait()
            started = time.perf_counter()
            try:
                async with asyncio.timeout(self._attempt_deadline):
                    response, text = await self._fetch(path, headers)
            except (httpx.TimeoutException, TimeoutError):
                await self._record(None, started, attempt, timed_out=True)
                last_error = f"timed out (no whole answer within {self._attempt_deadline:g} s)"
                continue
            except httpx.TransportError as exc:
                await self._record(None, started, attempt)
                last_error = f"connection failed: {type(exc).__name__}: {exc}"
                continue
            except httpx.HTTPError as exc:  # too many redirects, an undecodable body ...
                await self._record(None, started, attempt)
                raise FetchError(f"{type(exc).__name__}: {exc}", path=path) from None
            status = response.status_code
            await self._record(status, started, attempt)
            if status in RETRY_STATUSES:
                last_error = f"HTTP {status}"
                last_retry_after = _retry_after(response.headers.get("Retry-After"))
                continue
            if status == 200 and _looks_truncated(text, response.headers.get("content-type")):
                last_error = "truncated page (no closing </html>)"
                continue
            if status not in (200, 304, 404, 410):
                raise FetchError(f"unexpected HTTP {status}", path=path, status=status)
            return Page(
                path=path,
                status=status,
                text=text,
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
                content_type=response.headers.get("content-type"),
                fetched_at=datetime.now(UTC),
            )
        raise FetchError(f"gave up after {self._max_retries + 1} tries: {last_error}", path=path)

    async def _record(
        self, status: int | None, started: float, attempt: int, *, timed_out: bool = False
    ) -> None:
        if self._stats is not None:
            outcome = outcome_of(status, timed_out=timed_out)
            await self._stats.record(outcome, time.perf_counter() - started, retry=attempt > 0)

    async def _fetch(self, path: str, headers: dict[str, str]) -> tuple[httpx.Response, str]:
        """One GET; the body (of a 200 only) is read up to MAX_PAGE_BYTES, else FetchError."""
        async with self._client.stream("GET", path, headers=headers) as response:
            if response.status_code != 200:
                return response, ""
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_PAGE_BYTES:
                raise FetchError(
                    f"page larger than {MAX_PAGE_BYTES} bytes ({declared} declared)",
                    path=path,
                    status=200,
                )
            body = bytearray()
            async for chunk in response.aiter_raw():  # as sent: decompressed below, bounded
                body += chunk
                if len(body) > MAX_PAGE_BYTES:
                    raise FetchError(
                        f"page larger than {MAX_PAGE_BYTES} bytes", path=path, status=200
                    )
            body = _decoded(body, response.headers.get("content-encoding"), path)
            try:
                return response, bytes(body).decode(response.encoding or "utf-8", "replace")
            except LookupError:  # a charset Python does not know
                return response, bytes(body).decode("utf-8", "replace")

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self._max_retry_after)
        # Exponential backoff with full jitter, capped at a minute.
        return random.uniform(0, min(60.0, self._backoff * 2 ** (attempt - 1)))  # noqa: S311  # nosec B311


def _decoded(body: bytearray, encoding: str | None, path: str) -> bytearray:
    """The body with its content encoding undone, never longer than MAX_PAGE_BYTES."""
    codings = [c.strip().lower() for c in (encoding or "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return body
    if len(codings) > 1 or codings[0] not in _WBITS:
        raise FetchError(f"content encoding {encoding!r} not accepted", path=path, status=200)
    inflater = zlib.decompressobj(_WBITS[codings[0]])
    try:
        out = inflater.decompress(bytes(body), MAX_PAGE_BYTES + 1)
    except zlib.error as exc:
        raise FetchError(f"body does not decompress: {exc}", path=path, status=200) from None
    if len(out) > MAX_PAGE_BYTES or inflater.unconsumed_tail:
        raise FetchError(
            f"page larger than {MAX_PAGE_BYTES} bytes once decompressed", path=path, status=200
        )
    return bytearray(out)


def _retry_after(value: str | None) -> float | None:
    """`Retry-After: 3` or an HTTP date -> seconds to wait (bounded)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = (when - datetime.now(UTC)).total_seconds()
    return max(0.0, min(seconds, MAX_RETRY_AFTER))


def _looks_truncated(text: str, content_type: str | None) -> bool:
    if content_type and "html" not in content_type:
        return False
    return "</html>" not in text[-2000:].lower()
