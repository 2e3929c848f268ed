"""API keys: creation (for `lgsco keys create`), lookup by bearer token, revocation.

A token reads `lgsco_<prefix>_<secret>`. The prefix finds the row and can be shown in lists;
only the SHA-256 of the secret is stored, compared in constant time, so a leaked database does
not leak usable keys. The caller owns the transaction: these functions flush, never commit.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_shared.models import ApiKey

SCOPES = ("read", "remedies:write", "jobs:write", "subscriptions:write", "admin")
TOKEN_PREFIX = "lgsco"  # noqa: S105 - a label, not a secret  # nosec B105
_TOKEN = re.compile(r"^lgsco_([0-9a-f]{12})_([A-Za-z0-9_\-]{32,64})$")
# Recording every use would turn each read into a write; a minute's precision is enough.
LAST_USED_PRECISION = timedelta(minutes=1)


class InvalidKeyRequest(ValueError):
    """A key cannot be created as asked (unknown scope, empty or duplicate name)."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_scopes(scopes: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(s.strip() for s in scopes if s.strip()))
    unknown = [s for s in chosen if s not in SCOPES]
    if unknown:
        raise InvalidKeyRequest(
            f"unknown scope(s) {', '.join(unknown)}; choose from {', '.join(SCOPES)}"
        )
    if not chosen:
        raise InvalidKeyRequest(f"give at least one scope: {', '.join(SCOPES)}")
    return chosen


async def create_key(session: AsyncSession, name: str, scopes: Iterable[str]) -> tuple[ApiKey, str]:
    """Store a new key and return it with its token, which is shown once and never stored."""
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidKeyRequest("a key needs a name of 1 to 200 characters")
    chosen = check_scopes(scopes)
    if await session.scalar(select(ApiKey.id).where(ApiKey.name == name)) is not None:
        raise InvalidKeyRequest(f"a key named {name!r} already exists")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(name=name, prefix=prefix, secret_sha256=_digest(secret), scopes=chosen)
    session.add(key)
    await session.flush()
    return key, f"{TOKEN_PREFIX}_{prefix}_{secret}"


async def authenticate(session: AsyncSession, token: str) -> ApiKey | None:
    """The live key a token belongs to, or None (malformed, unknown, wrong secret, revoked)."""
    match = _TOKEN.match(token)
    if match is None:
        return None
    prefix, secret = match.groups()
    key = await session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(key.secret_sha256, _digest(secret)):
        return None
    return key


async def touch(session: AsyncSession, key: ApiKey) -> bool:
    """Record use of a key at most once a minute; True when a write happened (caller commits)."""
    now = datetime.now(UTC)
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_PRECISION:
        return False
    await session.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
    return True


async def revoke_key(session: AsyncSession, name: str) -> bool:
    result = await session.execute(
        update(ApiKey)
        .where(ApiKey.name == name, ApiKey.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
        .returning(ApiKey.id)
    )
    return result.first() is not None


async def list_keys(session: AsyncSession) -> list[ApiKey]:
    return list((await session.scalars(select(ApiKey).order_by(ApiKey.name))).all())
