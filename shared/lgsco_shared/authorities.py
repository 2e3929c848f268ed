"""England's local authorities as reference data: name, GSS code, type and the dates between
which each existed (data/english_authorities.csv; sources in data/README.md).

A council is matched by its name, normalised: case, punctuation and "&" ignored, and the forms
councils take ("X County Council", "London Borough of X", "Royal Borough of X", "X, City of",
"City of X Council", ...) reduced to X. A name that reduces to no authority is not guessed at.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from importlib import resources

from lgsco_shared.domain import OrganisationKind


class AuthorityType(StrEnum):
    """The ONS type of a local authority (the first three characters of its GSS code)."""

    COUNTY = "county"  # E10: county council over districts
    DISTRICT = "district"  # E07: non-metropolitan district in a two-tier area
    UNITARY = "unitary"  # E06
    METROPOLITAN = "metropolitan"  # E08: metropolitan borough
    LONDON_BOROUGH = "london_borough"  # E09
    CITY_OF_LONDON = "city_of_london"  # E09000001, sui generis
    ISLES_OF_SCILLY = "isles_of_scilly"  # E06000053, sui generis


# The peer group each type is compared with: the City of London with the London boroughs, the
# Isles of Scilly with the unitary councils.
PEER_KIND: dict[AuthorityType, OrganisationKind] = {
    AuthorityType.COUNTY: OrganisationKind.COUNTY,
    AuthorityType.DISTRICT: OrganisationKind.DISTRICT,
    AuthorityType.UNITARY: OrganisationKind.UNITARY,
    AuthorityType.METROPOLITAN: OrganisationKind.METROPOLITAN,
    AuthorityType.LONDON_BOROUGH: OrganisationKind.LONDON_BOROUGH,
    AuthorityType.CITY_OF_LONDON: OrganisationKind.LONDON_BOROUGH,
    AuthorityType.ISLES_OF_SCILLY: OrganisationKind.UNITARY,
}

CODE_PREFIX: dict[AuthorityType, str] = {
    AuthorityType.COUNTY: "E10",
    AuthorityType.DISTRICT: "E07",
    AuthorityType.UNITARY: "E06",
    AuthorityType.METROPOLITAN: "E08",
    AuthorityType.LONDON_BOROUGH: "E09",
    AuthorityType.CITY_OF_LONDON: "E09",
    AuthorityType.ISLES_OF_SCILLY: "E06",
}


@dataclass(frozen=True, slots=True)
class Authority:
    gss_code: str
    name: str  # as ONS lists it ("Bristol, City of")
    alternative_names: tuple[str, ...]
    type: AuthorityType
    valid_from: date | None  # None: before the table's first reorganisation (1 April 2019)
    valid_to: date | None  # None: still exists
    successors: tuple[str, ...]

    @property
    def kind(self) -> OrganisationKind:
        return PEER_KIND[self.type]

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


_PREFIXES = (
    "the ",
    "council of the ",
    "borough council of ",
    "london borough of ",
    "royal borough of ",
    "metropolitan borough of ",
    "borough of ",
    "city of ",
    "county of ",
    "county ",
)
_SUFFIXES = (
    " council",
    " corporation",
    " county",
    " city",
    " borough",
    " district",
    " metropolitan",
    " unitary authority",
)
_COMMA_FORM = re.compile(r",\s*(city|county) of\s*$")


def normalise(name: str) -> str:
    """The key a council's name is matched on: "Royal Borough of Kingston upon Thames" and
    "Kingston upon Thames" give "kingston upon thames"; "Stoke-on-Trent City Council" gives
    "stoke on trent"."""
    text = _COMMA_FORM.sub("", name.strip().lower())
    text = text.replace("&", " and ").replace("’", "").replace("'", "").replace(".", "")
    text = " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())
    changed = True
    while changed and text:
        changed = False
        for prefix in _PREFIXES:
            if text.startswith(prefix) and len(text) > len(prefix):
                text, changed = text[len(prefix) :], True
        for suffix in _SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text, changed = text[: -len(suffix)], True
    return text


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(";") if part.strip())


@cache
def authorities() -> tuple[Authority, ...]:
    """Every authority in the table, in code order."""
    source = resources.files("lgsco_shared") / "data" / "english_authorities.csv"
    with io.StringIO(source.read_text(encoding="utf-8"), newline="") as handle:
        return tuple(
            Authority(
                gss_code=row["gss_code"],
                name=row["name"],
                alternative_names=_split(row["alternative_names"]),
                type=AuthorityType(row["type"]),
                valid_from=_date(row["valid_from"]),
                valid_to=_date(row["valid_to"]),
                successors=_split(row["successors"]),
            )
            for row in csv.DictReader(handle)
        )


@cache
def by_code() -> dict[str, Authority]:
    return {authority.gss_code: authority for authority in authorities()}


@cache
def by_key() -> dict[str, tuple[Authority, ...]]:
    """Normalised name -> the authorities it names (more than one only at different dates)."""
    keys: dict[str, list[Authority]] = defaultdict(list)
    for authority in authorities():
        for name in (authority.name, *authority.alternative_names):
            key = normalise(name)
            if authority not in keys[key]:
                keys[key].append(authority)
    return {key: tuple(found) for key, found in keys.items()}


def match(name: str, on: date | None = None) -> Authority | None:
    """The authority `name` names, on the day `on` (None: the latest of them).

    A name such as "Somerset Council" names the county until 31 March 2023 and the unitary
    council since; a day outside every range gets the nearest one.
    """
    found = by_key().get(normalise(name))
    if not found:
        return None
    if on is not None:
        for authority in found:
            if authority.valid_on(on):
                return authority
        return min(found, key=lambda a: _distance(a, on))
    return max(found, key=lambda a: a.valid_from or date.min)


def _distance(authority: Authority, day: date) -> int:
    if authority.valid_to is not None and day > authority.valid_to:
        return (day - authority.valid_to).days
    if authority.valid_from is not None and day < authority.valid_from:
        return (authority.valid_from - day).days
    return 0
