"""Single invented decisions built on demand (reference, date, outcome), for tests of crawling

The text follows the corpus's layout (header, summary, numbered sections, `Back to top`); the
councils, people and facts are made up.
"""

from __future__ import annotations

from datetime import date

from lgsco_shared.references import to_slug
from tests.fakesite.render import render_decision
from tests.fakesite.server import FakeDecision

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_TEXT = """{organisation} ({reference})

Category : {category} > {subcategory}

Decision : {outcome}

Decision date : {day}

The Ombudsman's final decision:

Summary: {summary}

The complaint

  1. Mrs X complains the Council did not explain the charge for her care.
  2. Mrs X says this caused her distress.

Back to top

My assessment

  1. The Council should give people information about charges before care starts.
  2. It did not do so here. That was fault.

Back to top

Agreed action

  1. Within one month of the final decision, the Council will apologise to Mrs X.

Back to top

Final decision

  1. I have completed my investigation. There was fault causing injustice."""


def invented_decision(
    reference: str,
    decided_on: date,
    *,
    organisation: str = "Eastmere County Council",
    summary: str | None = None,
    outcome: str = "Upheld",
    category: tuple[str, str] = ("Adult care services", "Charging"),
) -> FakeDecision:
    """A decision page dated `decided_on`, listed under that date by the fake search."""
    summary = summary or (
        f"The Council did not explain care charges to Mrs X ({reference}). "
        "It has agreed to apologise."
    )
    day = f"{decided_on.day:02} {_MONTHS[decided_on.month - 1]} {decided_on.year}"
    text = _TEXT.format(
        organisation=organisation,
        reference=reference,
        day=day,
        summary=summary,
        outcome=outcome,
        category=category[0],
        subcategory=category[1],
    )
    return FakeDecision(
        reference=reference,
        path=f"/decisions/{_slug(category[0])}/{_slug(category[1])}/{to_slug(reference)}",
        html=render_decision(text, shape="site"),
        decided_on=decided_on,
        organisation=organisation,
        outcome_label=outcome,
        subcategory=category[1],
        summary=summary,
    )


def _slug(words: str) -> str:
    return "-".join(words.lower().split())
