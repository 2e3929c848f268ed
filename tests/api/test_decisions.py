"""/v1/decisions on factory rows: cursors under concurrent inserts, incremental sync, fields,
withdrawn decisions and the full record."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_shared.domain import Outcome, PublicationStatus, RemedyType
from tests.api.factories import make_decision, make_remedy

ORG = "Pagingham District Council"


class TestCursor:
    async def test_pages_are_stable_when_decisions_arrive_between_them(
        self, api: AsyncClient, session: AsyncSession
    ) -> None:
        for day in range(1, 11):
            await make_decision(session, organisations=(ORG,), decided_on=date(2024, 1, day))
        params = {"organisation": ORG, "limit": 4}
        first = (await api.get("/v1/decisions", params=params)).json()
        # newer and same-day decisions arrive while the client pages
        await make_decision(session, organisations=(ORG,), decided_on=date(2024, 2, 1))
        await make_decision(session, organisations=(ORG,), decided_on=date(2024, 1, 7))
        seen = [i["decided_on"] for i in first["items"]]
        cursor = first["next_cursor"]
        while cursor:
            page = (await api.get("/v1/decisions", params=params | {"cursor": cursor})).json()
            seen += [i["decided_on"] for i in page["items"]]
            cursor = page["next_cursor"]
        assert seen[:4] == ["2024-01-10", "2024-01-09", "2024-01-08", "2024-01-07"]
        assert seen[4:] == [f"2024-01-{d:02d}" for d in range(6, 0, -1)]

    async def test_ties_on_the_sort_key_split_by_id(
        self, api: AsyncClient, session: AsyncSession
    ) -> None:
        made = [
            await make_decision(session, organisations=(ORG,), decided_on=date(2024, 3, 1))
            for _ in range(5)
        ]
        references: list[str] = []
        cursor = None
        while True:
            params = {"organisation": ORG, "limit": 2} | ({"cursor": cursor} if cursor else {})
            page = (await api.get("/v1/decisions", params=params)).json()
            references += [i["reference"] for i in page["items"]]
            if not (cursor := page["next_cursor"]):
                break
        assert references == [d.reference for d in sorted(made, key=lambda d: -d.id)]


class TestIncrementalSync:
    async def test_changed_since_returns_changes_in_change_order(
        self, api: AsyncClient, session: AsyncSession
    ) -> None:
        base = datetime(2030, 1, 1, tzinfo=UTC)
        old = await make_decision(session, organisations=(ORG,), last_changed_at=base)
        newer = await make_decision(
            session, organisations=(ORG,), last_changed_at=base + timedelta(hours=2)
        )
        withdrawn = await make_decision(
            session,
            organisations=(ORG,),
            last_changed_at=base + timedelta(hours=1),
            status=PublicationStatus.WITHDRAWN,
            withdrawn_on=date(2030, 1, 1),
        )
        response = await api.get(
            "/v1/decisions", params={"changed_since": "2030-01-01T00:30:00Z", "limit": 1}
        )
        page = response.json()
        assert page["sort"] == "changed_at"
        assert [i["reference"] for i in page["items"]] == [withdrawn.reference]
        assert page["items"][0]["status"] == "withdrawn"
        rest = await api.get(
            "/v1/decisions",
            params={"changed_since": "2030-01-01T00:30:00Z", "cursor": page["next_cursor"]},
        )
        assert [i["reference"] for i in rest.json()["items"]] == [newer.reference]
        assert old.reference not in response.text

    async def test_status_filter(self, api: AsyncClient, session: AsyncSession) -> None:
        gone = await make_decision(
            session, organisations=(ORG,), status=PublicationStatus.WITHDRAWN
        )
        await make_decision(session, organisations=(ORG,))
        response = await api.get(
            "/v1/decisions", params={"organisation": ORG, "status": "withdrawn"}
        )
        assert [i["reference"] for i in response.json()["items"]] == [gone.reference]


class TestFields:
    async def test_fields_trim_items_but_keep_reference_and_attribution(
        self, api: AsyncClient, session: AsyncSession
    ) -> None:
        await make_decision(session, organisations=(ORG,))
        response = await api.get("/v1/decisions", params={"organisation": ORG, "fields": "outcome"})
        [item] = response.json()["items"]
        assert set(item) == {"outcome", "reference", "source_url", "attribution"}

    async def test_has_remedy_filter(self, api: AsyncClient, session: AsyncSession) -> None:
        with_remedy = await make_decision(session, organisations=(ORG,))
        await make_remedy(session, with_remedy)
        await make_decision(session, organisations=(ORG,))
        response = await api.get(
            "/v1/decisions", params={"organisation": ORG, "has_remedy": "true"}
        )
        assert [i["reference"] for i in response.json()["items"]] == [with_remedy.reference]


class TestRecord:
    async def test_full_record(self, api: AsyncClient, session: AsyncSession) -> None:
        decision = await make_decision(
            session,
            organisations=(ORG, "Second Care Homes Ltd"),
            outcome=Outcome.UPHELD,
            fine_outcome="Upheld: fault and injustice",
            decided_on=date(2024, 3, 31),
        )
        await make_remedy(
            session, decision, type=RemedyType.FINANCIAL_PAYMENT, amount=Decimal("250")
        )
        response = await api.get(f"/v1/decisions/{decision.reference.replace(' ', '')}")
        assert response.status_code == 200
        record = response.json()
        assert [o["name"] for o in record["organisations"]] == [ORG, "Second Care Homes Ltd"]
        assert record["organisations"][1]["kind"] == "care_provider"
        assert record["financial_year"] == "2023-24"
        assert record["sections"][0]["heading"] == "The complaint"
        assert record["remedies"][0]["amount"] == "250.00"
        assert record["versions"][0]["version"] == 1
        assert record["source_url"] == ("https://www.lgo.org.uk" + decision.permalink)
        assert record["fine_outcome"] == "Upheld: fault and injustice"
