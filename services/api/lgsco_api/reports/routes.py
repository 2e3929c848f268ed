"""/v1/reports/annual: the LGSCO tables of a council's annual complaints report, in one call."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response

from lgsco_api.kit import csvout
from lgsco_api.kit.auth import ReadDep
from lgsco_api.kit.deps import SessionDep, SettingsDep, invalid
from lgsco_api.kit.known import unknown_organisation
from lgsco_api.kit.query import ClosedQueryRoute
from lgsco_api.kit.schemas import ERRORS, NOT_FOUND
from lgsco_api.organisations.schemas import OutcomeCounts
from lgsco_api.reports import files, schemas, service
from lgsco_api.statistics import queries as statistics

router = APIRouter(
    prefix="/reports", tags=["reports"], responses=ERRORS, route_class=ClosedQueryRoute
)

CSV_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/csv": {"example": "\ufeffOutcome,Outcome source (stated or inferred),...\r\n"},
            files.XLSX_TYPE: {
                "schema": {"type": "string", "format": "binary"},
                "example": "(an Excel workbook: Summary, Outcomes, Remedies, Decisions)",
            },
            files.DOCX_TYPE: {
                "schema": {"type": "string", "format": "binary"},
                "example": "(a Word document: the decisions appendix)",
            },
        }
    }
}


@router.get("/annual", response_model=schemas.AnnualReport, responses={**NOT_FOUND, **CSV_DOC})
async def annual_report(
    session: SessionDep,
    settings: SettingsDep,
    _: ReadDep,
    query: Annotated[schemas.AnnualReportQuery, Query()],
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Any:
    """Decisions the LGSCO closed in the financial year about one organisation, as the tables
    of an annual complaints report: decisions by outcome (the finer outcome where known, like
    `Upheld: fault and injustice`), agreed remedies by type (a decision can have several), the
    uphold rate, and the list of decisions as councils print it: each with its heading line
    ("Upheld: Fault and Injustice: Charging - 5 December 2023 (23 005 403)"), summary and the
    remedies it states with their status. The outcomes table has every finer outcome, with zeros.
    The finer outcome is inferred from the decision's text (`outcome_source`), not printed by the
    LGSCO.

    `format=csv&table=summary|outcomes|remedies|decisions` returns one table as CSV, with
    headers a person reads; the outcomes and remedies tables end with a Total row.
    `format=xlsx` returns an Excel workbook with one sheet per table (dates as dates, amounts
    as currency, the uphold rate as a percentage, header rows frozen); `format=docx` the
    decisions appendix as a Word document, each decision's heading line then its summary.
    """
    format_, table = query.format, query.table
    as_csv = csvout.wants_csv(format_, accept)
    if as_csv and table is None:
        raise invalid(
            "table", "with format=csv choose a table: summary, outcomes, remedies or decisions"
        )
    if table is not None and format_ in ("xlsx", "docx"):
        raise invalid("table", f"format={format_} holds every table; table is for format=csv")
    if table is not None and not as_csv:
        raise invalid("table", "table is only used with format=csv (JSON returns every table)")
    org = await statistics.organisation_of(session, query.organisation)
    if org is None:
        raise await unknown_organisation(session, query.organisation)
    report = await service.annual_report(
        session, org, query.financial_year, site_url=settings.site_url, order=query.order
    )
    stem = f"annual-{report.financial_year}"
    if format_ == "xlsx":
        return _download(files.annual_xlsx(report, org.name), files.XLSX_TYPE, f"{stem}.xlsx")
    if format_ == "docx":
        body = files.appendix_docx(report, org.name, report.attribution)
        return _download(body, files.DOCX_TYPE, f"{stem}-decisions.docx")
    if table is None:
        return report
    return _csv(report, table, org.name)


def _csv(report: schemas.AnnualReport, table: schemas.ReportTable, name: str) -> Any:
    rows = files.table_rows(report, table, name)
    columns = _columns(table)
    filename = f"annual-{report.financial_year}-{table.value}.csv"
    labels = {c: files.header(c) for c in columns}
    return csvout.csv_response(columns, csvout.from_list(rows), filename, labels=labels)


def _columns(table: schemas.ReportTable) -> list[str]:
    if table is schemas.ReportTable.SUMMARY:
        return ["organisation", "financial_year", *OutcomeCounts.model_fields]
    if table is schemas.ReportTable.OUTCOMES:
        return list(schemas.OutcomeRow.model_fields)
    if table is schemas.ReportTable.REMEDIES:
        return list(schemas.RemedyRow.model_fields)
    return list(schemas.ReportDecision.model_fields)


def _download(body: bytes, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
