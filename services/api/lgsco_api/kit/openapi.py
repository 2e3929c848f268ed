"""The OpenAPI document says what each operation really needs.

Every /v1 operation names its scope in `security` (`require(scope)` declares it). Reads are
open unless `require_api_key` is set, and the document says so with an empty requirement
beside the key (`[{}, {"ApiKey": ["read"]}]`: a key is optional, and checked if sent), so
generated clients and schema-driven tests do not treat open reads as unprotected writes.
Council data (remedy tracking, runs) needs a key whatever the setting: `require(..., always=True)`
operations never get the empty requirement.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from lgsco_api.kit import glossary
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


def written_summaries(schema: dict[str, Any]) -> None:
    """Each operation's summary is the first sentence of its written description, not the
    title FastAPI makes of the function's name ("Healthz")."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            description = (operation.get("description") or "").strip()
            if description:
                first = description.split("\n\n")[0].replace("\n", " ")
                sentence = first.split(". ")[0].rstrip(".")
                while len(sentence) > 100 and ", " in sentence:
                    sentence = sentence.rsplit(", ", 1)[0]
                operation["summary"] = sentence


def _operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation of the document: paths and webhooks."""
    return [
        operation
        for section in ("paths", "webhooks")
        for operations in spec.get(section, {}).values()
        for operation in operations.values()
    ]


def unknown_organisation_answers(spec: dict[str, Any]) -> None:
    """Every operation taking `organisation` may answer 404 (one rule: lgsco_api.kit.known)."""
    for operation in _operations(spec):
        names = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
        responses = operation.get("responses", {})
        if "organisation" in names and "404" not in responses:
            responses["404"] = {
                "description": "No organisation of that name or id is stored: the problem's "
                "`similar` lists the stored names most like it.",
                "content": {
                    "application/problem+json": {
                        "schema": {"$ref": "#/components/schemas/ProblemDetail"},
                        "example": {
                            "type": "about:blank",
                            "title": "Unknown organisation",
                            "status": 404,
                            "detail": "No organisation 'Kent Conty Council' is stored. Similar "
                            "names: Kent County Council. See /v1/organisations?q=... for names.",
                            "instance": "/v1/decisions",
                            "parameter": "organisation",
                            "value": "Kent Conty Council",
                            "similar": ["Kent County Council"],
                        },
                    }
                },
            }


def describe_parameters(spec: dict[str, Any]) -> None:
    """Give every parameter without a description its meaning from the glossary."""
    for operation in _operations(spec):
        for parameter in operation.get("parameters", []):
            meaning = glossary.PARAMETERS.get(parameter["name"])
            if not parameter.get("description") and meaning:
                parameter["description"] = meaning


def webhook_answers(spec: dict[str, Any]) -> None:
    """A webhook's receiver answers 2xx or not: FastAPI's validation 422 is not its contract."""
    for operations in spec.get("webhooks", {}).values():
        for operation in operations.values():
            operation.get("responses", {}).pop("422", None)
            ok = operation.get("responses", {}).get("200", {})
            ok.pop("content", None)
    schemas = spec.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        if f'"#/components/schemas/{unused}"' not in json.dumps(spec):
            schemas.pop(unused, None)


def describe_properties(schema: dict[str, Any]) -> None:
    """Give every schema property without a description its meaning from the glossary."""
    for name, component in schema.get("components", {}).get("schemas", {}).items():
        for prop, value in component.get("properties", {}).items():
            if not value.get("description"):
                meaning = glossary.describe(name, prop)
                if meaning:
                    value["description"] = meaning


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        resolved = spec["components"]["schemas"].get(ref.rsplit("/", 1)[1], {})
        return resolved if isinstance(resolved, dict) else {}
    return node


_BY_FORMAT = {
    "date": "2023-12-05",
    "date-time": "2024-01-08T06:00:12Z",
    "uri": "https://www.lgo.org.uk/decisions/adult-care-services/charging/23-005-403",
    "email": "complaints@council.example",
}


def example_of(spec: dict[str, Any], node: dict[str, Any], name: str = "", depth: int = 0) -> Any:
    """An example value for a schema: its own example where declared, else one built from its
    properties (the glossary's values for well-known names)."""
    if node.get("examples"):
        return node["examples"][0]
    if "example" in node:
        return node["example"]
    if name in glossary.EXAMPLES:
        return glossary.EXAMPLES[name]
    if node.get("default") is not None:
        return node["default"]
    if "$ref" in node:
        return example_of(spec, _resolve(spec, node), name, depth)
    if depth > 8:
        return None
    for key in ("anyOf", "oneOf", "allOf"):
        if key in node:
            options = [o for o in node[key] if o.get("type") != "null"]
            return example_of(spec, options[0], name, depth) if options else None
    if "enum" in node:
        return node["enum"][0]
    if "const" in node:
        return node["const"]
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        props = node.get("properties", {})
        if props:
            return {p: example_of(spec, v, p, depth + 1) for p, v in props.items()}
        extra = node.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            return {"key": example_of(spec, extra, "", depth + 1)}
        return {}
    if kind == "array":
        item = example_of(spec, node.get("items", {}), name, depth + 1)
        return [item] if item is not None else []
    if kind == "string":
        return _BY_FORMAT.get(node.get("format", ""), "text")
    if kind == "integer":
        return max(int(node.get("minimum", 1)), 1)
    if kind == "number":
        return 0.5
    if kind == "boolean":
        return True
    return None


def _problem_example(status: str) -> dict[str, Any]:
    from http import HTTPStatus

    code = int(status) if status.isdigit() else 400
    return {
        "type": "about:blank",
        "title": HTTPStatus(code).phrase,
        "status": code,
        "detail": _PROBLEM_DETAILS.get(code, HTTPStatus(code).description or "See title."),
        "instance": "/v1/decisions",
        "request_id": "b3c1e0d2a4f54c5e",
    }


_PROBLEM_DETAILS = {
    400: "The request could not be read.",
    401: "This needs an API key with scope 'read'.",
    403: "The API key 'kent-complaints' lacks the scope 'jobs:write'.",
    404: "No organisation 'Kent Conty Council' is stored. Similar names: Kent County Council.",
    409: "A subscription to that URL already exists.",
    412: "The remedy has changed since that ETag; GET it again and retry.",
    413: "The request body is larger than the API accepts.",
    414: "The URL is longer than the API accepts.",
    422: "query parameter 'financial_year': must be written like 2023-24",
    428: "Send If-Match with the ETag from GET /v1/remedies/{id}.",
    429: "Too many requests: retry after the Retry-After seconds.",
    503: "The database is unreachable; retry shortly.",
}


_CSV_EXAMPLE = "\ufeffReference,Decision date\r\n23 005 403,05/12/2023\r\n"


def response_examples(spec: dict[str, Any]) -> None:
    """An example on every response and request body that declares none."""
    for operation in _operations(spec):
        for status, response in operation.get("responses", {}).items():
            for media_type, media in response.get("content", {}).items():
                if "example" in media or "examples" in media:
                    continue
                if "json" in media_type and (status.startswith(("4", "5"))):
                    media["example"] = _problem_example(status)
                elif "json" in media_type:
                    media["example"] = example_of(spec, media.get("schema", {}))
                elif media_type == "text/csv":
                    media["example"] = _CSV_EXAMPLE
                else:
                    media["example"] = "lgsco_decisions_stored 41234\n"
        body = operation.get("requestBody")
        for media in (body or {}).get("content", {}).values():
            if "example" not in media and "examples" not in media:
                media["example"] = example_of(spec, media.get("schema", {}))


_PAGING_HEADERS = {
    "Link": {
        "description": 'The next page: `<url>; rel="next"` (absent on the last page).',
        "schema": {"type": "string"},
        "example": '</v1/decisions?limit=50&cursor=WyIyMDIzLTEyLTA1IiwgNDEyXQ>; rel="next"',
    },
    "X-Next-Cursor": {
        "description": "next_cursor of this page, also on CSV downloads with `limit`.",
        "schema": {"type": "string"},
        "example": "WyIyMDIzLTEyLTA1IiwgNDEyXQ",
    },
}


def paging_headers(spec: dict[str, Any]) -> None:
    """Declare Link and X-Next-Cursor on every 200 whose body pages with next_cursor."""
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            ok = operation.get("responses", {}).get("200", {})
            schema = ok.get("content", {}).get("application/json", {}).get("schema", {})
            if "next_cursor" in _resolve(spec, schema).get("properties", {}):
                ok.setdefault("headers", {}).update(_PAGING_HEADERS)


def install(app: FastAPI, *, keys_required: bool) -> None:
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()  # FastAPI's, cached until the routes change
        describe_security(schema, keys_required=keys_required, private=private_operations(app))
        written_summaries(schema)
        webhook_answers(schema)
        unknown_organisation_answers(schema)
        describe_parameters(schema)
        describe_properties(schema)
        response_examples(schema)
        paging_headers(schema)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
