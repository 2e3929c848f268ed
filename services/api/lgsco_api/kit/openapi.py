"""The OpenAPI document says what each operation really needs.

Every /v1 operation names its scope in `security` (`require(scope)` declares it). Reads are
open unless `require_api_key` is set, and the document says so with an empty requirement
beside the key (`[{}, {"ApiKey": ["read"]}]`: a key is optional, and checked if sent), so
generated clients and schema-driven tests do not treat open reads as unprotected writes.
Council data (remedy tracking, runs) needs a key whatever the setting: `require(..., always=True)`
operations never get the empty requirement.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from lgsco_api.kit.auth import bearer

SCHEME = bearer.scheme_name


def _always(dependant: Dependant) -> bool:
    return any(getattr(sub.call, "always", False) or _always(sub) for sub in dependant.dependencies)


def private_operations(app: FastAPI) -> set[tuple[str, str]]:
    """(path, method) of the operations whose `require` holds even when reads are open."""
    try:
        from fastapi.routing import iter_route_contexts  # FastAPI >= 0.160 includes lazily
    except ImportError:  # pragma: no cover - older FastAPI copies routes into app.routes
        contexts: list[tuple[object, set[str] | None, object]] = [
            (r.path, r.methods, r) for r in app.routes if isinstance(r, APIRoute)
        ]
    else:
        contexts = [
            (c.path, c.methods, c.original_route)
            for c in iter_route_contexts(app.routes)
            if isinstance(c.original_route, APIRoute)
        ]
    return {
        (str(path), method.lower())
        for path, methods, route in contexts
        if isinstance(route, APIRoute) and _always(route.dependant)
        for method in methods or ()
    }


def describe_security(
    schema: dict[str, Any],
    *,
    keys_required: bool,
    private: set[tuple[str, str]] | None = None,
) -> None:
    """Rewrite each operation's security to its one scope, optional for open reads (idempotent)."""
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            requirements = operation.get("security")
            if not requirements:
                continue
            scopes = sorted({s for r in requirements for names in r.values() for s in names})
            key = {SCHEME: scopes}
            open_read = (
                scopes == ["read"] and not keys_required and (path, method) not in (private or ())
            )
            operation["security"] = [{}, key] if open_read else [key]


def install(app: FastAPI, *, keys_required: bool) -> None:
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()  # FastAPI's, cached until the routes change
        describe_security(schema, keys_required=keys_required, private=private_operations(app))
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
