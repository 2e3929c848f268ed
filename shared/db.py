"""Database plumbing: declarative base with a naming convention, engine and session factories."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import NullPool

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def async_url(url: str) -> str:
    """postgresql://... -> postgresql+asyncpg://... (what SQLAlchemy's async engine needs).

    Managed providers print `?sslmode=require`; asyncpg calls the same option `ssl`.
    """
    url = url.replace("sslmode=", "ssl=")
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


CONNECT_TIMEOUT = 5  # seconds to open a connection: a dead server costs a request no more


def make_engine(url: str, *, pool: bool = True, statement_timeout_ms: int = 30_000) -> AsyncEngine:
    """An asyncpg engine; `pool=False` for short-lived processes and tests."""
    kwargs: dict[str, object] = {
        "connect_args": {
            "server_settings": {"statement_timeout": str(statement_timeout_ms)},
            "timeout": CONNECT_TIMEOUT,
        },
        "pool_pre_ping": True,
    }
    if pool:
        kwargs |= {"pool_size": 10, "max_overflow": 10, "pool_timeout": 2}
    else:
        kwargs["poolclass"] = NullPool
    return create_async_engine(async_url(url), **kwargs)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
