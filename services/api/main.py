"""The API application: `create_app(settings, database_url=..., redis_url=...)`.

Run with `uvicorn --factory` through the CLI, which resolves the URLs (embedded servers when
unset) and passes them in; nothing here reads the environment.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from lgsco.api import docs, errors, logs
from lgsco.api.metrics import ApiMetrics
from lgsco.api.middleware import ApiMiddleware
from lgsco.api.params import known_parameters
from lgsco.api.queuestate import QueueState
from lgsco.api.routes import (
    decisions,
    health,
    jobs,
    organisations,
    remedies,
    reports,
    statistics,
    status,
    subscriptions,
)
from lgsco.shared.db import make_engine, make_sessionmaker
from lgsco.shared.settings import Settings

DESCRIPTION = """
A complete, current, queryable copy of the decisions of England's Local Government and Social
Care Ombudsman (LGSCO), with the statistics and remedy tracking councils compile by hand.

Decision text is the LGSCO's, re-used with attribution: every record carries the attribution
and the URL of the LGSCO's page. Errors are `application/problem+json` (RFC 9457).
"""

TAGS = [
    {"name": "decisions", "description": "Search, filter, page through and sync decisions."},
    {"name": "organisations", "description": "Bodies decided about, and the category tree."},
    {"name": "statistics", "description": "Outcome counts, uphold rates and comparisons."},
    {"name": "reports", "description": "The LGSCO tables of a council's annual complaints report."},
    {"name": "remedies", "description": "Tracking what bodies agreed to do, and when."},
    {"name": "jobs", "description": "Ingest runs and the worker's schedule (operations)."},
    {"name": "subscriptions", "description": "Webhooks pushing decisions and remedy deadlines."},
    {"name": "operations", "description": "Health, readiness, freshness and metrics."},
]


def create_app(settings: Settings, *, database_url: str, redis_url: str) -> FastAPI:
    logs.configure(settings.log_level, settings.log_format)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(database_url)
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        await app.state.queue.connect()
        try:
            yield
        finally:
            await app.state.queue.close()
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

    errors.install(app)
    docs.install(app)
    checked = [Depends(known_parameters)]
    app.include_router(health.router, dependencies=checked)
    for module in (
        decisions,
        organisations,
        statistics,
        reports,
        remedies,
        jobs,
        subscriptions,
        status,
    ):
        app.include_router(module.router, prefix="/v1", dependencies=checked)

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "PATCH", "POST"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "If-None-Match"],
            expose_headers=["ETag", "Location", "X-Request-ID"],
        )
    app.add_middleware(ApiMiddleware, metrics=app.state.metrics)
    return app
