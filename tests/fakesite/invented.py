"""Decisions the project writes itself, in the corpus's text format, with the truth of each.

The reliability and console tests run on these, so a clone without the external corpus runs
them too. Each is a `CorpusEntry` like the real ones (the title line, header lines, the
"final decision" preface, the summary, numbered sections with "Back to top"), so
`render.render_decision` turns it into a page in any of the site's shapes. The texts vary what
the parser and the remedy extractor read: the three outcomes, pages without a header (older
ones), apologies, payments, and other agreed actions. Complainants are "Mr X", "Mrs Y", as on
the site; councils are real names of no real decision. Summaries have no apostrophes, so a
test can find their words in the page's HTML as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from tests.fakesite.corpus import CorpusEntry

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_COUNCILS = (
    "Ashford Borough Council",
    "Barnet London Borough Council",
    "Cornwall Council",
    "Derbyshire County Council",
    "Exeter City Council",
    "Fenland District Council",
    "Gateshead Metropolitan Borough Council",
    "Hertfordshire County Council",
    "Ipswich Borough Council",
    "Kent County Council",
    "Leeds City Council",
    "Medway Council",
)
_PEOPLE = ("Mr X", "Mrs Y", "Ms Z", "Miss B", "Mr C")


@dataclass(frozen=True, slots=True)
class _Topic:
    category: str
    subcategory: str
    about: str  # "how the Council handled their housing register application"
    fault: str  # what went wrong, in a finding


_TOPICS = (
    _Topic(
        "Housing",
        "Allocations",
        "how the Council handled their housing register application",
        "the Council took five months to assess the application",
    ),
    _Topic(
        "Adult care services",
        "Assessment and care plan",
        "how the Council assessed their care needs",
        "the Council did not review the care plan when their needs changed",
    ),
    _Topic(
        "Education",
        "Special educational needs",
        "a delay by the Council in issuing an Education, Health and Care Plan",
        "the Council issued the plan eleven weeks late",
    ),
    _Topic(
        "Planning",
        "Planning applications",
        "a decision by the Council to approve an extension next door",
        "the Council did not consider the effect on the amenity of the complainant",
    ),
    _Topic(
        "Benefits and tax",
        "Council tax",
        "how the Council recovered council tax arrears",
        "the Council sent the account to enforcement agents without a reminder",
    ),
    _Topic(
        "Environment and regulation",
        "Refuse and recycling",
        "repeated missed bin collections",
        "the Council missed the collection on eight occasions and did not act on reports",
    ),
    _Topic(
        "Highways and transport",
        "Parking and other penalties",
        "a penalty charge notice",
        "the Council did not consider the representations before the charge certificate",
    ),
    _Topic(
        "Children's care services",
        "Child protection",
        "how the Council communicated during a child protection enquiry",
        "the Council did not share the strategy meeting notes as it said it would",
    ),
)
OUTCOMES = ("Upheld", "Not upheld", "Closed after initial enquiries")


def slug(text: str) -> str:
    return "-".join(
        "".join(c for c in word.lower() if c.isalnum()) for word in text.replace("'", "").split()
    )


def _reference(i: int) -> str:
    return f"{23 + i % 3} {(i * 37) % 1000:03} {(i * 211 + 7) % 1000:03}"


def _day(i: int) -> date:
    return date(2023 + i % 3, 1, 1) + timedelta(days=(i * 53) % 360)


def _remedies(i: int, outcome: str) -> dict[str, Any] | None:
    """What the summary agrees, for about half of the upheld decisions (None: no remedy)."""
    if outcome != "Upheld" or i % 4 == 3:
        return None
    payments = [100 * (1 + i % 5)] if i % 4 in (0, 2) else []
    other = ["staff_training"] if i % 4 == 2 else []
    return {"apology": True, "payments": payments, "payment_unquantified": False, "other": other}


def _summary(person: str, topic: _Topic, outcome: str, remedies: dict[str, Any] | None) -> str:
    complaint = f"{person} complained about {topic.about}."
    if outcome == "Closed after initial enquiries":
        return f"{complaint} We will not investigate because there is not enough evidence of fault."
    if outcome == "Not upheld":
        return f"{complaint} We found no fault in how the Council acted."
    text = f"{complaint} We found fault because {topic.fault}."
    if remedies:
        agreed = [f"apologise to {person}"]
        agreed += [f"pay {person} £{n} for the distress caused" for n in remedies["payments"]]
        if "staff_training" in remedies["other"]:
            agreed.append("remind its staff of the timescales in its procedures")
        text += " The Council has agreed to " + ", and ".join(agreed) + "."
    return text


def _text(
    i: int,
    *,
    reference: str,
    organisation: str,
    topic: _Topic,
    outcome: str,
    decided_on: date,
    summary: str,
    remedies: dict[str, Any] | None,
    has_header: bool,
) -> str:
    person = _PEOPLE[i % len(_PEOPLE)]
    lines = [f"{organisation} ({reference})"]
    if has_header:
        day = f"{decided_on.day:02} {_MONTHS[decided_on.month - 1]} {decided_on.year}"
        lines += [
            f"Category : {topic.category} > {topic.subcategory}",
            f"Decision : {outcome}",
            f"Decision date : {day}",
        ]
    lines += [
        "The Ombudsman's final decision:",
        f"Summary: {summary}",
        "The complaint",
        f"  1. {person} complained about {topic.about}.",
        f"  2. {person} says this caused them distress and time and trouble.",
        "Back to top",
        "The Ombudsman’s role and powers",
        "  1. We investigate complaints about ‘maladministration’ and ‘service failure’. "
        "In this statement, I have used the word fault to refer to these.",
        "(Local Government Act 1974, sections 26(1) and 26A(1), as amended)",
        "Back to top",
        "How I considered this complaint",
        f"  1. I considered the information provided by {person} and the Council.",
        "Back to top",
        "What I found",
    ]
    if outcome == "Upheld":
        lines.append(f"  1. I find fault because {topic.fault}.")
    else:
        lines.append("  1. I have not found evidence of fault in how the Council acted.")
    lines.append("Back to top")
    if remedies:
        lines += ["Agreed action", "  1. Within one month of my final decision, the Council will:"]
        lines.append(f"  • apologise to {person} for the fault identified;")
        lines += [f"  • pay {person} £{n} for the distress caused;" for n in remedies["payments"]]
        if "staff_training" in remedies["other"]:
            lines.append("  • remind its staff of the timescales in its procedures.")
        lines += ["Back to top"]
    lines += ["Final decision", f"  1. I have completed my investigation. {summary}"]
    return "\n".join(lines)


@cache
def _invent(n: int) -> tuple[CorpusEntry, ...]:
    entries = []
    for i in range(n):
        topic = _TOPICS[i % len(_TOPICS)]
        outcome = OUTCOMES[(i // 2) % len(OUTCOMES)]
        has_header = i % 9 != 4  # one in nine: an older page without a header
        reference = _reference(i)
        organisation = _COUNCILS[(i * 5) % len(_COUNCILS)]
        decided_on = _day(i)
        remedies = _remedies(i, outcome)
        person = _PEOPLE[i % len(_PEOPLE)]
        summary = _summary(person, topic, outcome, remedies)
        case = reference.replace(" ", "-")
        path = f"/decisions/{slug(topic.category)}/{slug(topic.subcategory)}/{case}"
        text = _text(
            i,
            reference=reference,
            organisation=organisation,
            topic=topic,
            outcome=outcome,
            decided_on=decided_on,
            summary=summary,
            remedies=remedies,
            has_header=has_header,
        )
        truth: dict[str, Any] = {
            "ref": reference,
            "organisation": organisation,
            "category": topic.category if has_header else None,
            "subcategory": topic.subcategory if has_header else None,
            "decision": outcome if has_header else None,
            "decision_date": decided_on.isoformat() if has_header else None,
            "summary": summary,
            "category_slug": slug(topic.category),
            "subcategory_slug": slug(topic.subcategory),
            "has_header": has_header,
        }
        entries.append(
            CorpusEntry(
                url=f"https://www.lgo.org.uk{path}",
                path=path,
                text=text,
                truth=truth,
                remedies=remedies,
            )
        )
    return tuple(entries)


def invented(n: int = 96) -> list[CorpusEntry]:
    """`n` decisions with distinct references, deterministic (the same on every run)."""
    return list(_invent(n))
