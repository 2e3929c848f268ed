"""Build a fake site's decisions from the corpus, in one of the three markup shapes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from urllib.parse import urlsplit

from tests.fakesite.corpus import CorpusEntry
from tests.fakesite.render import render_decision
from tests.fakesite.server import FakeDecision, FakeSite


def listing_date(entry: CorpusEntry) -> date:
    """The date the search lists a decision under; pages without a header still have one there."""
    if entry.truth.get("decision_date"):
        return date.fromisoformat(entry.truth["decision_date"])
    return date(2001 + int(entry.truth["ref"][:2]), 1, 15)


def fake_decision(entry: CorpusEntry, *, shape: str = "site") -> FakeDecision:
    truth = entry.truth
    return FakeDecision(
        reference=truth["ref"],
        path=urlsplit(entry.url).path,
        html=render_decision(entry.text, shape=shape),
        decided_on=listing_date(entry),
        organisation=truth["organisation"],
        outcome_label=truth.get("decision"),
        subcategory=truth.get("subcategory"),
        summary=truth.get("summary") or "",
    )


def corpus_site(entries: Iterable[CorpusEntry], *, shape: str = "site") -> FakeSite:
    site = FakeSite()
    for entry in entries:
        site.add(fake_decision(entry, shape=shape))
    return site


def window_of(entries: Iterable[CorpusEntry]) -> tuple[date, date]:
    dates = [listing_date(e) for e in entries]
    return min(dates), max(dates)
