"""The kind of an organisation, from reference data, to compare like with like.

A council is matched to the table of English local authorities (lgsco_shared.authorities):
its kind is that authority's type, never a guess from the words in its name. A body that
names itself a council but matches no authority is `unknown` until an operator maps it
(`PATCH /v1/organisations/{id}`). Other bodies are classified only on evidence in the name:
a registered company form (Ltd, Limited, LLP, PLC, CIC) is a care provider (the companies
the Ombudsman decides about are independent adult social care providers; an operator corrects
an exception with PATCH), a statutory body's title (National Park Authority, Fire and Rescue
Authority, ...) is `other`; anything else is `unknown`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from lgsco_shared.authorities import Authority, by_key, match, normalise
from lgsco_shared.domain import OrganisationKind

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


def classify(name: str, on: date | None = None) -> Classification:
    """The kind (and GSS code, for a council) of the body `name`, on `on` (None: today's)."""
    authority: Authority | None = match(name, on)
    if authority is not None:
        return Classification(authority.kind, authority.gss_code)
    if _COMPANY.search(name):
        return Classification(OrganisationKind.CARE_PROVIDER, None)
    if _COUNCIL_LIKE.search(name):  # a council the table does not hold: an operator maps it
        return Classification(OrganisationKind.UNKNOWN, None)
    if _STATUTORY_BODY.search(name):
        return Classification(OrganisationKind.OTHER, None)
    return Classification(OrganisationKind.UNKNOWN, None)


def kind_of(name: str, on: date | None = None) -> OrganisationKind:
    return classify(name, on).kind


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
