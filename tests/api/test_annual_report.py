"""The annual report as a complaints officer files it (decisions written for this test)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

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
    assert rows[0]["heading"].startswith("Upheld: Fault and Injustice: Charging")
    assert (
        rows[0]["remedies"] == "Formal apology (completed); Financial remedy £300 to Mr C (pending)"
    )
