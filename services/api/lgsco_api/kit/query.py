"""Query-parameter models: every endpoint declares its query string as one model,
`Annotated[SomeQuery, Query()]`, and names the model does not declare are refused.

FastAPI ignores unknown parameters by default; for a council system a typo (`organization=`,
`finacial_year=`) would then silently return unfiltered numbers. `extra="forbid"` makes that a
422 naming the parameter (kit/errors.py adds the accepted names). An endpoint with no query
parameters gets `NO_QUERY` from the routers' route class (`ClosedQueryRoute`), so `?anything=`
is refused there too; tests/api/test_conventions.py checks that every route has one model.

The console validates its forms with the same models (`from_form`), so a filter that the API
refuses is refused there with the same message.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, TypeVar, get_args, get_origin

from fastapi import Depends, Query
from fastapi.routing import APIRoute
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from lgsco_api.kit.errors import describe_validation_error
from lgsco_api.kit.schemas import FINANCIAL_YEAR_SCHEMA
from lgsco_api.kit.years import InvalidFinancialYear, financial_year_bounds

M = TypeVar("M", bound="QueryModel")
LONGEST_VALUE = 2000


class QueryModel(BaseModel):
    """The base of every query model: unknown names refused, no value a database cannot hold."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        # PostgreSQL text cannot hold NUL; an over-long value is never a real filter.
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and ("\x00" in item or len(item) > LONGEST_VALUE):
                raise ValueError("value is not acceptable")
        return value


class NoQuery(QueryModel):
    """The query string of an endpoint that takes no parameters."""


async def _no_query(_: Annotated[NoQuery, Query()]) -> None:
    return None


NO_QUERY = [Depends(_no_query)]


class ClosedQueryRoute(APIRoute):
    """The route class of every API router: an endpoint that declares no query model gets
    `NO_QUERY`, so no route leaves its query string open."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not _declares_query_model(endpoint):
            kwargs["dependencies"] = [*(kwargs.get("dependencies") or ()), *NO_QUERY]
        super().__init__(path, endpoint, **kwargs)


def _declares_query_model(endpoint: Callable[..., Any]) -> bool:
    for parameter in inspect.signature(endpoint, eval_str=True).parameters.values():
        if get_origin(parameter.annotation) is Annotated:
            model, *_ = get_args(parameter.annotation)
            if isinstance(model, type) and issubclass(model, QueryModel):
                return True
    return False


def _financial_year(value: str) -> str:
    try:
        financial_year_bounds(value)
    except InvalidFinancialYear as exc:
        raise ValueError(str(exc)) from None
    return value


# 1 April to 31 March, written 2023-24; checked against the calendar.
FinancialYear = Annotated[
    str,
    Field(max_length=7, examples=["2023-24"], json_schema_extra=FINANCIAL_YEAR_SCHEMA),
    AfterValidator(_financial_year),
]
Limit = Annotated[int, Field(ge=1, le=200, description="Page size (default 50).")]
Cursor = Annotated[str, Field(max_length=500, description="next_cursor of the previous page.")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=300)]


def from_form(
    model: type[M], values: Mapping[str, Sequence[str]]
) -> tuple[M | None, dict[str, str]]:
    """A console form (every value of each name) through `model`: the model, or the message
    for each parameter it refuses. Names the model does not declare are left out."""
    data: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        key = field.alias or name
        given = list(values.get(key, ()))
        if not given:
            continue
        data[key] = given if _is_list(field.annotation) else given[0]
    try:
        return model.model_validate(data), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            described = describe_validation_error({**error, "loc": ("query", *error["loc"])})
            errors.setdefault(described["parameter"], described["message"])
        return None, errors


def _is_list(annotation: Any) -> bool:
    if get_origin(annotation) is list:
        return True
    return any(get_origin(arg) is list for arg in get_args(annotation))


class PageQuery(QueryModel):
    """A page of a list in id order (newest first): its size and where it starts."""

    limit: Limit = 50
    cursor: Cursor | None = None
