"""The annual report as a complaints officer files it (decisions written for this test)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import docx
import openpyxl
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_shared.domain import Outcome, RemedyCommitment, RemedyStatus, RemedyType
from tests.api.factories import make_decision, make_remedy

ORG = "Reportshire County Council"
PARAMS = {"organisation": ORG, "financial_year": "2023-24"}


async def seed(session: AsyncSession) -> None:
    await make_decision(
        session,
        organisations=(ORG,),
        outcome=Outcome.NOT_UPHELD,
        decided_on=date(2023, 5, 2),
        reference="23 000 101",
        subcategory="Blue badge",
        fine_outcome="Not upheld: no fault",
        finding="no_fault",
    )
    upheld = await make_decision(
        session,
        organisations=(ORG,),
        outcome=Outcome.UPHELD,
        decided_on=date(2023, 12, 5),
        reference="23 005 403",
        subcategory="Charging",
        fine_outcome="Upheld: fault and injustice",
        finding="fault_and_injustice",
    )
    await make_remedy(session, upheld, position=0, status=RemedyStatus.COMPLETED,
                      commitment=RemedyCommitment.ALREADY_DONE)  # fmt: skip
    await make_remedy(session, upheld, position=1, type=RemedyType.FINANCIAL_PAYMENT,
                      amount=Decimal("300"), payee="Mr C")  # fmt: skip
    await make_decision(
        session,
        organisations=(ORG,),
        outcome=Outcome.UPHELD,
        decided_on=date(2023, 6, 1),
        reference="23 001 002",
        subcategory="Charging",
    )


async def test_decisions_are_listed_as_councils_print_them(
    api: AsyncClient, session: AsyncSession
) -> None:
    await seed(session)
    report = (await api.get("/v1/reports/annual", params=PARAMS)).json()
    decisions = report["decisions"]
    assert [d["heading"] for d in decisions] == [
        "Upheld: Fault and Injustice: Charging - 5 December 2023 (23 005 403)",
        "Upheld: Charging - 1 June 2023 (23 001 002)",
        "Not upheld: No Fault: Blue badge - 2 May 2023 (23 000 101)",
    ]
    assert [d["outcome_source"] for d in decisions] == ["inferred", "stated", "inferred"]
    assert [(r["action"], r["status"], r["amount"]) for r in decisions[0]["remedies"]] == [
        ("Formal apology", "completed", None),
        ("Financial remedy", "pending", "300.00"),
    ]
    by_date = (await api.get("/v1/reports/annual", params=PARAMS | {"order": "date"})).json()
    assert [d["reference"] for d in by_date["decisions"]] == [
        "23 000 101",
        "23 001 002",
        "23 005 403",
    ]


async def test_every_finer_outcome_has_a_row(api: AsyncClient, session: AsyncSession) -> None:
    await seed(session)
    rows = (await api.get("/v1/reports/annual", params=PARAMS)).json()["outcomes"]
    table = {r["outcome"]: (r["decisions"], r["outcome_source"]) for r in rows}
    assert len(rows) == 9
    assert table["Upheld: Fault and Injustice"] == (1, "inferred")
    assert table["Upheld: Fault, No Injustice"] == (0, "inferred")
    assert table["Referred back for local resolution"] == (0, "inferred")
    assert table["Upheld"] == (1, "stated")


async def test_the_decisions_csv_names_each_remedy_and_its_status(
    api: AsyncClient, session: AsyncSession
) -> None:
    await seed(session)
    response = await api.get(
        "/v1/reports/annual", params=PARAMS | {"format": "csv", "table": "decisions"}
    )
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0]["Heading"].startswith("Upheld: Fault and Injustice: Charging")
    assert (
        rows[0]["Remedies"] == "Formal apology (completed); Financial remedy £300 to Mr C (pending)"
    )


async def test_the_csv_headers_are_for_people(api: AsyncClient, session: AsyncSession) -> None:
    await seed(session)
    response = await api.get(
        "/v1/reports/annual", params=PARAMS | {"format": "csv", "table": "remedies"}
    )
    header = response.content.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Remedy type code,Action,Remedies,Decisions,Amount stated (£)")


class TestFiles:
    async def test_the_workbook_has_a_typed_sheet_per_table(
        self, api: AsyncClient, session: AsyncSession
    ) -> None:
        await seed(session)
        response = await api.get("/v1/reports/annual", params=PARAMS | {"format": "xlsx"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        assert 'filename="annual-2023-24.xlsx"' in response.headers["content-disposition"]
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        assert book.sheetnames == ["Summary", "Outcomes", "Remedies", "Decisions"]
        for sheet in book.worksheets:
            assert sheet.freeze_panes == "A2"
            assert all(c.font.bold for c in sheet[1])

        summary = book["Summary"]
        assert [c.value for c in summary[1]][:3] == ["Organisation", "Financial year", "Decisions"]
        assert summary["C2"].value == 3
        rate = summary["H2"]
        assert summary["H1"].value == "Uphold rate"
        assert rate.value == 0.6667 and rate.number_format == "0.0%"  # 2 upheld of 3 investigated

        remedies = {r[0].value: r for r in book["Remedies"].iter_rows(min_row=2)}
        money = remedies["Financial remedy"][3]
        assert book["Remedies"]["D1"].value == "Amount stated (£)"
        assert money.value == 300 and money.number_format == '"£"#,##0.00'
        assert remedies["Total"][1].value == 2

        decisions = book["Decisions"]
        assert [c.value for c in decisions[1]][:3] == ["Reference", "Decision date", "Outcome"]
        first = decisions["B2"]
        assert isinstance(first.value, datetime) and first.value.date() == date(2023, 12, 5)
        assert first.number_format == "d mmmm yyyy"
        assert decisions.column_dimensions["G"].width == 80  # the summary column

        outcomes = [r[0].value for r in book["Outcomes"].iter_rows(min_row=2)]
        assert outcomes[0] == "Upheld: Fault and Injustice" and outcomes[-1] == "Total"

    async def test_a_formula_is_text_in_the_workbook(
        self, api: AsyncClient, session: AsyncSession
    ) -> None:
        await make_decision(
            session,
            organisations=(ORG,),
            decided_on=date(2023, 7, 1),
            summary='=HYPERLINK("https://evil.example","click")',
            subcategory="@SUM(1+1)",
        )
        response = await api.get("/v1/reports/annual", params=PARAMS | {"format": "xlsx"})
        sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Decisions"]
        cells = [c for row in sheet.iter_rows() for c in row]
        assert not [c for c in cells if c.data_type == "f"]  # no formula anywhere
        summary = sheet["G2"].value
        assert summary == '\'=HYPERLINK("https://evil.example","click")'
        assert sheet["F2"].value == "'@SUM(1+1)"

    async def test_the_appendix_is_a_document_of_headings_and_summaries(
        self, api: AsyncClient, session: AsyncSession
    ) -> None:
        await seed(session)
        response = await api.get("/v1/reports/annual", params=PARAMS | {"format": "docx"})
        assert response.status_code == 200
        assert response.headers["content-type"] == (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        )
        report = (await api.get("/v1/reports/annual", params=PARAMS)).json()
        document = docx.Document(io.BytesIO(response.content))
        paragraphs = [p for p in document.paragraphs if p.text.strip()]
        assert paragraphs[0].text == "Local Government and Social Care Ombudsman Decisions"
        assert paragraphs[0].style.name == "Heading 1"
        body = paragraphs[1:-1]  # the last is the attribution
        assert [p.text for p in body[0::2]] == [d["heading"] for d in report["decisions"]]
        assert all(p.runs[0].bold for p in body[0::2])
        assert [p.text for p in body[1::2]] == [
            f"Summary: {d['summary']}" for d in report["decisions"]
        ]
        assert body[0].text == (
            "Upheld: Fault and Injustice: Charging - 5 December 2023 (23 005 403)"
        )
        assert "Local Government and Social Care Ombudsman" in paragraphs[-1].text

    async def test_table_is_only_for_csv(self, api: AsyncClient, session: AsyncSession) -> None:
        await seed(session)
        response = await api.get(
            "/v1/reports/annual", params=PARAMS | {"format": "xlsx", "table": "outcomes"}
        )
        assert response.status_code == 422
