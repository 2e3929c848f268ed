"""The kind of an organisation, derived from its name, to compare like with like."""

from __future__ import annotations

import re

from lgsco_shared.domain import OrganisationKind

# Metropolitan boroughs and the core cities that are metropolitan districts ("Leeds City Council").
_METROPOLITAN_CITIES = {
    "birmingham",
    "bradford",
    "coventry",
    "leeds",
    "liverpool",
    "manchester",
    "newcastle upon tyne",
    "salford",
    "sheffield",
    "sunderland",
    "wakefield",
    "wolverhampton",
}
_LONDON = re.compile(
    r"^(london borough of|royal borough of kensington|royal borough of greenwich|"
    r"city of westminster|westminster city council|city of london)",
    re.IGNORECASE,
)
_PROVIDER = re.compile(
    r"\b(ltd|limited|llp|plc|care|home|homes|nursing|healthcare|cic|trust)\b", re.IGNORECASE
)


def kind_of(name: str) -> OrganisationKind:
    lowered = name.lower().strip()
    if _LONDON.match(lowered):
        return OrganisationKind.LONDON_BOROUGH
    if "metropolitan borough" in lowered or lowered.removesuffix(" city council") in (
        _METROPOLITAN_CITIES
    ):
        return OrganisationKind.METROPOLITAN
    if lowered.endswith("county council"):
        return OrganisationKind.COUNTY
    if lowered.endswith(("district council", "borough council")) or (
        lowered.endswith("city council") and "county" not in lowered
    ):
        return OrganisationKind.DISTRICT
    if _PROVIDER.search(lowered):
        return OrganisationKind.CARE_PROVIDER
    if lowered.endswith("council"):
        return OrganisationKind.UNITARY
    return OrganisationKind.OTHER
