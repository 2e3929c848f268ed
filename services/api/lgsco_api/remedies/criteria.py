"""What a remedy query selects: built by the routes and the console, read by the queries."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

from lgsco_shared.domain import RemedyCommitment, RemedyStatus, RemedyType


class RemedyFilters(BaseModel):
    model_config = ConfigDict(frozen=True)

    def applied(self) -> dict[str, Any]:
        return {k: v for k, v in self.model_dump(mode="json").items() if v not in (None, [], ())}

    organisation: tuple[str, ...] = ()
    type: tuple[RemedyType, ...] = ()
    status: tuple[RemedyStatus, ...] = ()
    due_before: date | None = None
    due_after: date | None = None
    decision: str | None = None  # canonical reference
    financial_year: str | None = None
    current: bool | None = None
    commitment: tuple[RemedyCommitment, ...] = ()
