"""What a decision query selects and in which order: the value the routes, the console and the
statistics build from their parameters, and the queries read. No HTTP, no SQL."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lgsco_shared.domain import Outcome, PublicationStatus


class DecisionSort(StrEnum):
    """Orders a keyset cursor can follow; each ends with the id so ties never repeat or vanish."""

    NEWEST = "-decided_on"
    OLDEST = "decided_on"
    CHANGED = "changed_at"  # oldest change first: what incremental sync reads
    RELEVANCE = "relevance"  # needs q


class DecisionFilters(BaseModel):
    """Every filter of /v1/decisions, also accepted by the statistics endpoints."""

    model_config = ConfigDict(frozen=True)

    organisation: tuple[str, ...] = ()
    # The ids `organisation` resolved to, once checked (kit.deps.known). The queries name them
    # as constants, so the planner sees from its statistics how large a council is (a sub-select
    # hides that, and a large council's rows were read and sorted to take one page).
    organisation_ids: tuple[int, ...] | None = Field(default=None, exclude=True)
    category: str | None = None
    subcategory: str | None = None
    outcome: tuple[Outcome, ...] = ()
    decided_from: date | None = None
    decided_to: date | None = None
    financial_year: str | None = None
    q: str | None = None
    has_remedy: bool | None = None
    status: PublicationStatus | None = None
    republished: bool | None = None
    changed_since: datetime | None = None

    def applied(self) -> dict[str, Any]:
        """The filters that were given, echoed in statistics so a table says what it counts."""
        return {
            k: (list(v) if isinstance(v, tuple) else v)
            for k, v in self.model_dump(mode="json").items()
            if v not in (None, [], ())
        }
