"""Access control: every protected endpoint × (no key, revoked key, key without the scope, key with
the scope), with reads open and with LGSCO_REQUIRE_API_KEY on. Endpoints are enumerated from the
app itself, so a new one is in the matrix the day it is added. Then the keys themselves: stored
as hashes only, compared in constant time, shown once, revocable, use recorded."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from httpx import AsyncClient
from redis.asyncio import Redis
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_api.keys import service as keys
from lgsco_api.kit.auth import get_principal
from lgsco_api.kit.openapi import private_operations
from lgsco_api.main import create_app
from lgsco_shared.models import ApiKey
from lgsco_shared.queue import QUEUE_NAME
from tests.api.conftest import _client, build_app, make_settings

NOT_AUTH = "not 401/403"


def api_routes(app: FastAPI) -> Iterator[tuple[str, str, APIRoute]]:
    """(method, path, route) for every API route, included routers flattened."""
    try:
        from fastapi.routing import iter_route_contexts  # FastAPI >= 0.160 includes lazily
    except ImportError:  # pragma: no cover - older FastAPI copies routes into app.routes
        contexts = [(r.path, r.methods, r) for r in app.routes if isinstance(r, APIRoute)]
    else:
        contexts = [
            (c.path, c.methods, c.original_route)
            for c in iter_route_contexts(app.routes)
            if isinstance(c.original_route, APIRoute)
        ]
    for path, methods, route in contexts:
        for method in sorted(methods or ()):
            yield method, str(path), route


def calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from calls(sub)


def required_scope(route: APIRoute) -> str | None:
    """The scope a route's `require(...)` dependency names, or None if it checks none."""
    scopes = {getattr(call, "scope", None) for call in calls(route.dependant)} - {None}
    assert len(scopes) <= 1, f"{route.path} requires several scopes: {scopes}"
    return next(iter(scopes), None)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    scope: str
    url: str
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    private: bool = False  # council data: a key is needed even when reads are open
    also: tuple[str, ...] = ()  # other scopes that pass

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.scope}{', private' if self.private else ''}]"


def _example(schema: dict[str, Any], parameter: dict[str, Any]) -> str:
    examples = parameter.get("examples") or schema.get("examples")
    if examples:
        first = examples[0] if isinstance(examples, list) else next(iter(examples.values()))
        return str(first.get("value", first) if isinstance(first, dict) else first)
    if "enum" in schema:
        return str(schema["enum"][0])
    kinds = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
    return "1" if "integer" in kinds else '"1"' if parameter["in"] == "header" else "x"


