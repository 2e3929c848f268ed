"""A company is stored as a care provider only on evidence: a decision in the LGSCO's "Adult
care services" category names it. A company first seen in another category is `unknown`, and
becomes a care provider when an adult social care decision names it; a council never changes."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_ingest import jobs
from lgsco_ingest.pipeline import Ingestor
from lgsco_shared.domain import FetchResult, OrganisationKind
from lgsco_shared.models import Organisation
from tests.fakesite.made_up import invented_decision
from tests.fakesite.server import FakeSite

HOUSING = ("Housing", "Allocations")


async def _kinds(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, OrganisationKind]:
    async with sessionmaker() as session:
        rows = await session.execute(select(Organisation.name, Organisation.kind))
        return {name: kind for name, kind in rows}


async def test_the_category_is_the_evidence_of_a_care_provider(
    fake_site: FakeSite, sessionmaker: async_sessionmaker[AsyncSession], ctx: jobs.JobContext
) -> None:
    pages = [
        invented_decision("25 000 811", date(2025, 2, 3), organisation="Meadow View Care Ltd"),
        invented_decision(
            "25 000 812", date(2025, 2, 4), organisation="Riverside Homes Ltd", category=HOUSING
        ),
        invented_decision(
            "25 000 813", date(2025, 2, 5), organisation="Kent County Council", category=HOUSING
        ),
    ]
    for page in pages:
        fake_site.add(page)
    ingestor = Ingestor(sessionmaker, ctx["client"])
    for page in pages:
        outcome = await ingestor.ingest(page.reference, path=page.path)
        assert outcome.result == FetchResult.NEW
    assert await _kinds(sessionmaker) == {
        "Meadow View Care Ltd": OrganisationKind.CARE_PROVIDER,
        "Riverside Homes Ltd": OrganisationKind.UNKNOWN,  # a company form alone says nothing
        "Kent County Council": OrganisationKind.COUNTY,
    }

    later = [
        invented_decision("25 000 814", date(2025, 3, 3), organisation="Riverside Homes Ltd"),
        invented_decision("25 000 815", date(2025, 3, 4), organisation="Kent County Council"),
    ]
    for page in later:
        fake_site.add(page)
        await ingestor.ingest(page.reference, path=page.path)
    assert await _kinds(sessionmaker) == {
        "Meadow View Care Ltd": OrganisationKind.CARE_PROVIDER,
        "Riverside Homes Ltd": OrganisationKind.CARE_PROVIDER,  # now named in adult care
        "Kent County Council": OrganisationKind.COUNTY,
    }
