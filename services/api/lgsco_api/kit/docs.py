"""/docs and /redoc served from local assets: operators read the API offline.

The Swagger UI 5 and ReDoc bundles come from the `fastapi-offline` package (Swagger UI 5 is
needed for FastAPI's OpenAPI 3.1). Where it is not installed, /docs answers 503 saying so.

Each page carries its own Content-Security-Policy: scripts only from this origin plus the hash of
the page's one inline script (Swagger UI's start-up call), so an injected script cannot run;
inline styles are allowed because both bundles set styles at run time. The online validator
badge is turned off: nothing on these pages reaches beyond this origin.
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib.util import find_spec
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from lgsco_api.kit.errors import problem_response

STATIC_URL = "/static/docs"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def content_security_policy(html: str) -> str:
    """A CSP for one docs page: this origin only, plus the hashes of its inline scripts."""
    scripts = ["'self'"] + [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html)
    ]
    return (
        f"default-src 'none'; script-src {' '.join(scripts)}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )


def _with_csp(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = content_security_policy(bytes(page.body).decode())
    return page


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
        page = get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{app.title} – API docs",
            swagger_js_url=f"{STATIC_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC_URL}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC_URL}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None},
        )
        return _with_csp(page)

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> Response:
        if assets is None:
            return _missing(request)
        page = get_redoc_html(
            openapi_url="/openapi.json",
            title=f"{app.title} – reference",
            redoc_js_url=f"{STATIC_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{STATIC_URL}/favicon.png",
            with_google_fonts=False,
        )
        return _with_csp(page)


def _missing(request: Request) -> HTMLResponse | Response:
    return problem_response(
        request, 503, "The API docs assets are not installed (pip install fastapi-offline)."
    )
