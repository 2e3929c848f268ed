"""Refuse query parameters an endpoint does not declare, and values no database can store.

FastAPI ignores unknown parameters; for a council system a typo (`organization=`, `finacial_year=`)
would then silently return unfiltered numbers. Every /v1 router depends on `known_parameters`.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant

from lgsco_api.kit.errors import Problem

_ALLOWED: dict[int, frozenset[str]] = {}


def _query_names(dependant: Dependant) -> set[str]:
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _allowed(route: Any) -> frozenset[str]:
    key = id(route)
    if key not in _ALLOWED:
        dependant = getattr(route, "dependant", None)
        _ALLOWED[key] = frozenset(_query_names(dependant)) if dependant else frozenset()
    return _ALLOWED[key]


async def known_parameters(request: Request) -> None:
    allowed = _allowed(request.scope.get("route"))
    unknown = sorted({k for k in request.query_params if k not in allowed})
    errors = [
        {"in": "query", "parameter": name, "message": "unknown parameter"} for name in unknown
    ]
    for name, value in request.query_params.multi_items():
        if "\x00" in value or len(value) > 2000:
            errors.append({"in": "query", "parameter": name, "message": "value is not acceptable"})
    if errors:
        accepted = ", ".join(sorted(allowed)) or "none"
        names = ", ".join(f"'{e['parameter']}'" for e in errors)
        raise Problem(
            422,
            f"Query parameter(s) {names} not accepted here (accepted: {accepted}).",
            errors=errors,
        )
