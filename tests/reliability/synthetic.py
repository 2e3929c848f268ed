"""A large fake site built from decisions in the corpus's form (the invented ones of
tests/fakesite/invented.py, so no external corpus is needed): each text cycled under a new
reference, organisation and date, with the truth of what every page says kept beside it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from lgsco_shared.domain import OUTCOME_LABELS, Outcome, PublicationStatus
from lgsco_shared.models import Decision
from lgsco_shared.references import to_slug
from tests.fakesite.corpus import CorpusEntry
from tests.fakesite.corpus_site import listing_date
from tests.fakesite.render import render_decision
from tests.fakesite.server import FakeDecision, FakeSite

ORGANISATIONS = tuple(
    f"{place} {kind}"
    for place in ("Ashford", "Barnet", "Calder", "Dorset", "Epping", "Fylde", "Gedling", "Hart")
    for kind in ("Borough Council", "District Council", "County Council", "City Council")
)
FIRST_DAY = date(2024, 1, 1)


@dataclass(frozen=True, slots=True)
class Expected:
    """What the stored decision must say: the entry's truth under its new name and date."""

    reference: str
    path: str
    organisation: str
    listed_on: date
    decided_on: date | None  # pages without a header show no date
    category: str
    subcategory: str
    outcome_label: str | None
    summary: str
    has_header: bool
    body_sha256: str  # of the whole page: the raw page stored must be this one
    text: str  # the entry's text the page was rendered from

    def html(self, shape: str = "site") -> str:
        """The same decision's page in another of the site's templates."""
        return render_decision(
            self.text,
            shape=shape,
            reference=self.reference,
            organisation=self.organisation,
            decided_on=self.listed_on,
        )

    @property
    def outcome(self) -> Outcome | None:
        return OUTCOME_LABELS[self.outcome_label.lower()] if self.outcome_label else None


def reference_of(i: int) -> str:
    return f"26 {i // 1000:03} {i % 1000:03}"


def build(
    corpus: list[CorpusEntry],
    n: int,
    *,
    days: int = 366,
    first_day: date = FIRST_DAY,
    shape: str = "site",
) -> tuple[FakeSite, dict[str, Expected]]:
    """A site with `n` decisions spread over `days` from `first_day`, and their truth."""
    site = FakeSite()
    truth: dict[str, Expected] = {}
    for i in range(n):
        entry = corpus[i % len(corpus)]
        reference = reference_of(i)
        organisation = ORGANISATIONS[(i * 7) % len(ORGANISATIONS)]
        listed_on = first_day + timedelta(days=(i * 37) % days)
        has_header = bool(entry.truth["has_header"])
        path = entry.path.rsplit("/", 1)[0] + "/" + to_slug(reference)
        html = render_decision(
            entry.text,
            shape=shape,
            reference=reference,
            organisation=organisation,
            decided_on=listed_on,
        )
        site.add(
            FakeDecision(
                reference=reference,
                path=path,
                html=html,
                decided_on=listed_on,
                organisation=organisation,
                outcome_label=entry.truth.get("decision"),
                subcategory=entry.truth.get("subcategory"),
                summary=entry.truth.get("summary") or "",
            )
        )
        truth[reference] = Expected(
            reference=reference,
            path=path,
            organisation=organisation,
            listed_on=listed_on,
            decided_on=listed_on if entry.truth["decision_date"] else None,
            category=entry.truth["category"] if has_header else _slug(entry.truth, "category"),
            subcategory=(
                entry.truth["subcategory"] if has_header else _slug(entry.truth, "subcategory")
            ),
            outcome_label=entry.truth.get("decision"),
            summary=entry.truth["summary"],
            has_header=has_header,
            body_sha256=hashlib.sha256(html.encode("utf-8")).hexdigest(),
            text=entry.text,
        )
    return site, truth


def window(truth: dict[str, Expected]) -> tuple[date, date]:
    dates = [e.listed_on for e in truth.values()]
    return min(dates), max(dates)


def _slug(truth: dict[str, object], name: str) -> str:
    return str(truth[f"{name}_slug"]).replace("-", " ").capitalize()


def mismatches(decision: Decision, expected: Expected) -> list[str]:
    """Fields of a stored decision that differ from the truth (empty when all are right)."""
    checks: dict[str, tuple[object, object]] = {
        "organisations": ([o.name for o in decision.organisations], [expected.organisation]),
        "permalink": (decision.permalink, expected.path),
        "decided_on": (decision.decided_on, expected.decided_on),
        "outcome_label": (decision.outcome_label, expected.outcome_label),
        "outcome": (decision.outcome, expected.outcome),
        "summary": (decision.summary, expected.summary),
        "category": ((decision.category or "").lower(), expected.category.lower()),
        "subcategory": ((decision.subcategory or "").lower(), expected.subcategory.lower()),
        "status": (decision.status, PublicationStatus.PUBLISHED),
        "version": (decision.version, 1),
    }
    wrong = [f"{k}: {got!r} != {want!r}" for k, (got, want) in checks.items() if got != want]
    if "Back to top" in decision.body_text:
        wrong.append("body_text keeps page chrome")
    return wrong


__all__ = ["Expected", "build", "listing_date", "mismatches", "reference_of", "window"]
