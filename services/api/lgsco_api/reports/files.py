"""The annual report as the files complaints officers open: an Excel workbook of its tables
(openpyxl) and the decisions appendix as a Word document (python-docx), in the form of a
council's annual report (Kent 2023-24, appendix 6: each decision's heading line, then its
summary). Column headers here are also the report CSV's.

Cells are typed: dates are dates, money is currency, rates are percentages, counts are
numbers. Text that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a
carriage return) is written as text with a leading apostrophe, as in the CSV.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from docx import Document
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from lgsco_api.kit.csvout import neutralise
from lgsco_api.reports.schemas import AnnualReport, ReportDecision, ReportTable

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

DATE_FORMAT = "d mmmm yyyy"
MONEY_FORMAT = '"£"#,##0.00'
RATE_FORMAT = "0.0%"

# Column -> the header a person reads, for the report's CSV and workbook alike.
HEADERS: dict[str, str] = {
    "organisation": "Organisation",
    "financial_year": "Financial year",
    "decisions": "Decisions",
    "upheld": "Upheld",
    "not_upheld": "Not upheld",
    "closed_after_initial_enquiries": "Closed after initial enquiries",
    "unknown": "Outcome not stated",
    "uphold_rate": "Uphold rate",
    "outcome": "Outcome",
    "outcome_source": "Outcome source (stated or inferred)",
    "broad_outcome": "Published outcome",
    "type": "Remedy type code",
    "action": "Action",
    "remedies": "Remedies",
    "amount_total": "Amount stated (£)",
    "amounts_stated": "Remedies stating an amount",
    "heading": "Heading",
    "reference": "Reference",
    "decided_on": "Decision date",
    "decided_on_text": "Decision date (as printed)",
    "category": "Category",
    "subcategory": "Subcategory",
    "summary": "Summary",
    "source_url": "LGSCO page",
}


def header(column: str) -> str:
    return HEADERS.get(column, column.replace("_", " ").capitalize())


def table_rows(report: AnnualReport, table: ReportTable, name: str) -> list[dict[str, Any]]:
    """The rows of one table, with the Total rows a council's table ends with."""
    if table is ReportTable.SUMMARY:
        return [
            {
                "organisation": name,
                "financial_year": report.financial_year,
                **report.summary.model_dump(),
            }
        ]
    if table is ReportTable.OUTCOMES:
        rows = [r.model_dump() for r in report.outcomes]
        rows.append({"outcome": "Total", "decisions": sum(r.decisions for r in report.outcomes)})
        return rows
    if table is ReportTable.REMEDIES:
        rows = [r.model_dump() for r in report.remedies]
        rows.append({"action": "Total", "remedies": report.remedies_total})
        return rows
    return [r.model_dump() | {"remedies": remedies_text(r)} for r in report.decisions]


def remedies_text(decision: ReportDecision) -> str:
    """ "Formal apology (completed); Financial remedy £300 to Mrs X (pending)"."""
    parts = []
    for r in decision.remedies:
        amount = f" £{r.amount:,.2f}".replace(".00", "") if r.amount is not None else ""
        payee = f" to {r.payee}" if r.payee else ""
        parts.append(f"{r.action}{amount}{payee} ({r.status.value.replace('_', ' ')})")
    return "; ".join(parts)


# Which columns each sheet shows (the workbook leaves out the codes a person does not read).
SHEETS: dict[ReportTable, tuple[str, Sequence[str]]] = {
    ReportTable.SUMMARY: (
        "Summary",
        (
            "organisation",
            "financial_year",
            "decisions",
            "upheld",
            "not_upheld",
            "closed_after_initial_enquiries",
            "unknown",
            "uphold_rate",
        ),
    ),
    ReportTable.OUTCOMES: ("Outcomes", ("outcome", "outcome_source", "decisions")),
    ReportTable.REMEDIES: (
        "Remedies",
        ("action", "remedies", "decisions", "amount_total", "amounts_stated"),
    ),
    ReportTable.DECISIONS: (
        "Decisions",
        (
            "reference",
            "decided_on",
            "outcome",
            "outcome_source",
            "category",
            "subcategory",
            "summary",
            "remedies",
            "source_url",
        ),
    ),
}
_WIDTHS = {"summary": 80, "remedies": 50, "source_url": 45, "heading": 60}
_MONEY = {"amount_total"}
_RATES = {"uphold_rate"}


def _value(column: str, value: Any) -> Any:
    if value is None:
        return None
    if hasattr(value, "value") and not isinstance(value, Decimal):  # an enum: its code
        value = value.value
    if isinstance(value, bool | int | float | Decimal | date):
        return float(value) if isinstance(value, Decimal) else value
    return neutralise(str(value))


def _sheet(ws: Worksheet, columns: Sequence[str], rows: list[dict[str, Any]]) -> None:
    ws.append([header(c) for c in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        ws.append([_value(c, row.get(c)) for c in columns])
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        for cell in ws[letter][1:]:
            if column in _MONEY:
                cell.number_format = MONEY_FORMAT
            elif column in _RATES:
                cell.number_format = RATE_FORMAT
            elif isinstance(cell.value, date):
                cell.number_format = DATE_FORMAT
            if column in _WIDTHS:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        longest = max([len(header(column))] + [len(str(r.get(column) or "")) for r in rows[:200]])
        ws.column_dimensions[letter].width = _WIDTHS.get(column, min(max(longest + 2, 10), 40))
    ws.freeze_panes = "A2"


def annual_xlsx(report: AnnualReport, name: str) -> bytes:
    """One sheet per table of the report, header row frozen, cells typed."""
    book = Workbook()
    first = True
    for table, (title, columns) in SHEETS.items():
        ws = book.active if first else book.create_sheet()
        assert ws is not None
        first = False
        ws.title = title
        _sheet(ws, columns, table_rows(report, table, name))
    book.properties.title = f"{name}: LGSCO decisions {report.financial_year}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


APPENDIX_TITLE = "Local Government and Social Care Ombudsman Decisions"


def appendix_docx(report: AnnualReport, name: str, attribution: str) -> bytes:
    """The decisions appendix: the title, then for each decision its heading line in bold and
    "Summary: ..." beneath, in the report's order (by outcome group, then date)."""
    document = Document()
    document.core_properties.title = f"{name}: {APPENDIX_TITLE} {report.financial_year}"
    document.add_heading(APPENDIX_TITLE, level=1)
    for decision in report.decisions:
        line = document.add_paragraph()
        run = line.add_run(decision.heading)
        run.bold = True
        document.add_paragraph(f"Summary: {decision.summary}")
    note = document.add_paragraph(attribution)
    for run in note.runs:
        run.font.size = Pt(8)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
