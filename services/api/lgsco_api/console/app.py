"""The console's router and its installation into the app."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from lgsco_api.console import decisions, figures, home, jobs, pages, problems, runs, schedules

router = APIRouter(prefix="/console", include_in_schema=False)
router.add_api_route("", home.overview, methods=["GET"], response_class=HTMLResponse)
for _module in (runs, schedules, jobs, decisions, figures):
    router.include_router(_module.router)


def install(app: FastAPI) -> None:
    """Serve the console's CSS and script from the package (nothing from a CDN), and show
    errors met on its pages as its own pages (problems.py)."""
    app.mount(pages.STATIC_URL, StaticFiles(directory=pages.STATIC), name="console-static")
    app.add_middleware(problems.ConsoleProblems)
    app.add_exception_handler(pages.Refusal, _refused)


async def _refused(request: Request, exc: Exception) -> Response:
    """A page the viewer may not read answers with the sign-in page (`pages.ReaderDep`)."""
    assert isinstance(exc, pages.Refusal)
    return exc.response


__all__ = ["install", "router"]
