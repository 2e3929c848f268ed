"""/v1/status: how fresh and complete the copy is, for operations dashboards."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from lgsco_api.kit.auth import ReadDep
from lgsco_api.kit.deps import SessionDep
from lgsco_api.kit.query import ClosedQueryRoute
from lgsco_api.kit.schemas import ERRORS
from lgsco_api.status import service
from lgsco_api.status.schemas import ServiceStatus, StatusQuery

router = APIRouter(tags=["operations"], responses=ERRORS, route_class=ClosedQueryRoute)


@router.get("/status", response_model=ServiceStatus)
async def service_status(
    request: Request,
    session: SessionDep,
    _: ReadDep,
    query: Annotated[StatusQuery, Query()],
) -> ServiceStatus:
    """Freshness: latest decision date stored, last successful crawl and refresh, decisions
    stored, failures in the last 24 hours, whether the newest search page fetched looked like
    an empty search shell (the site serving bots nothing), and the publication lag: how long
    after their decision date the refresh first saw decisions."""
    return await service.current_status(request, session, late_after_days=query.late_after_days)
