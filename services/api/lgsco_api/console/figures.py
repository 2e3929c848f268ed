"""/console/figures: an organisation's year as the annual report prints it, in tables and
charts, with the numbers as CSV (the API's CSV where it has one, the console's for the rest)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from lgsco_api.console import pages
from lgsco_api.console.annual import COUNT_COLUMNS, KIND_NAMES, OUTCOME_SERIES, annual_figures, draw
from lgsco_api.console.forms import first, read_query
from lgsco_api.decisions.criteria import DecisionFilters
from lgsco_api.kit import csvout
from lgsco_api.kit.deps import SessionDep, SettingsDep
from lgsco_api.kit.query import from_form
from lgsco_api.organisations import queries as organisations
from lgsco_api.statistics import queries as statistics
from lgsco_api.statistics.criteria import GroupBy
from lgsco_api.statistics.schemas import OrganisationYearQuery
from lgsco_shared.models import Organisation

router = APIRouter()


async def _choose(
    session: Any, query: dict[str, list[str]]
) -> tuple[Organisation | None, str | None, dict[str, str], list[Any]]:
    """(organisation, financial year, errors by field, names suggested for a near miss)."""
    _, errors = from_form(OrganisationYearQuery, query)  # the API's checks, the API's words
    name, year = first(query, "organisation"), first(query, "financial_year")
    if name is None:
        errors["organisation"] = "Enter an organisation's name."
        return None, year, errors, []
    known = "organisation" not in errors
    org = await statistics.find_organisation(session, name) if known else None
    suggestions: list[Any] = []
    if org is None:
        suggestions, _next = await organisations.list_organisations(
            session, q=name[:200], kind=None, after=None, limit=10
        )
        errors["organisation"] = f"No organisation is named {name!r}."
    elif year is None:  # the organisation's latest year with decisions
        years = await organisations.by_financial_year(session, org.id)
        year = next((str(y["financial_year"]) for y in years if y["financial_year"]), None)
        if year is None:
            errors["financial_year"] = "Enter a financial year, like 2023-24."
    return org, year, errors, suggestions


@router.get("/figures", response_class=HTMLResponse)
async def figures_page(
    request: Request, session: SessionDep, settings: SettingsDep, viewer: pages.ReaderDep
) -> HTMLResponse:
    query = read_query(request)
    context: dict[str, Any] = {
        "section": "figures",
        "values": query,
        "errors": {},
        "figures": None,
        "suggestions": [],
    }
    if not query:
        busiest = await statistics.grouped(session, DecisionFilters(), GroupBy.ORGANISATION)
        return pages.render(request, "figures.html", context | {"busiest": busiest[:12]})
    org, year, errors, suggestions = await _choose(session, query)
    if org is None or year is None or errors:
        context |= {"errors": errors, "suggestions": suggestions, "busiest": []}
        return pages.render(request, "figures.html", context, status_code=422)
    figures = await annual_figures(session, org, year, settings.site_url)
    context |= {
        "figures": figures,
        "charts": draw(figures),
        "kind_name": KIND_NAMES[org.kind],
        "outcome_series": OUTCOME_SERIES,
        "busiest": [],
        "api": f"organisation={org.id}&financial_year={year}",
    }
    return pages.render(request, "figures.html", context)


CSV_TABLES = {"months", "categories", "comparison"}


@router.get("/figures/{table}.csv", response_model=None)
async def figures_csv(
    request: Request,
    table: str,
    session: SessionDep,
    settings: SettingsDep,
    viewer: pages.ReaderDep,
) -> Response:
    """The chart tables the API has no CSV for: per month, by category, the comparison."""
    org, year, errors, _ = await _choose(session, read_query(request))
    if table not in CSV_TABLES or org is None or year is None or errors:
        return pages.not_found(request, "such table", "Choose an organisation and year first.")
    figures = await annual_figures(session, org, year, settings.site_url)
    columns = ["organisation", "financial_year"]
    if table == "comparison":
        columns += ["compared", "organisations", "decisions", *COUNT_COLUMNS, "uphold_rate"]
        rows = [
            {"compared": s.label, "organisations": s.organisations, **s.counts.model_dump()}
            for s in figures.comparison
        ]
    else:
        key = "month" if table == "months" else "category"
        columns += [key, "decisions", *COUNT_COLUMNS, "uphold_rate"]
        source = figures.months if table == "months" else figures.categories
        rows = [{key: r.key, **r.counts.model_dump()} for r in source]
    rows = [{"organisation": org.name, "financial_year": year, **r} for r in rows]
    filename = f"{table}-{year}.csv"
    return csvout.csv_response(columns, csvout.from_list(rows), filename)