def _schema(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Follow $ref, and take the first alternative of a oneOf (a discriminated union)."""
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if "oneOf" in schema:
        return _schema(spec, schema["oneOf"][0])
    return schema


def _body(spec: dict[str, Any], operation: dict[str, Any]) -> Any:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return None
    examples = content.get("examples") or _schema(spec, content.get("schema", {})).get("examples")
    if not examples:
        return {}
    first = examples[0] if isinstance(examples, list) else next(iter(examples.values()))
    return first.get("value", first) if isinstance(first, dict) and "value" in first else first


# Council data, private whatever LGSCO_REQUIRE_API_KEY says: remedy tracking (its reads and its
# statistics: evidence notes, status history, the names of the keys that changed them), runs and
# schedules (failures with their raw pages). Everything else a GET serves is the LGSCO's published
# decisions and figures computed from them, open unless keys are required.
PRIVATE_READS = {
    ("GET", "/v1/remedies"),
    ("GET", "/v1/remedies/{remedy_id}"),
    ("GET", "/v1/remedies/{remedy_id}/history"),
    ("GET", "/v1/stats/remedies"),
    ("GET", "/v1/stats/compliance"),
    ("GET", "/v1/jobs"),
    ("GET", "/v1/jobs/{run_id}"),
    ("GET", "/v1/schedules"),
    ("GET", "/v1/schedules/{schedule_id}"),
    ("GET", "/v1/schedules/{schedule_id}/runs"),
}


def also_scopes(route: APIRoute) -> tuple[str, ...]:
    return tuple(s for call in calls(route.dependant) for s in getattr(call, "also", ()))


def protected_operations() -> list[Operation]:
    """Every route that authenticates, with a request that passes validation where examples
    allow (the 'with the scope' column then shows a real answer, not a 422)."""
    app = create_app(make_settings(), database_url="postgresql://unused/x", redis_url="redis://x")
    spec = app.openapi()
    private = private_operations(app)
    found = []
    for method, path, route in api_routes(app):
        if get_principal not in set(calls(route.dependant)):
            continue
        operation = spec["paths"][path][method.lower()]
        url, params, headers = path, {}, {}
        for parameter in operation.get("parameters", []):
            value = _example(parameter.get("schema", {}), parameter)
            if parameter["in"] == "path":
                url = url.replace("{" + parameter["name"] + "}", value)
            elif parameter.get("required") and parameter["in"] == "query":
                params[parameter["name"]] = value
            elif parameter.get("required") and parameter["in"] == "header":
                headers[parameter["name"]] = value
        if method == "PATCH":
            headers.setdefault("If-Match", '"1"')
        scope = required_scope(route) or "none"
        found.append(
            Operation(
                method,
                path,
                scope,
                url,
                params,
                headers,
                _body(spec, operation),
                private=(path, method.lower()) in private,
                also=also_scopes(route),
            )
        )
    return found


OPERATIONS = protected_operations()


class TestEveryEndpointIsProtected:
    def test_every_v1_route_authenticates_and_every_write_needs_a_write_scope(self) -> None:
        app = create_app(
            make_settings(), database_url="postgresql://unused/x", redis_url="redis://x"
        )
        v1 = [(m, p, r) for m, p, r in api_routes(app) if p.startswith("/v1/")]
        assert len(v1) >= 20
        for method, path, route in v1:
            assert get_principal in set(calls(route.dependant)), f"{method} {path} skips auth"
            scope = required_scope(route)
            assert scope is not None, f"{method} {path} requires no scope"
            if method not in ("GET", "HEAD"):
                assert scope != "read", f"{method} {path} writes with scope read"
            assert scope in keys.SCOPES, f"{method} {path}: no key can hold scope {scope!r}"

    def test_the_matrix_covers_every_operation_in_the_openapi(self) -> None:
        app = create_app(
            make_settings(), database_url="postgresql://unused/x", redis_url="redis://x"
        )
        documented = {
            (method.upper(), path)
            for path, operations in app.openapi()["paths"].items()
            for method in operations
            if path.startswith("/v1/")
        }
        assert documented == {(o.method, o.path) for o in OPERATIONS}

    def test_council_data_needs_a_key_and_published_data_does_not(self) -> None:
        private = {(o.method, o.path) for o in OPERATIONS if o.private}
        assert private == PRIVATE_READS
        app = create_app(
            make_settings(), database_url="postgresql://unused/x", redis_url="redis://x"
        )
        spec = app.openapi()
        for method, path in PRIVATE_READS:
            assert {} not in spec["paths"][path][method.lower()]["security"], path
        assert {} in spec["paths"]["/v1/decisions"]["get"]["security"]


@pytest.fixture
async def cleanup_queue(redis_url: str) -> AsyncIterator[list[int]]:
    """Runs the matrix queued through POST /v1/jobs; taken off the queue again afterwards."""
    ids: list[int] = []
    yield ids
    redis = Redis.from_url(redis_url)
    for run_id in ids:
        await redis.zrem(QUEUE_NAME, f"run:{run_id}")
        await redis.delete(f"arq:job:run:{run_id}")
    await redis.aclose()


def expected(scope: str, who: str, keys_required: bool, private: bool = False) -> int | str:
    if who == "revoked":
        return 401  # a key that is sent is checked even where none is needed
    open_read = scope == "read" and not keys_required and not private
    if who == "none":
        return NOT_AUTH if open_read else 401
    if who == "lacking":
        return NOT_AUTH if open_read else 403
    return NOT_AUTH


class TestAccessMatrix:
    @pytest.mark.parametrize("keys_required", [False, True], ids=["reads-open", "keys-required"])
    @pytest.mark.parametrize("operation", OPERATIONS, ids=str)
    async def test_no_revoked_lacking_and_holding_keys(
        self,
        database_url: str,
        redis_url: str,
        session: AsyncSession,
        make_key: Callable[..., Any],
        cleanup_queue: list[int],
        operation: Operation,
        keys_required: bool,
    ) -> None:
        revoked = await make_key("admin", name="revoked")
        await keys.revoke_key(session, "revoked")
        other = next(s for s in keys.SCOPES if s not in (operation.scope, "admin", *operation.also))
        principals = {
            "none": {},
            "revoked": revoked,
            "lacking": await make_key(other, name="lacking"),
            "holding": await make_key(operation.scope, name="holding"),
        }
        app = build_app(database_url, redis_url, session, require_api_key=keys_required)
        async for api in _client(app):
            for who, auth in principals.items():
                response = await api.request(
                    operation.method,
                    operation.url,
                    params=operation.params,
                    headers=operation.headers | auth,
                    json=operation.body,
                )
                want = expected(operation.scope, who, keys_required, operation.private)
                where = f"{operation} as {who}: {response.status_code} {response.text[:300]}"
                assert response.status_code < 500, where
                if want == NOT_AUTH:
                    assert response.status_code not in (401, 403), where
                else:
                    assert response.status_code == want, where
                    assert response.headers["content-type"] == "application/problem+json"
                if want == 401:
                    assert response.headers["www-authenticate"].startswith("Bearer"), where
                if operation.path == "/v1/jobs" and response.status_code == 202:
                    cleanup_queue.append(response.json()["id"])
                if operation.path.endswith("/run") and response.status_code == 202:
                    cleanup_queue.append(response.json()["run"]["id"])

    async def test_the_holding_column_reaches_the_handler(
        self, api: AsyncClient, make_key: Callable[..., Any], cleanup_queue: list[int]
    ) -> None:
        """The examples make real requests: writes with their scope get past validation."""
        jobs = next(o for o in OPERATIONS if (o.method, o.path) == ("POST", "/v1/jobs"))
        response = await api.post(
            jobs.url, json=jobs.body, headers=await make_key("jobs:write", name="jobs")
        )
        assert response.status_code == 202, response.text
        cleanup_queue.append(response.json()["id"])


class TestKeys:
    async def test_only_a_hash_of_the_secret_is_stored(self, session: AsyncSession) -> None:
        key, token = await keys.create_key(session, "hash-only", ["read"])
        secret = token.split("_", 2)[2]
        row = (
            await session.execute(
                text("SELECT row_to_json(api_key)::text FROM api_key WHERE id = :id"),
                {"id": key.id},
            )
        ).scalar_one()
        assert secret not in row and token not in row
        assert hashlib.sha256(secret.encode()).hexdigest() in row

    async def test_the_secret_is_compared_in_constant_time(
        self, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        compared: list[tuple[str, str]] = []
        real = hmac.compare_digest

        def spy(a: Any, b: Any) -> bool:
            compared.append((a, b))
            return real(a, b)

        monkeypatch.setattr(keys.hmac, "compare_digest", spy)
        key, token = await keys.create_key(session, "timing", ["read"])
        wrong = token[:-4] + "AAAA"
        assert await keys.authenticate(session, wrong) is None
        assert await keys.authenticate(session, token) is key
        assert [a for a, _ in compared] == [key.secret_sha256] * 2

    async def test_the_token_is_shown_once_and_cannot_be_read_back(
        self, session: AsyncSession, api: AsyncClient
    ) -> None:
        _key, token = await keys.create_key(session, "shown-once", ["admin"])
        session.expunge_all()
        stored = (await session.scalars(select(ApiKey))).all()
        for key in stored:
            assert token not in repr(vars(key))
        spec = (await api.get("/openapi.json")).text
        assert "api_key" not in spec.lower() and "secret_sha256" not in spec
        listed = await keys.list_keys(session)
        assert all(token.split("_", 2)[2] not in repr(vars(k)) for k in listed)

    async def test_every_refusal_reads_the_same(
        self, session: AsyncSession, api: AsyncClient
    ) -> None:
        """Unknown prefix, wrong secret and revoked key are indistinguishable to the caller."""
        _key, token = await keys.create_key(session, "uniform", ["read"])
        await keys.create_key(session, "to-revoke", ["read"])
        _gone, revoked = await keys.create_key(session, "revoked-uniform", ["read"])
        await keys.revoke_key(session, "revoked-uniform")
        prefix = token.split("_")[1]
        tokens = [
            "lgsco_ffffffffffff_" + "A" * 43,
            f"lgsco_{prefix}_" + "A" * 43,
            revoked,
        ]
        bodies = set()
        for candidate in tokens:
            response = await api.get("/v1/status", headers={"Authorization": f"Bearer {candidate}"})
            assert response.status_code == 401
            bodies.add(response.json()["detail"])
        assert len(bodies) == 1

    async def test_revoking_twice_or_an_unknown_name_changes_nothing(
        self, session: AsyncSession
    ) -> None:
        await keys.create_key(session, "once", ["read"])
        assert await keys.revoke_key(session, "once") is True
        assert await keys.revoke_key(session, "once") is False
        assert await keys.revoke_key(session, "nobody") is False

    async def test_last_used_is_written_at_most_once_a_minute(
        self, session: AsyncSession, api: AsyncClient
    ) -> None:
        key, token = await keys.create_key(session, "touched", ["read"])
        headers = {"Authorization": f"Bearer {token}"}
        await api.get("/v1/status", headers=headers)
        await session.refresh(key)
        first = key.last_used_at
        assert first is not None and datetime.now(UTC) - first < timedelta(seconds=30)
        await api.get("/v1/status", headers=headers)
        await session.refresh(key)
        assert key.last_used_at == first
        earlier = datetime.now(UTC) - timedelta(minutes=5)
        await session.execute(
            update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=earlier)
        )
        await api.get("/v1/status", headers=headers)
        await session.refresh(key)
        assert key.last_used_at is not None and key.last_used_at > earlier + timedelta(minutes=4)

    async def test_the_token_never_reaches_the_logs(
        self, session: AsyncSession, api: AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        _key, token = await keys.create_key(session, "quiet", ["admin"])
        with caplog.at_level(logging.DEBUG, logger="lgsco_api"):
            await api.get("/v1/status", headers={"Authorization": f"Bearer {token}"})
            await api.get("/v1/status", headers={"Authorization": f"Bearer {token}x"})
            await api.post("/v1/jobs", json={"kind": "nonsense"}, headers={"Authorization": token})
        logged = "\n".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records)
        assert any(getattr(r, "key", None) == "quiet" for r in caplog.records)
        assert token.split("_", 2)[2] not in logged
