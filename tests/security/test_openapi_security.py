"""The OpenAPI document states what each operation needs: its one scope, and for reads whether a
key is optional. Generated clients and schema-driven tests rely on it, so it must match what the
routes enforce (tests/api/test_access.py proves the enforcement)."""

from __future__ import annotations

from typing import Any

import pytest

from lgsco_api.kit.auth import bearer
from lgsco_api.main import create_app
from tests.api.conftest import make_settings
from tests.api.test_access import PRIVATE_READS, api_routes, required_scope

SCHEME = bearer.scheme_name


def document(*, keys_required: bool) -> tuple[dict[str, Any], dict[tuple[str, str], str]]:
    """(the OpenAPI document, {(method, path): the scope the route enforces})."""
    app = create_app(
        make_settings(require_api_key=keys_required),
        database_url="postgresql://unused/x",
        redis_url="redis://x",
    )
    enforced = {
        (method.lower(), path): scope
        for method, path, route in api_routes(app)
        if path.startswith("/v1/") and route.include_in_schema
        if (scope := required_scope(route)) is not None
    }
    return app.openapi(), enforced


@pytest.mark.parametrize("keys_required", [False, True], ids=["reads-open", "keys-required"])
def test_every_operation_names_the_scope_its_route_enforces(keys_required: bool) -> None:
    schema, enforced = document(keys_required=keys_required)
    assert len(enforced) >= 20
    for (method, path), scope in enforced.items():
        security = schema["paths"][path][method]["security"]
        key = {SCHEME: [scope]}
        if scope == "read" and not keys_required and (method.upper(), path) not in PRIVATE_READS:
            assert security == [{}, key], f"{method} {path}: an open read names an optional key"
        else:
            assert security == [key], f"{method} {path}: the key with '{scope}' is required"
    assert schema["components"]["securitySchemes"][SCHEME]["scheme"] == "bearer"


def test_the_document_is_stable_when_generated_twice() -> None:
    """describe_security rewrites FastAPI's cached document; doing it again changes nothing."""
    app = create_app(make_settings(), database_url="postgresql://unused/x", redis_url="redis://x")

    def securities() -> dict[str, dict[str, Any]]:
        paths = app.openapi()["paths"]
        return {p: {m: op.get("security") for m, op in ops.items()} for p, ops in paths.items()}

    first = securities()
    assert first["/v1/decisions"]["get"] == [{}, {SCHEME: ["read"]}]
    assert securities() == first
