"""API keys: shown once, stored as a SHA-256 only, checked in constant time, revocable."""

from __future__ import annotations

import hashlib

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_api.keys import service as keys


class TestCreateKey:
    async def test_token_shape_and_hash_only(self, session: AsyncSession) -> None:
        key, token = await keys.create_key(session, "council-crm", ["read", "jobs:write"])
        prefix, _, secret = token.removeprefix("lgsco_").partition("_")
        assert prefix == key.prefix
        assert key.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in (key.secret_sha256, key.prefix)
        assert key.scopes == ["read", "jobs:write"]

    @pytest.mark.parametrize("scopes", [["write"], []])
    async def test_refuses_unknown_or_no_scopes(
        self, session: AsyncSession, scopes: list[str]
    ) -> None:
        with pytest.raises(keys.InvalidKeyRequest):
            await keys.create_key(session, "bad", scopes)

    async def test_refuses_duplicate_names(self, session: AsyncSession) -> None:
        await keys.create_key(session, "twice", ["read"])
        with pytest.raises(keys.InvalidKeyRequest, match="already exists"):
            await keys.create_key(session, "twice", ["read"])


class TestAuthenticate:
    async def test_accepts_the_token_and_refuses_a_changed_one(self, session: AsyncSession) -> None:
        key, token = await keys.create_key(session, "checker", ["read"])
        assert await keys.authenticate(session, token) is key
        tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
        assert await keys.authenticate(session, tampered) is None
        assert await keys.authenticate(session, "lgsco_nothing") is None

    async def test_revoked_keys_stop_working(self, api: AsyncClient, session: AsyncSession) -> None:
        _key, token = await keys.create_key(session, "leaver", ["admin"])
        headers = {"Authorization": f"Bearer {token}"}
        assert (await api.get("/v1/jobs", headers=headers)).status_code == 200
        assert await keys.revoke_key(session, "leaver")
        assert (await api.get("/v1/jobs", headers=headers)).status_code == 401

    async def test_use_is_recorded(self, api: AsyncClient, session: AsyncSession) -> None:
        key, token = await keys.create_key(session, "recorded", ["read"])
        await api.get("/v1/status", headers={"Authorization": f"Bearer {token}"})
        await session.refresh(key)
        assert key.last_used_at is not None
