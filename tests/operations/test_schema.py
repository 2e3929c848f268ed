"""A database you run that is behind this release: every command stops with one line naming
`lgsco migrate`, and the API says it is not ready, with the reason, until it has been run."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator

import pytest
from httpx import ASGITransport, AsyncClient
from typer.testing import CliRunner

from lgsco_api.main import create_app
from lgsco_cli.cli import app as cli
from lgsco_shared.migrate import head_revision, upgrade
from tests.conftest import _admin, _with_database, drop_database
from tests.reliability.conftest import api_settings


@pytest.fixture
def empty_database(pg_admin_url: str) -> Iterator[str]:
    """A database that exists and has never been migrated."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"test_empty_{worker}_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(pg_admin_url, f'CREATE DATABASE "{name}"'))
    url = _with_database(pg_admin_url, name)
    yield url
    drop_database(pg_admin_url, url)


@pytest.mark.parametrize(
    "argv",
    [
        ["ingest", "22 003 374"],
        ["crawl", "--from", "2024-01-01", "--to", "2024-01-31"],
        ["reparse"],
        ["keys", "create", "--name", "x"],
    ],
)
def test_a_command_on_an_unmigrated_database_says_run_migrate(
    empty_database: str, redis_url: str, argv: list[str]
) -> None:
    env = {"LGSCO_DATABASE_URL": empty_database, "LGSCO_REDIS_URL": redis_url}
    result = CliRunner().invoke(cli, argv, env=env)
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines() == [
        f"error: the database has no schema (this release needs revision {head_revision()}): "
        "run `lgsco migrate`"
    ]


def test_a_database_behind_this_release_names_both_revisions(
    empty_database: str, redis_url: str
) -> None:
    upgrade(empty_database, "0001")
    env = {"LGSCO_DATABASE_URL": empty_database, "LGSCO_REDIS_URL": redis_url}
    result = CliRunner().invoke(cli, ["reparse"], env=env)
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: the database schema is at revision 0001; this release needs {head_revision()}: "
        "run `lgsco migrate`"
    )


def test_migrate_brings_it_to_head_and_says_so(empty_database: str, redis_url: str) -> None:
    env = {"LGSCO_DATABASE_URL": empty_database, "LGSCO_REDIS_URL": redis_url}
    first = CliRunner().invoke(cli, ["migrate"], env=env)
    assert first.exit_code == 0, first.output
    head = head_revision()
    assert (
        first.output.strip()
        == f"database schema upgraded from nothing to revision {head} (the latest)"
    )
    again = CliRunner().invoke(cli, ["migrate"], env=env)
    assert again.output.strip() == f"database schema already at revision {head} (the latest)"
    assert CliRunner().invoke(cli, ["reparse"], env=env).output.strip() == "nothing stored"


def test_an_unreachable_database_is_one_line(redis_url: str) -> None:
    env = {
        "LGSCO_DATABASE_URL": "postgresql://postgres@127.0.0.1:9/none",
        "LGSCO_REDIS_URL": redis_url,
    }
    result = CliRunner().invoke(cli, ["reparse"], env=env)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot reach the database: ")


async def test_readyz_is_not_ready_until_the_schema_is_at_head(
    empty_database: str, redis_url: str
) -> None:
    app = create_app(api_settings(), database_url=empty_database, redis_url=redis_url)
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://t") as client:
            before = await client.get("/readyz")
            await asyncio.to_thread(upgrade, empty_database)
            after = await client.get("/readyz")
    assert before.status_code == 503
    body = before.json()
    assert body["unavailable"] == ["schema"]
    assert body["checks"]["schema"] == (
        f"the database has no schema (this release needs revision {head_revision()}); "
        "run `lgsco migrate`"
    )
    assert after.status_code == 200
    assert after.json()["checks"] == {"database": "ok", "schema": "ok", "queue": "ok"}
