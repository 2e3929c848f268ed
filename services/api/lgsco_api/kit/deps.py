"""Dependencies: the request's session, the queue, settings, and the decision filters.

Handlers declare `SessionDep`, `QueueDep`, `FiltersDep` and get typed values; tests override
`get_session` to run a request inside a transaction that is rolled back.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any, ParamSpec, TypeVar

from fastapi import Depends, Query, Request
from pydantic import StringConstraints
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_api.decisions.criteria import DecisionFilters
from lgsco_api.kit.errors import Problem, Unavailable, database_gone
from lgsco_api.kit.known import require_known
from lgsco_api.kit.queuestate import QueueState
from lgsco_api.kit.schemas import (
    FINANCIAL_YEAR_SCHEMA,
    REFERENCE_SCHEMA,
    ROW_CURSOR_SCHEMA,
    IsoDate,
    IsoDateTime,
)
from lgsco_api.kit.years import InvalidFinancialYear, financial_year_bounds
from lgsco_api.remedies.criteria import RemedyFilters
from lgsco_shared import queue as jobqueue
from lgsco_shared import references
from lgsco_shared.domain import (
    Outcome,
    PublicationStatus,
    RemedyCommitment,
    RemedyStatus,
    RemedyType,
)
from lgsco_shared.settings import Settings

log = logging.getLogger("lgsco_api")
READ_METHODS = frozenset({"GET", "HEAD"})
P = ParamSpec("P")
T = TypeVar("T")

Name = Annotated[str, StringConstraints(min_length=1, max_length=300)]
# The one organisation a report or a comparison is about.
OrganisationParam = Annotated[
    str,
    Query(
        min_length=1,
        max_length=300,
        description="Organisation id or exact name.",
        examples=["Kent County Council"],
    ),
]


def inline(sync: Callable[P, T]) -> Callable[P, Coroutine[Any, Any, T]]:
    """`sync` as a coroutine function with the same parameters, for use as a dependency: FastAPI
    sends plain functions to a worker thread, a hop that costs more than checking a few query
    parameters. The sync function stays callable as it is (the console calls it directly)."""

    @functools.wraps(sync)
    async def on_the_loop(*args: P.args, **kwargs: P.kwargs) -> T:
        return sync(*args, **kwargs)

    return on_the_loop


def invalid(parameter: str, message: str, where: str = "query") -> Problem:
    """A 422 naming one parameter, shaped like FastAPI's own validation errors."""
    return invalid_all([(parameter, message)], where)


def invalid_all(problems: list[tuple[str, str]], where: str = "query") -> Problem:
    """A 422 naming every (parameter, message), so a form can show all its errors at once."""
    return Problem(
        422,
        "; ".join(f"{where} parameter '{p}': {m}" for p, m in problems),
        errors=[{"in": where, "parameter": p, "message": m} for p, m in problems],
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


RowCursorParam = Annotated[
    str | None,
    Query(
        max_length=20,
        description="next_cursor of the previous page.",
        json_schema_extra=ROW_CURSOR_SCHEMA,
    ),
]


def row_cursor(cursor: str | None) -> int | None:
    """The row id a `next_cursor` of a list paged by id stands for; 422 for anything else."""
    if cursor is None:
        return None
    if not (cursor.isascii() and cursor.isdigit()) or len(cursor) > 9:
        raise invalid("cursor", "it is not a cursor this API returned")
    return int(cursor)


def check_financial_year(value: str | None, parameter: str = "financial_year") -> None:
    if value is not None:
        try:
            financial_year_bounds(value)
        except InvalidFinancialYear as exc:
            raise invalid(parameter, str(exc)) from None


def decision_filters(
    organisation: Annotated[
        list[Name] | None,
        Query(
            description="Organisation id or exact name (any case); repeat for several.",
            examples=["Kent County Council"],
        ),
    ] = None,
    category: Annotated[
        Name | None,
        Query(description="Category, exact (any case).", examples=["Adult care services"]),
    ] = None,
    subcategory: Annotated[
        Name | None, Query(description="Subcategory, exact (any case).", examples=["Charging"])
    ] = None,
    outcome: Annotated[
        list[Outcome] | None, Query(description="Outcome; repeat for several.")
    ] = None,
    decided_from: Annotated[
        IsoDate | None, Query(description="First decision date (inclusive).")
    ] = None,
    decided_to: Annotated[
        IsoDate | None, Query(description="Last decision date (inclusive).")
    ] = None,
    financial_year: Annotated[
        str | None,
        Query(
            description="1 April to 31 March, written 2023-24.",
            examples=["2023-24"],
            max_length=7,
            json_schema_extra=FINANCIAL_YEAR_SCHEMA,
        ),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=500,
            description='Full text over summary and body, web-search syntax: `"care home" -fees`.',
            examples=["care home charges"],
        ),
    ] = None,
    has_remedy: Annotated[
        bool | None, Query(description="Only decisions with remedies (or without).")
    ] = None,
    status: Annotated[
        PublicationStatus | None,
        Query(
            description="published (online), archived (taken down at about five years) or "
            "withdrawn (taken down sooner)."
        ),
    ] = None,
    republished: Annotated[
        bool | None,
        Query(description="Only decisions taken down and published again (or never taken down)."),
    ] = None,
    changed_since: Annotated[
        IsoDateTime | None,
        Query(
            description="Created, changed, taken down or republished after this time (UTC if "
            "no offset)."
        ),
    ] = None,
) -> DecisionFilters:
    problems: list[tuple[str, str]] = []
    try:
        check_financial_year(financial_year)
    except Problem as problem:
        problems += [(e["parameter"], e["message"]) for e in problem.extra["errors"]]
    if decided_from and decided_to and decided_from > decided_to:
        problems.append(("decided_to", "must not be before decided_from"))
    if problems:
        raise invalid_all(problems)
    return DecisionFilters(
        organisation=tuple(organisation or ()),
        category=category,
        subcategory=subcategory,
        outcome=tuple(dict.fromkeys(outcome or ())),
        decided_from=decided_from,
        decided_to=decided_to,
        financial_year=financial_year,
        q=q,
        has_remedy=has_remedy,
        status=status,
        republished=republished,
        changed_since=changed_since,
    )


