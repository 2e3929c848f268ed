"""Typed records a site parser returns. Pure data: no HTTP, no database, no settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


class ParseError(ValueError):
    """The page is not recognisably a decision (or a listing); `reason` says why, for quarantine."""

    def __init__(self, reason: str, *, url: str = "") -> None:
        super().__init__(f"{reason} ({url})" if url else reason)
        self.reason = reason
        self.url = url


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ParsedDecision:
    """What one decision page says, as published. Missing fields are None and named in warnings."""

    url: str
    reference: str  # canonical "22 003 374"
    organisations: tuple[str, ...]
    category: str | None
    subcategory: str | None
    outcome_label: str | None  # exactly as published: "Closed after initial enquiries"
    decided_on: date | None
    summary: str
    sections: tuple[Section, ...]
    body_text: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ListingItem:
    reference: str  # canonical
    url: str  # permalink path as linked, e.g. /decisions/planning/planning-applications/23-001-945
    organisation: str | None = None
    outcome_label: str | None = None
    subcategory: str | None = None
    decided_on: date | None = None


@dataclass(frozen=True, slots=True)
class ParsedListing:
    """One page of /Decisions/SearchResults."""

    total: int  # "Your search has N results"
    items: tuple[ListingItem, ...] = field(default_factory=tuple)
