"""The bodies a decision is about: created once by name with their kind (from reference data),
and linked to the decision with the kind on its date."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from lgsco_shared.domain import OrganisationKind
from lgsco_shared.models import DecisionOrganisation, Organisation
from lgsco_shared.organisations import classify, dated_kind, is_adult_care, is_company

_organisation = cast(Table, Organisation.__table__)
_decision_organisation = cast(Table, DecisionOrganisation.__table__)


_ORGANISATIONS_NAMED = select(_organisation.c.name, _organisation.c.id).where(
    _organisation.c.name.in_(bindparam("names", expanding=True))
)


_INSERT_ORGANISATIONS = insert(_organisation).on_conflict_do_nothing(index_elements=["name"])


_LINK = _decision_organisation.insert()


_CARE_PROVIDERS = (
    _organisation.update()
    .where(
        _organisation.c.id.in_(bindparam("ids", expanding=True)),
        _organisation.c.kind == OrganisationKind.UNKNOWN,
    )
    .values(kind=OrganisationKind.CARE_PROVIDER)
)


_UNLINK = _decision_organisation.delete().where(
    _decision_organisation.c.decision_id == bindparam("decision_id")
)


async def link_organisations(
    conn: AsyncConnection,
    decision_id: int,
    names: Sequence[str],
    decided_on: date | None,
    *,
    category: str | None,
    new: bool,
) -> None:
    """Link the decision to its organisations, in the page's order (a new one replaces none).

    Each link carries the organisation's kind on the decision's date where that kind changed
    over time (Somerset County Council until 31 March 2023, a unitary council since). The
    decision's category is evidence of what a company is (`lgsco_shared.organisations`): a
    company first seen elsewhere, still `unknown`, becomes a care provider when an adult social
    care decision names it; no other kind is ever changed here."""
    if not new:
        await conn.execute(_UNLINK, {"decision_id": decision_id})
    ids = await organisation_ids(conn, names, category)
    if is_adult_care(category):
        companies = [id_ for name, id_ in zip(names, ids, strict=True) if is_company(name)]
        if companies:
            await conn.execute(_CARE_PROVIDERS, {"ids": companies})
    kinds = {id_: dated_kind(name, decided_on) for name, id_ in zip(names, ids, strict=True)}
    if ids:
        await conn.execute(
            _LINK,
            [
                {
                    "decision_id": decision_id,
                    "organisation_id": id_,
                    "position": position,
                    "kind": kinds[id_],
                }
                for position, id_ in enumerate(dict.fromkeys(ids))
            ],
        )


async def organisation_ids(
    conn: AsyncConnection, names: Sequence[str], category: str | None = None
) -> list[int]:
    """Ids of `names`, in order, inserting those not yet known.

    Almost every organisation is already stored, so one SELECT usually answers; the insert of
    the missing ones does nothing on conflict (another worker may insert the same name), and
    the second SELECT, a statement of its own, sees what that worker committed.
    """
    found = await _organisations_named(conn, names)
    missing = sorted(set(names) - found.keys())  # sorted: concurrent inserts lock in one order
    if missing:
        await conn.execute(
            _INSERT_ORGANISATIONS,
            [{"name": name, **_classified(name, category)} for name in missing],
        )
        found |= await _organisations_named(conn, missing)
    return [found[name] for name in names]


def _classified(name: str, category: str | None) -> dict[str, Any]:
    """Kind and GSS code from the reference table of English local authorities (today's, for
    a name whose kind changed: each link keeps the kind on its decision's date), or from the
    evidence of the decision that first names the body."""
    found = classify(name, category=category)
    return {"kind": found.kind, "gss_code": found.gss_code}


async def _organisations_named(conn: AsyncConnection, names: Iterable[str]) -> dict[str, int]:
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return {}
    rows = await conn.execute(_ORGANISATIONS_NAMED, {"names": wanted})
    return {name: id_ for name, id_ in rows}