async def known_decision_filters(
    session: SessionDep,
    filters: Annotated[DecisionFilters, Depends(inline(decision_filters))],
) -> DecisionFilters:
    """The decision filters, with every `organisation` one that is stored (404 otherwise)."""
    await require_known(session, filters.organisation)
    return filters


FiltersDep = Annotated[DecisionFilters, Depends(known_decision_filters)]


def remedy_filters(
    organisation: Annotated[
        list[Name] | None, Query(description="Organisation id or exact name; repeatable.")
    ] = None,
    type_: Annotated[
        list[RemedyType] | None, Query(alias="type", description="Remedy type; repeatable.")
    ] = None,
    status: Annotated[
        list[RemedyStatus] | None,
        Query(description="Tracking status; `overdue` = pending past its due date. Repeatable."),
    ] = None,
    due_before: Annotated[
        IsoDate | None, Query(description="Due strictly before this date.")
    ] = None,
    due_after: Annotated[IsoDate | None, Query(description="Due strictly after this date.")] = None,
    decision: Annotated[
        str | None,
        Query(
            max_length=40,
            description="Decision reference, any form.",
            json_schema_extra=REFERENCE_SCHEMA,
        ),
    ] = None,
    financial_year: Annotated[
        str | None,
        Query(
            max_length=7,
            description="Of the decision, like 2023-24.",
            json_schema_extra=FINANCIAL_YEAR_SCHEMA,
        ),
    ] = None,
    current: Annotated[
        bool | None, Query(description="Only remedies the current page still states (or not).")
    ] = None,
    commitment: Annotated[
        list[RemedyCommitment] | None,
        Query(
            description="How the decision states the remedy (already_done, agreed, recommended, "
            "offered); repeatable."
        ),
    ] = None,
) -> RemedyFilters:
    check_financial_year(financial_year)
    reference = None
    if decision is not None:
        try:
            reference = references.normalise(decision)
        except references.InvalidReference as exc:
            raise invalid("decision", str(exc)) from None
    return RemedyFilters(
        organisation=tuple(organisation or ()),
        type=tuple(type_ or ()),
        status=tuple(status or ()),
        due_before=due_before,
        due_after=due_after,
        decision=reference,
        financial_year=financial_year,
        current=current,
        commitment=tuple(commitment or ()),
    )


async def known_remedy_filters(
    session: SessionDep,
    filters: Annotated[RemedyFilters, Depends(inline(remedy_filters))],
) -> RemedyFilters:
    """The remedy filters, with every `organisation` one that is stored (404 otherwise)."""
    await require_known(session, filters.organisation)
    return filters


RemedyFiltersDep = Annotated[RemedyFilters, Depends(known_remedy_filters)]
