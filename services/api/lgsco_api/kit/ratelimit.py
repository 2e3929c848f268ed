"""Rate limits shared by every API replica: one-minute fixed windows counted in Redis.

Requests without a key, and requests whose key does not authenticate, are counted by client
address (IPv6 by /64, since one host holds a whole /64). A genuine key is counted by the key,
from any address, against its own higher limit: a council's sync job behind a shared proxy is
not starved by its neighbours, and a made-up token buys nothing, because the address is charged
as soon as the token fails. Under /v1 every route authenticates (tests/api/test_access.py checks
it), so `auth.get_principal` settles those requests; any other request is settled here.

Each count is one atomic Lua script (INCR, and PEXPIRE on the window's first request). When
Redis cannot be reached the limiter fails open, so reads keep working through a Redis outage,
and it leaves Redis alone for a few seconds before trying again, so an outage costs one attempt
per interval rather than one per request. /metrics shows both the refusals and the unchecked.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lgsco_api.console.problems import for_console
from lgsco_api.kit.errors import Problem, problem_response
from lgsco_api.kit.metrics import ApiMetrics

log = logging.getLogger("lgsco_api")

WINDOW_SECONDS = 60
# Liveness and readiness probes come from the orchestrator's address, which ordinary traffic can
# share (SNAT); a 429 there would get healthy replicas restarted or taken out of service. The
# metrics scraper likewise: a 429 would blind monitoring exactly when traffic is high.
EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
_KEY_PREFIX = "lgsco:ratelimit:"
_PENDING = "rate_limit_pending"  # request.state: a /v1 request with a token, not yet counted
_VERDICT = "rate_limit_verdict"
_COUNT = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""


@dataclass(frozen=True, slots=True)
class Verdict:
    by: str  # "address" or "key"
    limit: int
    count: int
    reset_seconds: int  # until the window ends

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit

    def headers(self) -> dict[str, str]:
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(max(0, self.limit - self.count)),
            "RateLimit-Reset": str(self.reset_seconds),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.reset_seconds)
        return headers


class RateLimiter:
    def __init__(
        self,
        redis_url: str,
        *,
        per_address: int,
        per_key: int,
        metrics: ApiMetrics,
        retry_interval: float = 5.0,
        timeout: float = 0.5,
    ) -> None:
        self.per_address = per_address
        self.per_key = per_key
        self.metrics = metrics
        self._up = metrics.up.labels("rate_limiter")  # looked up once, set on every request
        self.retry_interval = retry_interval
        self._redis: Redis = Redis.from_url(
            redis_url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self._count = self._redis.register_script(_COUNT)
        self._down_until = 0.0

    async def aclose(self) -> None:
        await self._redis.aclose()

    async def hit(self, by: str, who: str, limit: int) -> Verdict | None:
        """Count one request for `who`; None when there is no limit or Redis is unreachable."""
        if limit <= 0:
            return None
        if time.monotonic() < self._down_until:
            self.metrics.rate_limit_unchecked.inc()
            return None
        try:
            count, ttl_ms = await self._count(
                keys=[f"{_KEY_PREFIX}{by}:{who}"], args=[WINDOW_SECONDS * 1000]
            )
        except (RedisError, OSError, TimeoutError) as exc:
            if self._down_until == 0.0 or time.monotonic() >= self._down_until:
                log.warning("rate limiter fails open, Redis unreachable: %s", type(exc).__name__)
            self._down_until = time.monotonic() + self.retry_interval
            self._up.set(0)
            self.metrics.rate_limit_unchecked.inc()
            return None
        self._up.set(1)
        return Verdict(by, limit, int(count), max(1, math.ceil(int(ttl_ms) / 1000)))

    async def settle(self, request: Request, *, key_id: int | None) -> None:
        """Count a /v1 request the middleware left to authentication: by key when the key is
        genuine, else by address. Raises 429 when over the limit."""
        state = request.scope.setdefault("state", {})
        if not state.pop(_PENDING, False):
            return
        if key_id is None:
            verdict = await self.hit("address", client_address(request.scope), self.per_address)
        else:
            verdict = await self.hit("key", str(key_id), self.per_key)
        state[_VERDICT] = verdict
        if verdict is not None and not verdict.allowed:
            raise self.refusal(verdict)

    def refusal(self, verdict: Verdict) -> Problem:
        self.metrics.rate_limited.labels(verdict.by).inc()
        who = "this API key" if verdict.by == "key" else "this address"
        return Problem(
            429,
            f"Too many requests from {who}: the limit is {verdict.limit} a minute; "
            f"retry after {verdict.reset_seconds} s.",
            headers=verdict.headers(),
            limit=verdict.limit,
            retry_after=verdict.reset_seconds,
        )


def client_address(scope: Scope) -> str:
    """The address to count: IPv4 as is, IPv6 by its /64, anything else (a test client) as given.
    Behind a proxy listed in LGSCO_TRUSTED_PROXIES, lgsco_api.kit.proxies puts the forwarded address
    here; from any other peer, X-Forwarded-For is ignored."""
    client = scope.get("client")
    host = str(client[0]) if client else "unknown"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        deferred = "authorization" in Headers(scope=scope) and scope["path"].startswith("/v1/")
        if deferred:
            state[_PENDING] = True
        else:
            verdict = await self.limiter.hit(
                "address", client_address(scope), self.limiter.per_address
            )
            state[_VERDICT] = verdict
            if verdict is not None and not verdict.allowed:
                await self._refuse(verdict, scope, receive, send)
                return
        await self.app(scope, receive, self._sender(scope, receive, send, state))

    def _sender(self, scope: Scope, receive: Receive, send: Send, state: dict[str, Any]) -> Send:
        replaced = False

        async def send_wrapper(message: Message) -> None:
            nonlocal replaced
            if replaced:
                return
            if message["type"] == "http.response.start":
                if state.pop(_PENDING, False):
                    # A /v1 request with a token that never reached authentication (an unknown
                    # path, a malformed body): count it by address after all.
                    address = client_address(scope)
                    verdict = await self.limiter.hit("address", address, self.limiter.per_address)
                    state[_VERDICT] = verdict
                    if verdict is not None and not verdict.allowed:
                        replaced = True
                        await self._refuse(verdict, scope, receive, send)
                        return
                verdict = state.get(_VERDICT)
                if verdict is not None:
                    headers = MutableHeaders(scope=message)
                    for name, value in verdict.headers().items():
                        headers.setdefault(name, value)
            await send(message)

        return send_wrapper

    async def _refuse(self, verdict: Verdict, scope: Scope, receive: Receive, send: Send) -> None:
        problem = self.limiter.refusal(verdict)
        if for_console(scope):
            # A person at a browser: a page of the console, saying when to try again.
            from lgsco_api.console import pages

            page = pages.error(
                Request(scope),
                429,
                "Too many requests",
                f"{problem.detail} This page will work again after that.",
            )
            page.headers.update(problem.headers or {})
            await page(scope, receive, send)
            return
        response = problem_response(
            Request(scope),
            problem.status,
            problem.detail,
            headers=problem.headers,
            **problem.extra,
        )
        await response(scope, receive, send)
