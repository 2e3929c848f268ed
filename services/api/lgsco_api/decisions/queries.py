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

from sqlalchemy import (
    ColumnElement,
    Float,
    Row,
    RowMapping,
    Select,
    bindparam,
    func,
    literal,
    literal_column,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_api.decisions.criteria import DecisionFilters, DecisionSort
from lgsco_api.decisions.filters import (
    LISTED,
    SORT_DATE,
    TS_CONFIG,
    decision_conditions,
    financial_year_label,
    tsquery,
)
from lgsco_api.kit.rows import fetch_all, fetch_one, fetch_scalar
from lgsco_api.remedies.queries import REMEDY_TERMS
from lgsco_shared.models import (
    Decision,
    DecisionOrganisation,
    DecisionVersion,
    Organisation,
    Remedy,
)

# An undated decision's key in a cursor. asyncpg sends date.min as '-infinity', the value the
# sort key gives undated decisions, so a cursor at an undated decision splits them by id.
NO_DATE = date.min
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
    if sort is DecisionSort.NEWEST:
        return [SORT_DATE, Decision.id], True
    if sort is DecisionSort.OLDEST:
        return [SORT_DATE, Decision.id], False
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
    cols = list(_LIST_COLUMNS)
    if filters.q is not None:
        text = func.concat_ws(" ", Decision.summary, Decision.body_text)
        headline = func.ts_headline(TS_CONFIG, text, tsquery(filters.q), HEADLINE_OPTIONS)
        cols += [_rank(filters).label("rank"), headline.label("snippet")]
    return cols


def _organisations_json() -> ColumnElement[Any]:
    """Correlated json_agg of a decision's organisations ({id, name, kind}), in page order:
    folds what an ORM relationship load would fetch in a second query into the first."""
    entry = func.json_build_object(
        "id", Organisation.id, "name", Organisation.name, "kind", Organisation.kind
    )
    ordered = aggregate_order_by(entry, DecisionOrganisation.position, Organisation.name)
    return (
        select(func.coalesce(func.json_agg(ordered), literal_column("'[]'::json")))
        .select_from(DecisionOrganisation)
        .join(Organisation, Organisation.id == DecisionOrganisation.organisation_id)
        .where(DecisionOrganisation.decision_id == Decision.id)
        .scalar_subquery()
    )


# Built once: the correlated sub-select and the year label cost more to build than to run.
# What a decision is, as every list item and the full record begin.
_HEADLINE: tuple[Any, ...] = (
    Decision.id,
    Decision.reference,
    _organisations_json().label("organisations"),
    Decision.category,
    Decision.subcategory,
    Decision.outcome,
    Decision.outcome_label,
    Decision.fine_outcome,
    Decision.finding,
    Decision.decided_on,
)
_LIST_COLUMNS: tuple[Any, ...] = (
    *_HEADLINE,
    financial_year_label(Decision.decided_on).label("financial_year"),
    Decision.summary,
    Decision.has_remedy,
    Decision.status,
    Decision.withdrawn_on,
    Decision.republished_on,
    Decision.first_seen_at,
    Decision.last_changed_at,
    Decision.permalink,
)


def _page_query(
    filters: DecisionFilters,
    sort: DecisionSort,
    after: Sequence[Any] | None,
    limit: int,
    ranked: int,
) -> Select[Any]:
    keys, descending = _sort_key(sort, filters)
    if sort is DecisionSort.RELEVANCE:
        # Rank the newest `ranked` matches only: a common word matches a third of the corpus,
        # and ranking reads each match's whole vector. The GIN and date indexes find these.
        newest = (
            select(Decision.id)
            .where(*decision_conditions(filters, LISTED))
            .order_by(SORT_DATE.desc(), Decision.id.desc())
            .limit(ranked)
        )
        query = select(*_columns(filters)).where(Decision.id.in_(newest))
    else:
        query = select(*_columns(filters)).where(*decision_conditions(filters, LISTED))
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
    ranked: int,
) -> Page:
    """One page of decisions after the cursor key `after`, and the key of the next page; by
    relevance, among the newest `ranked` matches."""
    rows = await fetch_all(session, _page_query(filters, sort, after, limit, ranked))
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
    ranked: int,
    batch: int = 500,
) -> AsyncIterator[RowMapping]:
    """Every matching row from `after` on (at most `limit`), read in keyset batches."""
    remaining = limit
    while remaining is None or remaining > 0:
        size = batch if remaining is None else min(batch, remaining)
        page = await list_decisions(
            session, filters, sort=sort, after=after, limit=size, ranked=ranked
        )
        for row in page.rows:
            yield row
        if remaining is not None:
            remaining -= len(page.rows)
        if page.next_key is None:
            return
        after = page.next_key


async def count_matches(session: AsyncSession, filters: DecisionFilters) -> int:
    """How many decisions the filters select (for a search: how many match)."""
    query = select(func.count()).select_from(Decision).where(*decision_conditions(filters))
    return int(await fetch_scalar(session, query) or 0)


# The full-record statements are built once; only their parameters change per request.
_RECORD = select(
    *_HEADLINE,
    Decision.summary,
    Decision.sections,
    Decision.has_remedy,
    Decision.status,
    Decision.withdrawn_on,
    Decision.republished_on,
    Decision.parse_warnings,
    Decision.version,
    Decision.first_seen_at,
    Decision.last_fetched_at,
    Decision.last_changed_at,
    Decision.permalink,
).where(Decision.reference == bindparam("reference"))

_REMEDIES = (
    select(
        Remedy.id,
        *REMEDY_TERMS,
        Remedy.current,
    )
    .where(Remedy.decision_id == bindparam("decision_id"))
    .order_by(Remedy.current.desc(), Remedy.position, Remedy.id)
)

_VERSIONS = (
    select(
        DecisionVersion.version,
        DecisionVersion.recorded_at,
        DecisionVersion.content_hash,
        DecisionVersion.parser_version,
        DecisionVersion.changed_fields,
    )
    .where(DecisionVersion.decision_id == bindparam("decision_id"))
    .order_by(DecisionVersion.version)
)


async def get_record(session: AsyncSession, reference: str) -> RowMapping | None:
    """The stored record with its organisations (a list of {id, name, kind}), in one query."""
    return await fetch_one(session, _RECORD, {"reference": reference})


async def remedies_of(session: AsyncSession, decision_id: int) -> list[RowMapping]:
    return await fetch_all(session, _REMEDIES, {"decision_id": decision_id})


async def versions_of(session: AsyncSession, decision_id: int) -> list[Row[Any]]:
    """Rows, so that both `row.version` and `row._mapping` work."""
    conn = await session.connection()
    return list(await conn.execute(_VERSIONS, {"decision_id": decision_id}))
