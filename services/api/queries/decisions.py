"""Decision SELECTs: keyset-paged lists (also streamed for CSV) and the full record.

Sort keys end with the id and go through `coalesce` where a column may be NULL, so a cursor
`(key, id)` splits the ordering exactly: nothing is skipped or repeated between pages.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, RowMapping, Select, func, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from lgsco.api.queries.filters import (
    TS_CONFIG,
    decision_conditions,
    financial_year_label,
    organisation_names,
    tsquery,
)
from lgsco.api.queries.remedies import effective_status
from lgsco.api.schemas.decisions import DecisionFilters, DecisionSort
from lgsco.shared.models import Decision, DecisionVersion, Remedy

NO_DATE = date(1, 1, 1)  # sorts undated decisions after every dated one (newest first)
HEADLINE_OPTIONS = "StartSel=<mark>, StopSel=</mark>, MaxFragments=2, MaxWords=25, MinWords=8"


class BadCursorKey(ValueError):
    """The cursor decoded but its key does not fit the sort (hand-edited or from an old API)."""


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[RowMapping]
    next_key: list[Any] | None


def _rank(filters: DecisionFilters) -> ColumnElement[float]:
    assert filters.q is not None
    return func.ts_rank(Decision.search_vector, tsquery(filters.q), type_=Float)


def _sort_key(sort: DecisionSort, filters: DecisionFilters) -> tuple[list[Any], bool]:
    """(key columns, descending) for a sort."""
    dated = func.coalesce(Decision.decided_on, literal(NO_DATE))
    if sort is DecisionSort.NEWEST:
        return [dated, Decision.id], True
    if sort is DecisionSort.OLDEST:
        return [dated, Decision.id], False
    if sort is DecisionSort.CHANGED:
        return [Decision.last_changed_at, Decision.id], False
    return [_rank(filters), Decision.id], True


def _key_values(sort: DecisionSort, key: Sequence[Any]) -> list[Any]:
    """JSON cursor values -> typed values to compare with the key columns."""
    try:
        first, last_id = key
        if type(last_id) is not int or not 0 <= last_id < 2**31:  # JSON true is an int too
            raise TypeError("the id is not a row id")
        if sort in (DecisionSort.NEWEST, DecisionSort.OLDEST):
            return [date.fromisoformat(first), last_id]
        if sort is DecisionSort.CHANGED:
            changed = datetime.fromisoformat(first)
            if changed.tzinfo is None:
                raise TypeError("the time has no offset")
            return [changed, last_id]
        rank = float(first)
        if not math.isfinite(rank):
            raise TypeError("the rank is not finite")
        return [rank, last_id]
    except (TypeError, ValueError) as exc:
        raise BadCursorKey(str(exc)) from None


def _columns(filters: DecisionFilters) -> list[Any]:
    cols: list[Any] = [
        Decision.id,
        Decision.reference,
        organisation_names(Decision.id).label("organisations"),
        Decision.category,
        Decision.subcategory,
        Decision.outcome,
        Decision.outcome_label,
        Decision.fine_outcome,
        Decision.finding,
        Decision.decided_on,
        financial_year_label(Decision.decided_on).label("financial_year"),
        Decision.summary,
        Decision.has_remedy,
        Decision.status,
        Decision.withdrawn_on,
        Decision.first_seen_at,
        Decision.last_changed_at,
        Decision.permalink,
    ]
    if filters.q is not None:
        text = func.concat_ws(" ", Decision.summary, Decision.body_text)
        headline = func.ts_headline(TS_CONFIG, text, tsquery(filters.q), HEADLINE_OPTIONS)
        cols += [_rank(filters).label("rank"), headline.label("snippet")]
    return cols


def _page_query(
    filters: DecisionFilters, sort: DecisionSort, after: Sequence[Any] | None, limit: int
) -> Select[Any]:
    keys, descending = _sort_key(sort, filters)
    query = select(*_columns(filters)).where(*decision_conditions(filters))
    if after is not None:
        values = [
            literal(v, type_=k.type) for k, v in zip(keys, _key_values(sort, after), strict=True)
        ]
        boundary = (
            tuple_(*keys) < tuple_(*values) if descending else tuple_(*keys) > tuple_(*values)
        )
        query = query.where(boundary)
    order = [k.desc() for k in keys] if descending else [k.asc() for k in keys]
    return query.order_by(*order).limit(limit + 1)


def _key_of(row: RowMapping, sort: DecisionSort) -> list[Any]:
    if sort in (DecisionSort.NEWEST, DecisionSort.OLDEST):
        return [(row["decided_on"] or NO_DATE).isoformat(), row["id"]]
    if sort is DecisionSort.CHANGED:
        return [row["last_changed_at"].isoformat(), row["id"]]
    return [row["rank"], row["id"]]


async def list_decisions(
    session: AsyncSession,
    filters: DecisionFilters,
    *,
    sort: DecisionSort,
    after: Sequence[Any] | None,
    limit: int,
) -> Page:
    """One page of decisions after the cursor key `after`, and the key of the next page."""
    result = await session.execute(_page_query(filters, sort, after, limit))
    rows = list(result.mappings())
    if len(rows) <= limit:
        return Page(rows=rows, next_key=None)
    rows = rows[:limit]
    return Page(rows=rows, next_key=_key_of(rows[-1], sort))


async def stream_decisions(
    session: AsyncSession,
    filters: DecisionFilters,
    *,
    sort: DecisionSort,
    after: Sequence[Any] | None,
    limit: int | None,
    batch: int = 500,
) -> AsyncIterator[RowMapping]:
    """Every matching row from `after` on (at most `limit`), read in keyset batches."""
    remaining = limit
    while remaining is None or remaining > 0:
        size = batch if remaining is None else min(batch, remaining)
        page = await list_decisions(session, filters, sort=sort, after=after, limit=size)
        for row in page.rows:
            yield row
        if remaining is not None:
            remaining -= len(page.rows)
        if page.next_key is None:
            return
        after = page.next_key


async def get_decision(session: AsyncSession, reference: str) -> Decision | None:
    return await session.scalar(
        select(Decision)
        .options(selectinload(Decision.organisations))
        .where(Decision.reference == reference)
    )


async def remedies_of(session: AsyncSession, decision_id: int) -> list[RowMapping]:
    query = (
        select(
            Remedy.id,
            Remedy.type,
            Remedy.sentence,
            Remedy.amount,
            Remedy.payee,
            Remedy.deadline_text,
            Remedy.due_on,
            effective_status().label("status"),
            Remedy.completed_on,
            Remedy.current,
        )
        .where(Remedy.decision_id == decision_id)
        .order_by(Remedy.current.desc(), Remedy.position, Remedy.id)
    )
    return list((await session.execute(query)).mappings())


async def versions_of(session: AsyncSession, decision_id: int) -> list[DecisionVersion]:
    query = (
        select(DecisionVersion)
        .where(DecisionVersion.decision_id == decision_id)
        .order_by(DecisionVersion.version)
    )
    return list((await session.scalars(query)).all())
