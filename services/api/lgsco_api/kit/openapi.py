"""The OpenAPI document says what each operation really needs.

Every /v1 operation names its scope in `security` (`require(scope)` declares it). Reads are
open unless `require_api_key` is set, and the document says so with an empty requirement
beside the key (`[{}, {"ApiKey": ["read"]}]`: a key is optional, and checked if sent), so
generated clients and schema-driven tests do not treat open reads as unprotected writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from lgsco_api.kit.auth import bearer

SCHEME = bearer.scheme_name


def describe_security(schema: dict[str, Any], *, keys_required: bool) -> None:
    """Rewrite each operation's security to its one scope, optional for open reads (idempotent)."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            requirements = operation.get("security")
            if not requirements:
                continue
            scopes = sorted({s for r in requirements for names in r.values() for s in names})
            key = {SCHEME: scopes}
            open_read = scopes == ["read"] and not keys_required
            operation["security"] = [{}, key] if open_read else [key]


def install(app: FastAPI, *, keys_required: bool) -> None:
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()  # FastAPI's, cached until the routes change
        describe_security(schema, keys_required=keys_required)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
