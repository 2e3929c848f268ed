"""LGSCO case references: every form people type, one canonical form.

A reference is a two-digit year the complaint was received and six digits: `22 003 374`.
URLs write it with dashes (`22-003-374`); people also type `22003374` or pad it with spaces.
"""

from __future__ import annotations

import re

# "22 003 374", "22-003-374", "22003374", " 22 003 374 ", "22 003374" (seen in council reports)
_REFERENCE = re.compile(r"^\s*([0-9]{2})[\s\-]?([0-9]{3})[\s\-]?([0-9]{3})\s*$")

REFERENCE_HELP = (
    "a reference is two digits for the year and six digits, written like '22 003 374' "
    "(also accepted: '22-003-374', '22003374')"
)


class InvalidReference(ValueError):
    """Raised for anything that is not an LGSCO case reference; says what one looks like."""

    def __init__(self, value: object) -> None:
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        super().__init__(f"{shown} is not an LGSCO case reference: {REFERENCE_HELP}")


def normalise(value: str) -> str:
    """Return the canonical form `YY NNN NNN`, or raise InvalidReference."""
    if not isinstance(value, str) or (match := _REFERENCE.match(value)) is None:
        raise InvalidReference(value)
    return " ".join(match.groups())


def to_slug(reference: str) -> str:
    """`22 003 374` -> `22-003-374`, the form used in permalinks."""
    return normalise(reference).replace(" ", "-")
