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
