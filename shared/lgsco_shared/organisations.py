"""The kind of an organisation, from reference data, to compare like with like.

A council is matched to the table of English local authorities (lgsco_shared.authorities):
its kind is that authority's type, never a guess from the words in its name. A body that
names itself a council but matches no authority is `unknown` until an operator maps it
(`PATCH /v1/organisations/{id}`). Other bodies are classified only on evidence:
- a care provider is a registered company (Ltd, Limited, LLP, PLC, CIC) that a decision in the
  LGSCO's "Adult care services" category is about: the Ombudsman's jurisdiction over companies
  is over adult social care providers, and the category is the LGSCO's own statement of what a
  complaint was about. A company form alone is no evidence (a housing association, a contractor
  or a school trust are companies too): without the category the kind is `unknown`;
- a statutory body's title (National Park Authority, Fire and Rescue Authority, ...) is `other`;
- anything else is `unknown`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from lgsco_shared.authorities import Authority, by_key, match, normalise
from lgsco_shared.domain import OrganisationKind

ADULT_CARE = "Adult care services"  # the LGSCO's category for adult social care
_COMPANY = re.compile(r"\b(ltd|limited|llp|plc|cic|c\.i\.c)\b\.?", re.IGNORECASE)
_STATUTORY_BODY = re.compile(
    r"\b(national park authority|fire and rescue|fire authority|police and crime commissioner|"
    r"combined authority|transport for london|waste authority|passenger transport|"
    r"greater london authority|integrated care board|broads authority|"
    r"valuation office|admissions? appeals? panel)\b",
    re.IGNORECASE,
)
_COUNCIL_LIKE = re.compile(
    r"\b(council|borough|county|corporation|city of|metropolitan)\b", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Classification:
    kind: OrganisationKind
    gss_code: str | None


def classify(name: str, on: date | None = None, *, category: str | None = None) -> Classification:
    """The kind (and GSS code, for a council) of the body `name`, on `on` (None: today's), that
    a decision in `category` (None: not known) is about."""
    authority: Authority | None = match(name, on)
    if authority is not None:
        return Classification(authority.kind, authority.gss_code)
    if is_company(name):
        if is_adult_care(category):
            return Classification(OrganisationKind.CARE_PROVIDER, None)
        return Classification(OrganisationKind.UNKNOWN, None)
    if _COUNCIL_LIKE.search(name):  # a council the table does not hold: an operator maps it
        return Classification(OrganisationKind.UNKNOWN, None)
    if _STATUTORY_BODY.search(name):
        return Classification(OrganisationKind.OTHER, None)
    return Classification(OrganisationKind.UNKNOWN, None)


def kind_of(name: str, on: date | None = None, *, category: str | None = None) -> OrganisationKind:
    return classify(name, on, category=category).kind


def is_company(name: str) -> bool:
    """Whether `name` carries a registered company form (Ltd, Limited, LLP, PLC, CIC)."""
    return _COMPANY.search(name) is not None


def is_adult_care(category: str | None) -> bool:
    """Whether `category` is the LGSCO's "Adult care services" (as the page or its URL says)."""
    return category is not None and " ".join(category.split()).casefold() == ADULT_CARE.casefold()


def kind_changes(name: str) -> bool:
    """Whether the authority `name` names had different kinds at different dates."""
    return len({authority.kind for authority in by_key().get(normalise(name), ())}) > 1


def dated_kind(name: str, on: date | None) -> OrganisationKind | None:
    """The kind `name` had on `on` where it has changed over time (the county councils replaced
    by a unitary council of the same name: Somerset, Dorset, Buckinghamshire, North Yorkshire);
    None where the kind never changed (the organisation's own kind applies)."""
    if on is None or not kind_changes(name):
        return None
    authority = match(name, on)
    return authority.kind if authority is not None else None
