"""Alembic environment: async (asyncpg), URL from the caller or from settings / embedded server."""

from __future__ import annotations

import asyncio
from contextlib import ExitStack

from alembic import context
from sqlalchemy import pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import async_engine_from_config

from lgsco_shared.db import async_url
from lgsco_shared.models import Base

config = context.config
target_metadata = Base.metadata


def _database_url(stack: ExitStack) -> str:
    """The URL given by `lgsco migrate` or tests, else LGSCO_DATABASE_URL, else embedded."""
    given = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if given:
        return str(given)
    from lgsco_shared.embedded import service_urls
    from lgsco_shared.settings import get_settings

    settings = get_settings()
    urls = stack.enter_context(service_urls(settings.database_url, "unused", settings.home))
    return urls.database_url


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
    with context.begin_transaction():
        # Two processes starting on one fresh database both upgrade it: the second waits here,
        # then finds the schema at head and does nothing.
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtext('lgsco:migrate'))"))
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = async_engine_from_config(
        {"sqlalchemy.url": async_url(url)}, prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


def run_migrations_online() -> None:
    with ExitStack() as stack:
        asyncio.run(_run_async(_database_url(stack)))


if context.is_offline_mode():
    context.configure(url="postgresql://", target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
