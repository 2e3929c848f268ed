"""Run Alembic migrations programmatically (what `lgsco migrate`, `lgsco up` and tests call), and
tell whether a database's schema is the one this release needs."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncConnection

from lgsco_shared.db import make_engine


def migrations_dir() -> Path:
    """The Alembic scripts: packaged inside a wheel, else `migrations/` of the repository."""
    packaged = Path(__file__).parent / "migrations"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the schema to `revision`. Synchronous: call it before starting an event loop."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


@cache
def head_revision() -> str:
    """The revision this release's code expects (the newest migration)."""
    head = ScriptDirectory.from_config(alembic_config("")).get_current_head()
    assert head is not None  # there are migrations
    return head


@cache
def known_revisions() -> frozenset[str]:
    script = ScriptDirectory.from_config(alembic_config(""))
    return frozenset(rev.revision for rev in script.walk_revisions())


@dataclass(frozen=True, slots=True)
class SchemaState:
    current: str | None  # None: no schema at all (a fresh database)
    head: str

    @property
    def ready(self) -> bool:
        return self.current == self.head

    def problem(self) -> str | None:
        """Why this code cannot work on the database, in one line; None when it can."""
        if self.ready:
            return None
        if self.current is None:
            return f"the database has no schema (this release needs revision {self.head})"
        if self.current not in known_revisions():
            return (
                f"the database schema is at revision {self.current}, which this release does "
                f"not know (it needs {self.head}): the database is newer than this code"
            )
        return f"the database schema is at revision {self.current}; this release needs {self.head}"


async def current_revision(conn: AsyncConnection) -> str | None:
    """The revision stamped in the database, or None if it has never been migrated."""
    exists = await conn.scalar(text("SELECT to_regclass('alembic_version') IS NOT NULL"))
    if not exists:
        return None
    found = await conn.scalar(text("SELECT version_num FROM alembic_version LIMIT 1"))
    return None if found is None else str(found)


async def schema_state_async(conn: AsyncConnection) -> SchemaState:
    return SchemaState(current=await current_revision(conn), head=head_revision())


class DatabaseUnavailable(Exception):
    """The database could not be reached to check its schema."""


def schema_state(database_url: str) -> SchemaState:
    """Synchronous: call it before starting an event loop."""

    async def read() -> SchemaState:
        engine = make_engine(database_url, pool=False)
        try:
            async with engine.connect() as conn:
                return await schema_state_async(conn)
        except (OSError, DBAPIError, ProgrammingError) as exc:
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise DatabaseUnavailable(f"cannot reach the database: {reason}") from None
        finally:
            await engine.dispose()

    return asyncio.run(read())


def main(argv: list[str] | None = None) -> None:
    """`lgsco-migrate`: bring the configured database to this release's schema, then exit."""
    import argparse

    from lgsco_shared import runtime

    argparse.ArgumentParser(
        prog="lgsco-migrate", description="Apply database migrations (alembic upgrade head)."
    ).parse_args(argv)
    settings = runtime.load()
    with runtime.attached(settings, runtime.Schema.NONE) as urls:
        was = runtime.prepare_schema(urls.database_url, upgrade=True, announce=False)
    done = f"upgraded from {was} to" if was else "already at"
    print(f"database schema {done} revision {head_revision()} (the latest)")
