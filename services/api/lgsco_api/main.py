"""The API application: `create_app(settings, database_url=..., redis_url=...)`.

Run with `uvicorn --factory` through the CLI, which resolves the URLs (embedded servers when
unset) and passes them in; nothing here reads the environment.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from lgsco_api.console import app as console
from lgsco_api.decisions import routes as decisions
from lgsco_api.health import routes as health
from lgsco_api.jobs import routes as jobs
from lgsco_api.kit import docs, errors, openapi
from lgsco_api.kit.glossary import OUTCOME_MODEL
from lgsco_api.kit.metrics import ApiMetrics
from lgsco_api.kit.middleware import ApiMiddleware, HeadMiddleware
from lgsco_api.kit.proxies import TrustedProxiesMiddleware
from lgsco_api.kit.queuestate import QueueState
from lgsco_api.kit.ratelimit import RateLimiter, RateLimitMiddleware
from lgsco_api.kit.redirects import NoHostReflectionMiddleware
from lgsco_api.kit.security import RequestLimitMiddleware, SecurityHeadersMiddleware
from lgsco_api.organisations import routes as organisations
from lgsco_api.remedies import routes as remedies
from lgsco_api.reports import routes as reports
from lgsco_api.schedules import routes as schedules
from lgsco_api.statistics import routes as statistics
from lgsco_api.status import routes as status
from lgsco_api.subscriptions import events
from lgsco_api.subscriptions import routes as subscriptions
from lgsco_shared.db import make_engine, make_sessionmaker
from lgsco_shared.settings import Settings

DESCRIPTION = f"""
A complete, current, queryable copy of the decisions of England's Local Government and Social
Care Ombudsman (LGSCO), with the statistics and remedy tracking councils compile by hand.

Decision text is the LGSCO's, re-used with attribution: every record carries the attribution
and the URL of the LGSCO's page. Errors are `application/problem+json` (RFC 9457).

**Outcome, finer outcome and finding.** {OUTCOME_MODEL}

**Paging.** Lists are keyset-paged: pass `next_cursor` back as `cursor` until it is null. The
same cursor comes in `Link: <url>; rel="next"` and `X-Next-Cursor` headers (also on CSV
downloads with `limit`). Every GET answers HEAD with the same headers and no body.

**Organisations.** Decision list items give `organisations` as `{{id, name, kind}}` objects,
the same as the full record (earlier versions gave names: `organisation_names` keeps them,
deprecated). A council's `kind` and `gss_code` come from a reference table of English local
authorities; an unknown `organisation` parameter is 404 with the stored names most like it.

**Webhooks** are described in this document's `webhooks` section, with the signature scheme.
"""

TAGS = [
    {"name": "decisions", "description": "Search, filter, page through and sync decisions."},
    {"name": "organisations", "description": "Bodies decided about, and the category tree."},
    {"name": "statistics", "description": "Outcome counts, uphold rates and comparisons."},
    {"name": "reports", "description": "The LGSCO tables of a council's annual complaints report."},
    {"name": "remedies", "description": "Tracking what bodies agreed to do, and when."},
    {"name": "jobs", "description": "Ingest runs, their cancellation, and schedules (operations)."},
    {"name": "subscriptions", "description": "Webhooks pushing decisions and remedy deadlines."},
    {"name": "operations", "description": "Health, readiness, freshness and metrics."},
]


def create_app(settings: Settings, *, database_url: str, redis_url: str) -> FastAPI:

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(database_url)
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        # Reads run each statement in autocommit: under READ COMMITTED a transaction gives a
        # GET no stronger view, and skipping BEGIN and ROLLBACK saves two round trips a request.
        app.state.read_sessionmaker = make_sessionmaker(
            engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        await app.state.queue.connect()
        try:
            yield
        finally:
            await app.state.queue.close()
            await app.state.rate_limiter.aclose()
            await engine.dispose()

    app = FastAPI(
        title="Ombudsman Decisions Service",
        version="0.1.0",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.metrics = ApiMetrics()
    app.state.queue = QueueState(redis_url)
    app.state.rate_limiter = RateLimiter(
        redis_url,
        per_address=settings.rate_limit_per_minute,
        per_key=settings.rate_limit_per_key_per_minute,
        metrics=app.state.metrics,
    )

    errors.install(app)
    docs.install(app)
    openapi.install(app, keys_required=settings.require_api_key)
    events.install(app)
    app.include_router(health.router)
    for module in (
        decisions,
        organisations,
        statistics,
        reports,
        remedies,
        jobs,
        schedules,
        subscriptions,
        status,
    ):
        app.include_router(module.router, prefix="/v1")
    app.include_router(console.router)
    console.install(app)

    # Outermost last: request id, log and metrics see every answer, including the refusals of
    # the layers inside; request limits come before anything reads the query string; CORS
    # headers go on 429s too, so a browser client can read Retry-After.
    app.add_middleware(RateLimitMiddleware, limiter=app.state.rate_limiter)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "HEAD", "PATCH", "POST"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "If-None-Match"],
            expose_headers=[
                "ETag",
                "Link",
                "X-Next-Cursor",
                "Location",
                "X-Request-ID",
                "Retry-After",
                "RateLimit-Limit",
                "RateLimit-Remaining",
                "RateLimit-Reset",
            ],
        )
    app.add_middleware(RequestLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(ApiMiddleware, metrics=app.state.metrics)
    app.add_middleware(HeadMiddleware)
    app.add_middleware(NoHostReflectionMiddleware, public_url=settings.public_url)
    # Outermost: every layer inside sees the client address it may believe.
    app.add_middleware(TrustedProxiesMiddleware, trusted=settings.trusted_proxies)
    return app
