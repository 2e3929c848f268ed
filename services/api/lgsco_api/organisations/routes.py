"""/v1/organisations and /v1/categories: who decisions are about, and what they are about."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request, Response

from lgsco_api.decisions.schemas import DecisionFilterQuery
from lgsco_api.kit import pagination as cursor
from lgsco_api.kit.auth import AdminDep, ReadDep
from lgsco_api.kit.deps import SessionDep, invalid, known
from lgsco_api.kit.errors import NotFound, Problem
from lgsco_api.kit.query import ClosedQueryRoute
from lgsco_api.kit.schemas import AUTH_ERRORS, ERRORS, NOT_FOUND
from lgsco_api.organisations import queries, schemas
from lgsco_shared.authorities import by_code

router = APIRouter(tags=["organisations"], responses=ERRORS, route_class=ClosedQueryRoute)
MAX_ID = 2**31 - 1


def _summary(row: Any) -> schemas.OrganisationSummary:
    return schemas.OrganisationSummary(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        gss_code=row["gss_code"],
        latest_decided_on=row["latest_decided_on"],
        **schemas.counts_from_row(row),
    )


@router.get("/organisations", response_model=schemas.OrganisationPage)
async def list_organisations(
    request: Request,
    response: Response,
    session: SessionDep,
    _: ReadDep,
    query: Annotated[schemas.OrganisationListQuery, Query()],
) -> schemas.OrganisationPage:
    """Organisations decided about, by name, each with its decision counts and uphold rate.

    `kind` (county, district, london_borough, metropolitan, unitary, care_provider, other,
    unknown) is what `/v1/stats/compare` compares like with. A council's kind and `gss_code`
    come from the reference table of English local authorities, matched on its name; a
    council the table does not match is `unknown` until an operator maps it (PATCH).
    """
    after = None
    if query.cursor:
        key = cursor.decode(query.cursor, "name")
        if len(key) != 2 or not isinstance(key[0], str) or not _is_id(key[1]):
            raise invalid("cursor", "it is not a cursor this API returned")
        after = (key[0], key[1])
    rows, next_key = await queries.list_organisations(
        session, q=query.q, kind=query.kind, after=after, limit=query.limit
    )
    next_cursor = cursor.encode("name", list(next_key)) if next_key else None
    response.headers.update(cursor.next_headers(request, next_cursor))
    return schemas.OrganisationPage(
        items=[_summary(r) for r in rows],
        next_cursor=next_cursor,
        limit=query.limit,
    )


@router.get(
    "/organisations/{organisation_id}", response_model=schemas.OrganisationRead, responses=NOT_FOUND
)
async def get_organisation(
    organisation_id: Annotated[
        int, Path(ge=1, le=MAX_ID, description="Id from /v1/organisations.")
    ],
    session: SessionDep,
    _: ReadDep,
) -> schemas.OrganisationRead:
    """One organisation: its decision counts and uphold rate overall and per financial year."""
    row = await queries.get_organisation(session, organisation_id)
    if row is None:
        raise NotFound("organisation", organisation_id, "See /v1/organisations?q=... for ids.")
    years = await queries.by_financial_year(session, organisation_id)
    return schemas.OrganisationRead(
        **_summary(row).model_dump(),
        by_financial_year=[
            schemas.YearCounts(financial_year=y["financial_year"], **schemas.counts_from_row(y))
            for y in years
        ],
    )


@router.patch(
    "/organisations/{organisation_id}",
    response_model=schemas.OrganisationRead,
    responses={**NOT_FOUND, **AUTH_ERRORS},
)
async def map_organisation(
    organisation_id: Annotated[
        int, Path(ge=1, le=MAX_ID, description="Id from /v1/organisations.")
    ],
    mapping: Annotated[schemas.OrganisationMapping, Body()],
    session: SessionDep,
    _: AdminDep,
) -> schemas.OrganisationRead:
    """Map an organisation the reference table did not match (scope admin).

    Give the `gss_code` of the English local authority it is (its kind then comes from the
    table), or the `kind` of a body that is not a council. `/v1/status` lists the organisations
    still `unknown`.
    """
    if mapping.gss_code is not None:
        authority = by_code().get(mapping.gss_code)
        if authority is None:
            raise Problem(
                422,
                f"{mapping.gss_code} is not in the reference table of English local authorities.",
            )
        kind, code = authority.kind, authority.gss_code
    elif mapping.kind is not None:
        kind, code = mapping.kind, None
    else:
        raise Problem(422, "Give gss_code (a council) or kind (any other body).")
    if not await queries.set_kind(session, organisation_id, kind, code):
        raise NotFound("organisation", organisation_id, "See /v1/organisations?q=... for ids.")
    await session.commit()
    return await get_organisation(organisation_id, session, _)


@router.get("/categories", response_model=schemas.CategoryTree)
async def list_categories(
    session: SessionDep, query: Annotated[DecisionFilterQuery, Query()], _: ReadDep
) -> schemas.CategoryTree:
    """Category > subcategory tree with decision counts, for any decision filter.

    Decisions whose page states no category appear under a `null` category.
    """
    filters = await known(session, query.criteria())
    rows = await queries.category_counts(session, filters)
    tree: dict[str | None, list[schemas.SubcategoryNode]] = {}
    for row in rows:
        tree.setdefault(row["category"], []).append(
            schemas.SubcategoryNode(subcategory=row["subcategory"], decisions=int(row["decisions"]))
        )
    categories = [
        schemas.CategoryNode(
            category=name, decisions=sum(s.decisions for s in subs), subcategories=subs
        )
        for name, subs in tree.items()
    ]
    return schemas.CategoryTree(
        filters=filters.applied(),
        decisions=sum(c.decisions for c in categories),
        categories=categories,
    )


def _is_id(value: object) -> bool:
    return type(value) is int and 0 <= value <= MAX_ID  # JSON true is an int too
