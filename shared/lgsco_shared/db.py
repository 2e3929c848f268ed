"""Database plumbing: declarative base with a naming convention, engine and session factories."""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, event
from sqlalchemy.exc import DBAPIError
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


class DatabaseUnreachable(ConnectionError):
    """Opening a connection to PostgreSQL failed: refused, timed out, host not resolved.

    asyncpg raises these as plain `OSError`/`TimeoutError`, which SQLAlchemy passes through
    unwrapped; renamed at the one place a connection is opened, they cannot be confused with
    any other I/O error (a file, a socket to the site) raised while serving a request.
    """


# SQLSTATEs meaning "the server is not there for you right now": connection exceptions (class
# 08) and a server shutting down or starting up (57P01-57P03). asyncpg raises these as its own
# classes, which SQLAlchemy wraps in a plain DBAPIError rather than an OperationalError.
_SERVER_GONE = frozenset({"57P01", "57P02", "57P03"})


def connection_lost(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be reached (as opposed to a bug or a bad query)."""
    if isinstance(exc, DatabaseUnreachable):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if sqlstate is None and exc.orig is not None:
        sqlstate = getattr(exc.orig.__cause__, "sqlstate", None)
    return isinstance(sqlstate, str) and (sqlstate.startswith("08") or sqlstate in _SERVER_GONE)


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
# The default random_page_cost (4) models spinning disks: with it the planner answers a search
# for a common word ("apologise" matches a third of the decisions) by reading, and decompressing,
# every stored search vector (about 300 ms at 60,000 decisions) instead of the GIN index's
# bitmap (about 30 ms). 1.1 is the usual figure for SSD-backed and managed PostgreSQL.
RANDOM_PAGE_COST = "1.1"


def make_engine(url: str, *, pool: bool = True, statement_timeout_ms: int = 30_000) -> AsyncEngine:
    """An asyncpg engine; `pool=False` for short-lived processes and tests."""
    kwargs: dict[str, object] = {
        "connect_args": {
            "server_settings": {
                "statement_timeout": str(statement_timeout_ms),
                "random_page_cost": RANDOM_PAGE_COST,
            },
            "timeout": CONNECT_TIMEOUT,
        },
        "pool_pre_ping": True,
    }
    if pool:
        kwargs |= {"pool_size": 10, "max_overflow": 10, "pool_timeout": 2}
    else:
        kwargs["poolclass"] = NullPool
    engine = create_async_engine(async_url(url), **kwargs)
    event.listen(engine.sync_engine, "do_connect", _connect)
    return engine


def _connect(dialect: Any, conn_rec: Any, cargs: Any, cparams: Any) -> Any:
    """Open a DBAPI connection as SQLAlchemy would, naming a failure to reach the server."""
    try:
        return dialect.loaded_dbapi.connect(*cargs, **cparams)
    except OSError as exc:  # TimeoutError and ConnectionError are OSErrors
        raise DatabaseUnreachable(f"{type(exc).__name__}: {exc}") from exc


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
