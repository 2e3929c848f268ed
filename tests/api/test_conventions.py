"""What every endpoint promises: problem+json errors, no unknown parameters, request ids, ETags,
health, metrics, offline docs, a documented OpenAPI, and 503 (never 500) when backends are down."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_api.kit.query import QueryModel
from tests.api.conftest import _client, build_app
from tests.api.factories import make_decision
from tests.api.test_access import api_routes

PROBLEM = "application/problem+json"


def query_models(dependant: Dependant) -> list[Any]:
    """What a route reads from the query string: its own parameters and its dependencies'."""
    found = [field.field_info.annotation for field in dependant.query_params]
    for sub in dependant.dependencies:
        found += query_models(sub)
    return found


class TestQueryModels:
    def test_every_route_reads_its_query_string_through_one_closed_model(self) -> None:
        app = build_app("postgresql+asyncpg://nobody@127.0.0.1/none", "redis://127.0.0.1:1/0")
        checked = 0
        for method, path, route in api_routes(app):
            if not (path.startswith("/v1/") or path in ("/", "/healthz", "/readyz", "/metrics")):
                continue
            models = query_models(route.dependant)
            assert len(models) == 1, f"{method} {path} reads its query string {len(models)} ways"
            model = models[0]
            assert issubclass(model, QueryModel), f"{method} {path}: {model}"
            assert model.model_config.get("extra") == "forbid"
            checked += 1
        assert checked > 30

    @pytest.mark.parametrize(
        "path",
        [
            "/v1/decisions/22-003-374",
            "/v1/organisations/1",
            "/v1/stats/compare?organisation=Kent",
            "/v1/status",
            "/healthz",
        ],
    )
    async def test_an_unknown_parameter_is_refused_on_any_endpoint(
        self, api: AsyncClient, path: str
    ) -> None:
        separator = "&" if "?" in path else "?"
        response = await api.get(f"{path}{separator}colour=blue")
        assert response.status_code == 422, response.text
        assert response.json()["errors"] == [
            {"in": "query", "parameter": "colour", "message": "unknown parameter"}
        ]


