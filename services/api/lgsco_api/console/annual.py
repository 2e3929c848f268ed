"""An organisation's financial year as the annual report prints it: every table of the figures
page, each from the query behind the matching API endpoint, and the charts drawn from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_api.console import charts
from lgsco_api.decisions.criteria import DecisionFilters
from lgsco_api.kit.years import financial_year_bounds
from lgsco_api.organisations import queries as organisations
from lgsco_api.organisations.schemas import OutcomeCounts, counts_from_row
from lgsco_api.remedies import queries as remedy_queries
from lgsco_api.remedies.criteria import RemedyFilters
from lgsco_api.remedies.schemas import ComplianceRow, compliance_row
from lgsco_api.reports.schemas import (
    OutcomeRow,
    RemedyRow,
    ReportDecision,
)
from lgsco_api.reports.service import annual_report
from lgsco_api.statistics import queries as statistics
from lgsco_api.statistics.criteria import GroupBy
from lgsco_shared.domain import OrganisationKind
from lgsco_shared.models import Organisation

KIND_NAMES = {
    OrganisationKind.COUNTY: "County councils",
    OrganisationKind.DISTRICT: "District councils",
    OrganisationKind.LONDON_BOROUGH: "London boroughs",
    OrganisationKind.METROPOLITAN: "Metropolitan councils",
    OrganisationKind.UNITARY: "Unitary councils",
    OrganisationKind.CARE_PROVIDER: "Care providers",
    OrganisationKind.OTHER: "Other organisations",
    OrganisationKind.UNKNOWN: "Organisations of unknown kind",
}
OUTCOME_SERIES = (
    ("upheld", "Upheld"),
    ("not_upheld", "Not upheld"),
    ("closed_after_initial_enquiries", "Closed after initial enquiries"),
    ("unknown", "Not stated"),
)
COUNT_COLUMNS = [name for name, _label in OUTCOME_SERIES]


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a chart's table: a label and the outcome counts behind it."""

    label: str
    key: str | None
    counts: OutcomeCounts


@dataclass(frozen=True, slots=True)
class Side:
    label: str
    counts: OutcomeCounts
    organisations: int


@dataclass(frozen=True, slots=True)
class Figures:
    organisation: Organisation
    financial_year: str
    period: tuple[date, date]
    summary: OutcomeCounts
    outcomes: list[OutcomeRow]
    remedies: list[RemedyRow]
    decisions: list[ReportDecision]
    months: list[Row]
    categories: list[Row]
    comparison: list[Side]
    years: list[str]
    compliance: ComplianceRow | None


def months_of(financial_year: str) -> list[tuple[str, str]]:
    """('2023-04', 'Apr 2023') ... ('2024-03', 'Mar 2024') for '2023-24'."""
    start, _end = financial_year_bounds(financial_year)
    out = []
    for i in range(12):
        year, month = start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1
        out.append((f"{year}-{month:02d}", f"{date(year, month, 1):%b %Y}"))
    return out


ZERO = OutcomeCounts(**counts_from_row(dict.fromkeys(("decisions", *COUNT_COLUMNS), 0)))


