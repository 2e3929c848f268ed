"""Security headers on every kind of response, a docs CSP that still lets /docs run offline,
and CORS: closed by default, open only to the configured origins."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from httpx import AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_api.kit.security import API_CSP
from tests.api.conftest import _client, build_app
from tests.api.factories import make_decision

ALWAYS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}
ORIGIN = "https://crm.kent.example"


def assert_hardened(response: Response) -> None:
    for name, value in ALWAYS.items():
        assert response.headers.get(name) == value, (response.request.url, name)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers.get("cache-control")


class TestSecurityHeaders:
    @pytest.mark.parametrize(
        "path, status, cache",
        [
            ("/v1/decisions", 200, "private, no-cache"),
            ("/v1/decisions?format=csv", 200, "private, no-cache"),
            ("/v1/decisions?limit=0", 422, "no-store"),
            ("/v1/decisions/99-999-999", 404, "no-store"),
            ("/v2/nothing", 404, "no-store"),
            ("/openapi.json", 200, "private, no-cache"),
            ("/healthz", 200, "private, no-cache"),
            ("/metrics", 200, "no-store"),
            ("/static/docs/swagger-ui.css", 200, "public, max-age=86400"),
        ],
    )
    async def test_every_response_is_hardened(
        self, api: AsyncClient, path: str, status: int, cache: str
    ) -> None:
        response = await api.get(path)
        assert response.status_code == status
        assert_hardened(response)
        assert response.headers["cache-control"] == cache
        if not path.startswith("/static/"):
            assert response.headers["content-security-policy"] == API_CSP

    async def test_errors_writes_and_304s_are_hardened(
        self, api: AsyncClient, session: AsyncSession
    ) -> None:
        unauthorised = await api.post("/v1/jobs", json={"kind": "ingest_reference"})
        assert unauthorised.status_code == 401
        assert_hardened(unauthorised)
        assert unauthorised.headers["cache-control"] == "no-store"
        await make_decision(session, organisations=("Headerton Council",))
        first = await api.get("/v1/decisions", params={"organisation": "Headerton Council"})
        again = await api.get(
            "/v1/decisions",
            params={"organisation": "Headerton Council"},
            headers={"If-None-Match": first.headers["etag"]},
        )
        assert again.status_code == 304
        assert_hardened(again)

    @pytest.mark.parametrize("page", ["/docs", "/redoc"])
    async def test_docs_csp_allows_only_this_origin_and_the_pages_own_script(
        self, api: AsyncClient, page: str
    ) -> None:
        response = await api.get(page)
        assert response.status_code == 200
        assert_hardened(response)
        csp = response.headers["content-security-policy"]
        assert "http:" not in csp and "https:" not in csp and "*" not in csp
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["default-src"] == "'none'"
        assert "'unsafe-inline'" not in directives["script-src"]
        for body in re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL):
            digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in directives["script-src"]
        # Every asset the page loads is on this origin and is served.
        for url in re.findall(r'(?:src|href)="([^"]+)"', response.text):
            assert url.startswith("/"), url
            assert (await api.get(url)).status_code == 200, url
        assert "connect-src 'self'" in csp  # the page fetches /openapi.json

    async def test_swagger_ui_does_not_call_the_online_validator(self, api: AsyncClient) -> None:
        assert '"validatorUrl": null' in (await api.get("/docs")).text


class TestCors:
    async def test_closed_by_default(self, api: AsyncClient) -> None:
        simple = await api.get("/v1/decisions", headers={"Origin": ORIGIN})
        assert simple.status_code == 200
        assert "access-control-allow-origin" not in simple.headers
        preflight = await api.options(
            "/v1/jobs",
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert "access-control-allow-origin" not in preflight.headers
        assert "access-control-allow-methods" not in preflight.headers
        assert preflight.status_code >= 400

    async def test_open_to_configured_origins_only(
        self, database_url: str, redis_url: str, session: AsyncSession
    ) -> None:
        app = build_app(database_url, redis_url, session, cors_origins=[ORIGIN])
        async for api in _client(app):
            simple = await api.get("/v1/decisions", headers={"Origin": ORIGIN})
            assert simple.headers["access-control-allow-origin"] == ORIGIN
            exposed = simple.headers["access-control-expose-headers"].lower()
            assert "retry-after" in exposed and "etag" in exposed
            assert "access-control-allow-credentials" not in simple.headers
            assert_hardened(simple)

            preflight = await api.options(
                "/v1/jobs",
                headers={
                    "Origin": ORIGIN,
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "authorization, content-type",
                },
            )
            assert preflight.status_code == 200
            assert preflight.headers["access-control-allow-origin"] == ORIGIN
            assert "POST" in preflight.headers["access-control-allow-methods"]
            assert "authorization" in preflight.headers["access-control-allow-headers"].lower()

            stranger = "https://evil.example"
            other = await api.get("/v1/decisions", headers={"Origin": stranger})
            assert "access-control-allow-origin" not in other.headers
            refused = await api.options(
                "/v1/jobs",
                headers={"Origin": stranger, "Access-Control-Request-Method": "POST"},
            )
            assert refused.status_code == 400
            assert "access-control-allow-origin" not in refused.headers
            delete = await api.options(
                "/v1/jobs", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "DELETE"}
            )
            assert delete.status_code == 400
