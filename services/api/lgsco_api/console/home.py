"""/console: how fresh the copy is and how busy the worker is (the figures of /v1/status)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from lgsco_api.console import pages
from lgsco_api.kit.deps import SessionDep
from lgsco_api.status.service import current_status


async def overview(request: Request, session: SessionDep, viewer: pages.ReaderDep) -> HTMLResponse:
    """/console (added to the console router in __init__: a sub-router cannot serve its root)."""
    status = await current_status(request, session)
    return pages.render(request, "home.html", {"status": status, "section": "home"})