class TestProblems:
    async def test_unknown_query_parameter_is_named(self, api: AsyncClient) -> None:
        response = await api.get("/v1/decisions", params={"organization": "Kent", "limit": 5})
        assert response.status_code == 422
        assert response.headers["content-type"] == PROBLEM
        problem = response.json()
        assert problem["errors"] == [
            {"in": "query", "parameter": "organization", "message": "unknown parameter"}
        ]
        assert "'organization'" in problem["detail"] and "organisation" in problem["detail"]

    @pytest.mark.parametrize(
        "params, parameter",
        [
            ({"limit": 201}, "limit"),
            ({"limit": 0}, "limit"),
            ({"outcome": "won"}, "outcome"),
            ({"financial_year": "2023-25"}, "financial_year"),
            ({"financial_year": "23-24"}, "financial_year"),
            ({"decided_from": "2024-13-01"}, "decided_from"),
            ({"decided_from": "2024-02-01", "decided_to": "2024-01-01"}, "decided_to"),
            ({"sort": "relevance"}, "sort"),
            ({"fields": "reference,colour"}, "fields"),
            ({"cursor": "not-a-cursor"}, "cursor"),
            ({"has_remedy": "perhaps"}, "has_remedy"),
            ({"changed_since": "yesterday"}, "changed_since"),
            ({"format": "xml"}, "format"),
        ],
    )
    async def test_bad_values_are_422_naming_the_parameter(
        self, api: AsyncClient, params: dict[str, Any], parameter: str
    ) -> None:
        response = await api.get("/v1/decisions", params=params)
        assert response.status_code == 422, response.text
        problem = response.json()
        assert problem["status"] == 422 and problem["title"]
        assert parameter in [e["parameter"] for e in problem["errors"]]
        assert parameter in problem["detail"]

    async def test_malformed_reference_is_422_with_the_normalisers_message(
        self, api: AsyncClient
    ) -> None:
        response = await api.get("/v1/decisions/22 003 37")
        assert response.status_code == 422
        assert "is not an LGSCO case reference" in response.json()["detail"]
        assert "22 003 374" in response.json()["detail"]

    async def test_unstored_reference_is_404_saying_how_to_ingest_it(
        self, api: AsyncClient
    ) -> None:
        response = await api.get("/v1/decisions/99-999-999")
        assert response.status_code == 404
        problem = response.json()
        assert "POST /v1/jobs" in problem["detail"]
        assert problem["ingest"]["body"] == {"kind": "ingest_reference", "reference": "99 999 999"}

    async def test_unknown_path_and_method_are_problems(self, api: AsyncClient) -> None:
        missing = await api.get("/v2/nothing")
        assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
        wrong = await api.delete("/v1/decisions")
        assert wrong.status_code == 405 and wrong.headers["content-type"] == PROBLEM

    @pytest.mark.parametrize(
        "path",
        [
            "/v1/decisions?q=%22unclosed",
            "/v1/decisions?q=%26%7C%21%3A%2A",
            "/v1/decisions?q=a%00b",
            "/v1/decisions?organisation=" + "x" * 400,
            "/v1/decisions?changed_since=9999-12-31T23:59:59",
            "/v1/decisions?decided_from=0001-01-01",
            "/v1/organisations/99999999999",
            "/v1/remedies/-1",
            "/v1/decisions/..%2F..%2Fetc",
            "/v1/decisions?cursor=eyJzIjoiLWRlY2lkZWRfb24iLCJrIjpbIngiLDFdfQ",
            "/v1/decisions?cursor=eyJzIjoiLWRlY2lkZWRfb24iLCJrIjpbIjIwMjQtMDEtMDEiLCIxIl19",
            "/v1/decisions?cursor=eyJzIjogIi1kZWNpZGVkX29uIiwgImsiOiBbIjIwMjQtMDEtMDEiLCA5OTk5OTk5OTk5OV19",
            "/v1/decisions?sort=changed_at&cursor=eyJzIjogImNoYW5nZWRfYXQiLCAiayI6IFsiMjAyNC0wMS0wMVQwMDowMDowMCIsIDFdfQ",
            "/v1/decisions?q=care&cursor=eyJzIjogInJlbGV2YW5jZSIsICJrIjogWyJOYU4iLCAxXX0",
            "/v1/decisions?cursor=eyJzIjogIi1kZWNpZGVkX29uIiwgImsiOiBbIjk5OTk5LTAxLTAxIiwgMV19",
            "/v1/decisions?cursor=eyJzIjogIi1kZWNpZGVkX29uIiwgImsiOiBbbnVsbCwgMV19",
            "/v1/decisions?cursor=eyJzIjogIi1kZWNpZGVkX29uIiwgImsiOiBbMSwgMiwgM119",
            "/v1/remedies?cursor=99999999999",
            "/v1/organisations?cursor=eyJzIjoibmFtZSIsImsiOlsieCIsOTk5OTk5OTk5OTk5XX0",
            "/v1/reports/annual?organisation=99999999999&financial_year=2023-24",
            "/v1/stats/compare?organisation=0",
            "/v1/stats/outcomes?group_by=colour",
            "/v1/jobs?cursor=99999999999999999999",
            "/v1/organisations?q=%25_%5C",
        ],
    )
    async def test_no_input_causes_a_500(self, api: AsyncClient, path: str) -> None:
        response = await api.get(path)
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            assert response.headers["content-type"] == PROBLEM


