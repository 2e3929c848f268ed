"""/docs and /redoc served from local assets: operators read the API offline.

The Swagger UI 5 and ReDoc bundles come from the `fastapi-offline` package (Swagger UI 5 is
needed for FastAPI's OpenAPI 3.1). Where it is not installed, /docs answers 503 saying so.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from lgsco.api.errors import problem_response

STATIC_URL = "/static/docs"


def assets_dir() -> Path | None:
    spec = find_spec("fastapi_offline")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "static"
    return path if (path / "swagger-ui-bundle.js").is_file() else None


def install(app: FastAPI) -> None:
    assets = assets_dir()
    if assets is not None:
        app.mount(STATIC_URL, StaticFiles(directory=assets), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def swagger(request: Request) -> Response:
        if assets is None:
            return _missing(request)
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{app.title} – API docs",
            swagger_js_url=f"{STATIC_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC_URL}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC_URL}/favicon.png",
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> Response:
        if assets is None:
            return _missing(request)
        return get_redoc_html(
            openapi_url="/openapi.json",
            title=f"{app.title} – reference",
            redoc_js_url=f"{STATIC_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{STATIC_URL}/favicon.png",
            with_google_fonts=False,
        )


def _missing(request: Request) -> HTMLResponse | Response:
    return problem_response(
        request, 503, "The API docs assets are not installed (pip install fastapi-offline)."
    )
