"""Peer groups from the reference table: kinds and GSS codes on organisations, councils the
table does not match listed for an operator and mapped with PATCH, and comparisons that count
each organisation with the kind it had on each decision's date."""

from __future__ import annotations

from datetime import date

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from tests.api.factories import make_decision


class TestKinds:
    async def test_councils_carry_their_type_and_code(
        self, api: AsyncClient, session: AsyncSession
    ) -> None:
        await make_decision(session, organisations=("Reading Borough Council",))
        await make_decision(session, organisations=("Royal Borough of Kingston upon Thames",))
        listing = (await api.get("/v1/organisations", params={"q": "reading"})).json()
        reading = listing["items"][0]
        assert (reading["kind"], reading["gss_code"]) == ("unitary", "E06000038")
        listing = (await api.get("/v1/organisations", params={"q": "kingston"})).json()
        kingston = listing["items"][0]
        assert (kingston["kind"], kingston["gss_code"]) == ("london_borough", "E09000021")


class TestUnmapped:
    async def test_status_lists_unknown_councils_and_patch_maps_them(
        self, api: AsyncClient, session: AsyncSession, make_key
    ) -> None:
        await make_decision(session, organisations=("Loamshire Council",))
        await make_decision(session, organisations=("Loamshire Council",))
        await make_decision(session, organisations=("Kent County Council",))
        status = (await api.get("/v1/status")).json()
        assert status["organisations_unmapped"] == 1
        [entry] = status["unmapped_organisations"]
        assert (entry["name"], entry["decisions"]) == ("Loamshire Council", 2)

        body = {"gss_code": "E06000038"}
        refused = await api.patch(f"/v1/organisations/{entry['id']}", json=body)
        assert refused.status_code == 401
        reader = await make_key("read")
        refused = await api.patch(f"/v1/organisations/{entry['id']}", json=body, headers=reader)
        assert refused.status_code == 403

        admin = await make_key("admin")
        wrong = await api.patch(
            f"/v1/organisations/{entry['id']}", json={"gss_code": "E06999999"}, headers=admin
        )
        assert wrong.status_code == 422
        mapped = await api.patch(f"/v1/organisations/{entry['id']}", json=body, headers=admin)
        assert mapped.status_code == 200, mapped.text
        assert (mapped.json()["kind"], mapped.json()["gss_code"]) == ("unitary", "E06000038")
        assert mapped.json()["decisions"] == 2
        status = (await api.get("/v1/status")).json()
        assert status["organisations_unmapped"] == 0
        assert status["unmapped_organisations"] == []

        provider = await make_decision(session, organisations=("Acorn Lodge",))
        assert provider.id
        listing = (await api.get("/v1/organisations", params={"q": "acorn"})).json()
        acorn = listing["items"][0]
        assert acorn["kind"] == "unknown"
        mapped = await api.patch(
            f"/v1/organisations/{acorn['id']}", json={"kind": "care_provider"}, headers=admin
        )
        assert (mapped.json()["kind"], mapped.json()["gss_code"]) == ("care_provider", None)
        missing = await api.patch("/v1/organisations/999999", json=body, headers=admin)
        assert missing.status_code == 404


class TestDatedComparison:
    async def test_a_county_replaced_by_a_unitary_counts_with_its_kind_on_the_day(
        self, api: AsyncClient, session: AsyncSession
    ) -> None:
        # One organisation name across the 2023 reorganisation; two county and one unitary peer.
        for day in (date(2022, 6, 1), date(2022, 9, 1), date(2024, 6, 1)):
            await make_decision(session, organisations=("Somerset Council",), decided_on=day)
        await make_decision(
            session, organisations=("Kent County Council",), decided_on=date(2022, 7, 1)
        )
        await make_decision(
            session, organisations=("Wiltshire Council",), decided_on=date(2024, 7, 1)
        )

        before = (
            await api.get(
                "/v1/stats/compare",
                params={"organisation": "Somerset Council", "financial_year": "2022-23"},
            )
        ).json()
        assert before["kind"] == "county"
        assert before["this_organisation"]["decisions"] == 2
        assert before["same_kind"]["decisions"] == 3  # Somerset's two and Kent's one
        assert before["same_kind"]["organisations"] == 2

        after = (
            await api.get(
                "/v1/stats/compare",
                params={"organisation": "Somerset Council", "financial_year": "2024-25"},
            )
        ).json()
        assert after["kind"] == "unitary"
        assert after["same_kind"]["decisions"] == 2  # Somerset's one and Wiltshire's one
        assert after["organisation"]["kind"] == "unitary"