async def annual_figures(
    session: AsyncSession, org: Organisation, financial_year: str, site_url: str
) -> Figures:
    """Every figure of the page; each from the query the matching API endpoint uses."""
    year = DecisionFilters(financial_year=financial_year)
    this_year = DecisionFilters(organisation=(str(org.id),), financial_year=financial_year)
    by_month = {
        r["key"]: OutcomeCounts(**counts_from_row(r))
        for r in await statistics.grouped(session, this_year, GroupBy.MONTH)
    }
    categories = [
        Row(r["key"] or "Category not stated", r["key"], OutcomeCounts(**counts_from_row(r)))
        for r in await statistics.grouped(session, this_year, GroupBy.CATEGORY)
    ]
    this, kind, everyone, peer = await statistics.compare_sides(session, year, org)
    report = await annual_report(session, org, financial_year, site_url=site_url)
    years = await organisations.by_financial_year(session, org.id)
    owed = RemedyFilters(organisation=(str(org.id),), financial_year=financial_year, current=True)
    # a joint decision also yields a row for the other body: keep this organisation's
    compliance = [
        compliance_row(r)
        for r in await remedy_queries.compliance(session, owed)
        if r["organisation"] == org.name
    ]
    return Figures(
        compliance=compliance[0] if compliance else None,
        organisation=org,
        financial_year=financial_year,
        period=(report.period["from"], report.period["to"]),
        summary=report.summary,
        outcomes=report.outcomes,
        remedies=report.remedies,
        decisions=report.decisions,
        months=[
            Row(label, key, by_month.get(key, ZERO)) for key, label in months_of(financial_year)
        ],
        categories=categories,
        comparison=[
            Side(org.name, OutcomeCounts(**counts_from_row(this["counts"])), this["organisations"]),
            Side(
                f"{KIND_NAMES[peer]} (all)",
                OutcomeCounts(**counts_from_row(kind["counts"])),
                kind["organisations"],
            ),
            Side(
                "All organisations",
                OutcomeCounts(**counts_from_row(everyone["counts"])),
                everyone["organisations"],
            ),
        ],
        years=[str(y["financial_year"]) for y in years if y["financial_year"]],
    )


def _outcome_series(rows: list[Row]) -> list[charts.Series]:
    return [
        charts.Series(label, [getattr(r.counts, name) for r in rows], charts.OUTCOME_COLOURS[name])
        for name, label in OUTCOME_SERIES
        if any(getattr(r.counts, name) for r in rows)
    ]


def draw(figures: Figures) -> dict[str, Markup]:
    """The four charts of the page as inline SVG (their text is escaped by charts)."""
    name, year = figures.organisation.name, figures.financial_year
    months, categories = figures.months, figures.categories
    compared = figures.comparison
    svgs = {
        "months": charts.column_chart(
            "chart-months",
            f"Decisions per month, {name}, {year}",
            f"Decisions about {name} made each month from {months[0].label} to "
            f"{months[-1].label}, stacked by outcome. The table after the chart gives the numbers.",
            [r.label.split()[0] for r in months],
            _outcome_series(months),
            legend=True,
        ),
        "categories": charts.bar_chart(
            "chart-categories",
            f"Outcomes by category, {name}, {year}",
            f"Decisions about {name} in {year} by category, each bar split by outcome. "
            "The table after the chart gives the numbers.",
            [r.label for r in categories],
            _outcome_series(categories),
            legend=True,
        ),
        "uphold": charts.bar_chart(
            "chart-uphold",
            f"Uphold rate, {name} against organisations of the same kind, {year}",
            "Share of complaints investigated in detail that were upheld: upheld divided by "
            "upheld plus not upheld. The table after the chart gives the numbers.",
            [s.label for s in compared],
            [  # this organisation in the strong colour, what it is compared with muted
                charts.Series("Uphold rate", [compared[0].counts.uphold_rate, None, None]),
                charts.Series(
                    "Uphold rate",
                    [None, *(side.counts.uphold_rate for side in compared[1:])],
                    charts.MUTED,
                ),
            ],
            value_format=charts.percent,
            maximum=1.0,
            legend=False,
        ),
        "remedies": charts.bar_chart(
            "chart-remedies",
            f"Remedies agreed by type, {name}, {year}",
            f"Remedies {name} agreed in decisions of {year}, by type; a decision can have "
            "several. The table after the chart gives the numbers.",
            [r.action for r in figures.remedies],
            [charts.Series("Remedies", [r.remedies for r in figures.remedies], charts.PRIMARY)],
        ),
    }
    return {key: Markup(svg) for key, svg in svgs.items()}  # noqa: S704 - escaped by charts  # nosec B704
