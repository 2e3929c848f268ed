"""Dependencies: the request's session, the queue and settings; and the 422 and 404 that
filters raise.

Handlers declare `SessionDep`, `QueueDep`, `SettingsDep` and get typed values; tests override
`get_session` to run a request inside a transaction that is rolled back.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_api.decisions.criteria import DecisionFilters
from lgsco_api.kit.errors import Problem, Unavailable, database_gone
from lgsco_api.kit.known import require_known
from lgsco_api.kit.queuestate import QueueState
from lgsco_api.remedies.criteria import RemedyFilters
from lgsco_shared import queue as jobqueue
from lgsco_shared.settings import Settings

log = logging.getLogger("lgsco_api")
READ_METHODS = frozenset({"GET", "HEAD"})


def invalid(parameter: str, message: str, where: str = "query") -> Problem:
    """A 422 naming one parameter, shaped like FastAPI's own validation errors."""
    return Problem(
        422,
        f"{where} parameter '{parameter}': {message}",
        errors=[{"in": where, "parameter": parameter, "message": message}],
    )


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session per request, in autocommit for GET and HEAD (see main.py).

    Closing it runs after the response has started, so a database that went away in between
    must not raise there (Starlette could only drop the connection): the connection is
    invalidated instead and the pool replaces it."""
    state = request.app.state
    sessionmaker: async_sessionmaker[AsyncSession] = (
        state.read_sessionmaker if request.method in READ_METHODS else state.sessionmaker
    )
    session = sessionmaker()
    try:
        yield session
    finally:
        try:
            await session.close()
        except Exception as exc:
            if not database_gone(exc):
                raise
            log.warning("database went away while closing a session: %s", type(exc).__name__)
            with contextlib.suppress(Exception):
                await session.invalidate()


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_queue(request: Request) -> jobqueue.Queue:
    """The arq pool; reconnects if Redis was down at start, else 503 naming the queue."""
    state: QueueState = request.app.state.queue
    queue = await state.get()
    if queue is None:
        raise Unavailable(
            "queue", "The job queue (Redis) is unreachable; jobs cannot be submitted now."
        )
    return queue


SessionDep = Annotated[AsyncSession, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
QueueDep = Annotated[jobqueue.Queue, Depends(get_queue)]


Criteria = TypeVar("Criteria", DecisionFilters, RemedyFilters)


async def known(session: AsyncSession, criteria: Criteria) -> Criteria:
    """`criteria`, once every `organisation` it names is stored (404 with similar names
    otherwise: a typo must not read as "no complaints"), with the ids they resolved to."""
    if not criteria.organisation:
        return criteria
    ids = await require_known(session, criteria.organisation)
    return criteria.model_copy(update={"organisation_ids": ids})
