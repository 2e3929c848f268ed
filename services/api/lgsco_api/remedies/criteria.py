"""What a remedy query selects: built by the routes and the console, read by the queries."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lgsco_shared.domain import RemedyCommitment, RemedyStatus, RemedyType


class RemedyFilters(BaseModel):
    model_config = ConfigDict(frozen=True)

    def applied(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump(mode="json").items() if v not in (None, [], ())}

    organisation: tuple[str, ...] = ()
    # The ids `organisation` resolved to, once checked (kit.deps.known). The queries name them
    # as constants, so the planner sees from its statistics how large a council is (a sub-select
    # hides that, and a large council's rows were read and sorted to take one page).
    organisation_ids: tuple[int, ...] | None = Field(default=None, exclude=True)
    type: tuple[RemedyType, ...] = ()
    status: tuple[RemedyStatus, ...] = ()
    due_before: date | None = None
    due_after: date | None = None
    decision: str | None = None  # canonical reference
    financial_year: str | None = None
    current: bool | None = None
    commitment: tuple[RemedyCommitment, ...] = ()
