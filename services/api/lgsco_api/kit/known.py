"""One rule for an `organisation` parameter naming nothing stored: 404 problem+json with the
stored names most like it, on every endpoint that takes one (a typo must not read as "no
complaints")."""

from __future__ import annotations

import difflib

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_api.kit.errors import Problem
from lgsco_shared.models import Organisation

SIMILAR = 5


def _is_id(key: str) -> bool:
    return key.isascii() and key.isdigit() and len(key) <= 9


async def similar_names(session: AsyncSession, key: str, n: int = SIMILAR) -> list[str]:
    """Stored names most like `key`: those containing it (or its first word), then the closest
    by difflib's ratio, any case."""
    wanted = key.strip().lower()
    if not wanted:
        return []
    first = wanted.split()[0]
    containing = await session.scalars(
        select(Organisation.name)
        .where(
            or_(
                func.lower(Organisation.name).contains(wanted, autoescape=True),
                func.lower(Organisation.name).startswith(first, autoescape=True),
            )
        )
        .order_by(Organisation.name)
        .limit(n)
    )
    found = list(containing)
    if len(found) < n:
        names = list(await session.scalars(select(Organisation.name)))
        by_lower = {name.lower(): name for name in names}
        close = difflib.get_close_matches(wanted, list(by_lower), n=n, cutoff=0.6)
        found += [by_lower[c] for c in close if by_lower[c] not in found]
    return found[:n]


async def unknown_organisation(session: AsyncSession, key: str) -> Problem:
    similar = [] if _is_id(key) else await similar_names(session, key)
    hint = f" Similar names: {'; '.join(similar)}." if similar else ""
    return Problem(
        404,
        f"No organisation {key!r} is stored.{hint} See /v1/organisations?q=... for names.",
        title="Unknown organisation",
        parameter="organisation",
        value=key,
        similar=similar,
    )


async def require_known(session: AsyncSession, keys: tuple[str, ...]) -> tuple[int, ...]:
    """The ids `keys` name (ids or exact names, any case); 404 for the first key naming no
    stored organisation."""
    if not keys:
        return ()
    ids = {int(k) for k in keys if _is_id(k)}
    names = {k.strip().lower() for k in keys if not _is_id(k)}
    conditions = []
    if ids:
        conditions.append(Organisation.id.in_(ids))
    if names:
        conditions.append(func.lower(Organisation.name).in_(names))
    rows = (
        await session.execute(
            select(Organisation.id, func.lower(Organisation.name)).where(or_(*conditions))
        )
    ).all()
    found_ids = {row[0] for row in rows}
    found_names = {row[1] for row in rows}
    for key in keys:
        known = int(key) in found_ids if _is_id(key) else key.strip().lower() in found_names
        if not known:
            raise await unknown_organisation(session, key)
    return tuple(sorted(found_ids))
