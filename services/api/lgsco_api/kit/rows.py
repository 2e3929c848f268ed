"""Run a read-only SELECT on the session's connection and get plain rows back.

`AsyncSession.execute` routes every statement through the ORM's execution layer (compile-state
setup, loader options, identity-map bookkeeping) even when it selects bare columns; on the hot
read paths that costs several times the query itself. Executing on the session's connection
stays inside the session's transaction (tests roll it back) and skips that layer. Callers flush
nothing: read paths have no pending ORM changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Executable, RowMapping
from sqlalchemy.ext.asyncio import AsyncSession


async def fetch_all(
    session: AsyncSession, statement: Executable, params: Mapping[str, Any] | None = None
) -> list[RowMapping]:
    conn = await session.connection()
    return list((await conn.execute(statement, params)).mappings())


async def fetch_one(
    session: AsyncSession, statement: Executable, params: Mapping[str, Any] | None = None
) -> RowMapping | None:
    conn = await session.connection()
    return (await conn.execute(statement, params)).mappings().first()


async def fetch_scalar(
    session: AsyncSession, statement: Executable, params: Mapping[str, Any] | None = None
) -> Any:
    conn = await session.connection()
    return (await conn.execute(statement, params)).scalar()
