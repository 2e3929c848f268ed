"""The schema is created only by Alembic, and the history goes down and up cleanly."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from lgsco_shared.db import make_engine
from lgsco_shared.migrate import downgrade, upgrade
from lgsco_shared.models import Base
from tests.conftest import drop_database, fresh_database


@pytest.fixture
def scratch_url(pg_admin_url: str) -> Iterator[str]:
    url = fresh_database(pg_admin_url, "migrations")
    yield url
    drop_database(pg_admin_url, url)


async def _tables(url: str) -> set[str]:
    engine = make_engine(url, pool=False)
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        )
        names = {r[0] for r in rows}
    await engine.dispose()
    return names


def test_upgrade_creates_every_model_table_and_downgrade_removes_them(scratch_url: str) -> None:
    models = set(Base.metadata.tables)
    assert asyncio.run(_tables(scratch_url)) == models | {"alembic_version"}
    downgrade(scratch_url, "base")
    assert asyncio.run(_tables(scratch_url)) == {"alembic_version"}
    upgrade(scratch_url)
    assert asyncio.run(_tables(scratch_url)) == models | {"alembic_version"}


async def _execute(url: str, *statements: str) -> list[tuple[object, ...]]:
    engine = make_engine(url, pool=False)
    async with engine.begin() as conn:
        for statement in statements[:-1]:
            await conn.execute(text(statement))
        rows = [tuple(r) for r in await conn.execute(text(statements[-1]))]
    await engine.dispose()
    return rows


def test_0007_classifies_stored_organisations_from_the_authority_table(scratch_url: str) -> None:
    """Names once guessed from their words get their type from the table; councils it does not
    hold become unknown; a county replaced by a unitary council keeps its kind per decision."""
    downgrade(scratch_url, "0005")
    asyncio.run(
        _execute(
            scratch_url,
            "INSERT INTO organisation (name, kind) VALUES ('Reading Borough Council', 'district'),"
            " ('Loamshire County Council', 'county'), ('Acorn Homes Ltd', 'care_provider'),"
            " ('Somerset Council', 'unitary')",
            "INSERT INTO decision (reference, permalink, summary, body_text, sections,"
            " parse_warnings, has_remedy, status, content_hash, parser_version, version,"
            " last_fetched_at, last_changed_at, decided_on) VALUES"
            " ('22 000 001', '/d/22-000-001', 's', 's', '[]', '[]', false, 'published', 'h1',"
            " 't', 1, now(), now(), '2022-06-01'),"
            " ('24 000 001', '/d/24-000-001', 's', 's', '[]', '[]', false, 'published', 'h2',"
            " 't', 1, now(), now(), '2024-06-01')",
            "INSERT INTO decision_organisation (decision_id, organisation_id, position)"
            " SELECT d.id, o.id, 0 FROM decision d, organisation o"
            " WHERE o.name = 'Somerset Council'",
            "SELECT 1",
        )
    )
    upgrade(scratch_url)
    organisations = asyncio.run(
        _execute(scratch_url, "SELECT name, kind, gss_code FROM organisation ORDER BY name")
    )
    assert organisations == [
        ("Acorn Homes Ltd", "care_provider", None),
        ("Loamshire County Council", "unknown", None),
        ("Reading Borough Council", "unitary", "E06000038"),
        ("Somerset Council", "unitary", "E06000066"),
    ]
    links = asyncio.run(
        _execute(
            scratch_url,
            "SELECT d.reference, x.kind FROM decision_organisation x"
            " JOIN decision d ON d.id = x.decision_id ORDER BY d.reference",
        )
    )
    assert links == [("22 000 001", "county"), ("24 000 001", "unitary")]
    downgrade(scratch_url, "0005")
    kinds = asyncio.run(_execute(scratch_url, "SELECT DISTINCT kind FROM organisation"))
    assert ("unknown",) not in kinds