class TestHeaders:
    async def test_request_id_is_echoed_or_made(self, api: AsyncClient) -> None:
        given = await api.get("/healthz", headers={"X-Request-ID": "abc-123"})
        assert given.headers["x-request-id"] == "abc-123"
        insane = await api.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
        assert insane.headers["x-request-id"] != "bad id\twith spaces"
        assert len(insane.headers["x-request-id"]) == 32

    async def test_etag_and_if_none_match(self, api: AsyncClient, session: AsyncSession) -> None:
        org = {"organisation": "Etagton Borough Council"}
        await make_decision(session, organisations=tuple(org.values()))
        first = await api.get("/v1/decisions", params=org)
        etag = first.headers["etag"]
        again = await api.get("/v1/decisions", params=org, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
        await make_decision(session, organisations=tuple(org.values()))
        changed = await api.get("/v1/decisions", params=org, headers={"If-None-Match": etag})
        assert changed.status_code == 200 and changed.headers["etag"] != etag


class TestOperations:
    async def test_health_ready_and_metrics(self, api: AsyncClient) -> None:
        assert (await api.get("/healthz")).json() == {"status": "ok"}
        ready = await api.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"database": "ok", "schema": "ok", "queue": "ok"}
        await api.get("/v1/decisions/22-003-374")
        metrics = (await api.get("/metrics")).text
        assert 'route="/v1/decisions/{reference}"' in metrics
        assert "lgsco_api_request_duration_seconds_bucket" in metrics
        assert "lgsco_decisions_stored" in metrics
        assert 'lgsco_backend_up{service="database"} 1.0' in metrics
        assert "lgsco_queue_depth" in metrics

    async def test_status(self, api: AsyncClient, session: AsyncSession) -> None:
        await make_decision(session)
        body = (await api.get("/v1/status")).json()
        assert body["decisions_stored"] >= 1
        assert body["latest_decided_on"] is not None
        assert body["failures_last_24h"] >= 0

    async def test_database_down_is_a_quick_503(self, redis_url: str) -> None:
        app = build_app("postgresql://postgres@127.0.0.1:1/nothing", redis_url)
        async for api in _client(app):
            response = await api.get("/v1/decisions")
            assert response.status_code == 503
            assert response.json()["unavailable"] == ["database"]
            ready = await api.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["unavailable"] == ["database"]
            assert (await api.get("/healthz")).status_code == 200
            assert 'lgsco_backend_up{service="database"} 0.0' in (await api.get("/metrics")).text


class TestAccess:
    async def test_reads_can_require_a_key(
        self, database_url: str, redis_url: str, session: AsyncSession, make_key: Any
    ) -> None:
        app = build_app(database_url, redis_url, session, require_api_key=True)
        async for api in _client(app):
            assert (await api.get("/v1/decisions")).status_code == 401
            headers = await make_key("read")
            assert (await api.get("/v1/decisions", headers=headers)).status_code == 200
            assert (await api.get("/healthz")).status_code == 200

    async def test_a_wrong_key_is_refused_even_on_open_endpoints(self, api: AsyncClient) -> None:
        bad = {"Authorization": "Bearer lgsco_000000000000_" + "x" * 43}
        response = await api.get("/v1/decisions", headers=bad)
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        basic = await api.get("/v1/decisions", headers={"Authorization": "Basic abc"})
        assert basic.status_code == 401


class TestDocs:
    async def test_openapi_documents_every_endpoint(self, api: AsyncClient) -> None:
        spec = (await api.get("/openapi.json")).json()
        for path, operations in spec["paths"].items():
            for method, operation in operations.items():
                where = f"{method.upper()} {path}"
                assert operation.get("tags"), where
                assert operation.get("description"), where
                if path.startswith("/v1"):
                    assert "422" in operation["responses"], where
        assert "ApiKey" in spec["components"]["securitySchemes"]
        assert json.dumps(spec).count("examples") > 10

    async def test_docs_are_served_without_the_internet(self, api: AsyncClient) -> None:
        page = await api.get("/docs")
        assert page.status_code == 200
        assert "cdn" not in page.text.lower() and "https://" not in page.text
        for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
            assert f"/static/docs/{asset}" in page.text
            assert (await api.get(f"/static/docs/{asset}")).status_code == 200
        redoc = await api.get("/redoc")
        assert redoc.status_code == 200 and "https://" not in redoc.text

    async def test_metric_labels_are_route_templates_whatever_the_path(
        self, api: AsyncClient
    ) -> None:
        for n in range(5):
            await api.get(f"/console/figures/made-up-{n}.csv")
        await api.get("/no/such/path/at/all")
        metrics = (await api.get("/metrics")).text
        assert "made-up-" not in metrics and "/no/such/path" not in metrics
        assert 'route="/console/figures/{table}.csv"' in metrics
        assert 'route="<unmatched>"' in metrics
