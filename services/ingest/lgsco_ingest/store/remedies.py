"""A decision's remedies: extracted items matched to stored ones, so councils' tracking stays
with them across re-parses and new versions."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, select
from sqlalchemy.ext.asyncio import AsyncConnection

from lgsco_ingest.extract.remedies import RemedyItem
from lgsco_shared.domain import Provenance, RemedyCommitment, RemedyStatus
from lgsco_shared.models import Remedy

_remedy = cast(Table, Remedy.__table__)


_INSERT_REMEDIES = _remedy.insert()


_REMEDIES_OF = select(
    _remedy.c.id,
    _remedy.c.fingerprint,
    _remedy.c.type,
    _remedy.c.sentence,
    _remedy.c.amount,
    _remedy.c.payee,
).where(_remedy.c.decision_id == bindparam("decision_id"))


# What the text says is refreshed; the status only while it is still the one read from the text.
_UPDATE_REMEDY = (
    _remedy.update()
    .where(_remedy.c.id == bindparam("remedy_id"))
    .values(
        status=case(
            (
                _remedy.c.status_source == Provenance.INFERRED.value,
                bindparam("inferred_status", type_=_remedy.c.status.type),
            ),
            else_=_remedy.c.status,
        )
    )
)


_NOT_CURRENT = (
    _remedy.update().where(_remedy.c.id.in_(bindparam("ids", expanding=True))).values(current=False)
)


def remedy_fingerprint(item: RemedyItem) -> str:
    basis = f"{item.type}|{' '.join(item.sentence.lower().split())}|{item.amount}|{item.payee}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class _StoredRemedy:
    id: int
    fingerprint: str
    type: str
    sentence: str
    amount: Decimal | None
    payee: str | None


async def sync_remedies(
    conn: AsyncConnection, decision_id: int, items: Sequence[RemedyItem], *, new: bool
) -> None:
    """Match extracted items to stored remedies, keeping councils' tracking data.

    An item is the stored remedy with its fingerprint (type, sentence, amount, payee) or, failing
    that, the one left over of its type with the same sentence or the same amount and payee: a
    re-parse that reads the payee or the amount better, or a page that rewords a sentence, updates
    that remedy in place (its id, tracking and history stay). A remedy a new version no longer
    states is kept with `current = False`, never deleted. The status read from the text is
    refreshed only while no council has recorded one.
    """
    extracted = _by_fingerprint(items)
    stored = {} if new else await _stored_remedies(conn, decision_id)
    matched: dict[str, int] = {fp: stored[fp].id for fp in extracted if fp in stored}
    left = [row for fp, row in stored.items() if fp not in extracted]
    for fp, (item, _) in extracted.items():
        if fp not in matched and (same := _same_remedy(item, left)) is not None:
            matched[fp] = same.id
            left.remove(same)
    added = [
        row | {"decision_id": decision_id, "fingerprint": fp, "status": first_status(item)}
        for fp, (item, row) in extracted.items()
        if fp not in matched
    ]
    kept = [
        row | {"remedy_id": matched[fp], "fingerprint": fp, "inferred_status": first_status(item)}
        for fp, (item, row) in extracted.items()
        if fp in matched
    ]
    if added:
        await conn.execute(_INSERT_REMEDIES, added)
    if kept:
        await conn.execute(_UPDATE_REMEDY, kept)
    if left:
        await conn.execute(_NOT_CURRENT, {"ids": [row.id for row in left]})


def _same_remedy(item: RemedyItem, left: list[_StoredRemedy]) -> _StoredRemedy | None:
    sentence = " ".join(item.sentence.lower().split())
    for row in left:
        if row.type != item.type.value:
            continue
        same_sentence = " ".join(row.sentence.lower().split()) == sentence
        same_money = item.amount is not None and (row.amount, row.payee) == (
            item.amount,
            item.payee,
        )
        if same_sentence or same_money:
            return row
    return None


def _by_fingerprint(items: Sequence[RemedyItem]) -> dict[str, tuple[RemedyItem, dict[str, Any]]]:
    """Each item's columns by fingerprint, the first of duplicates kept (with its position)."""
    extracted: dict[str, tuple[RemedyItem, dict[str, Any]]] = {}
    for position, item in enumerate(items):
        fingerprint = remedy_fingerprint(item)
        if fingerprint not in extracted:
            extracted[fingerprint] = (item, _remedy_columns(item, position))
    return extracted


def _remedy_columns(item: RemedyItem, position: int) -> dict[str, Any]:
    return {
        "position": position,
        "type": item.type,
        "sentence": item.sentence,
        "amount": item.amount,
        "payee": item.payee,
        "deadline_text": item.deadline_text,
        "due_on": item.due_on,
        "commitment": item.commitment,
        "current": True,
    }


_FIRST_STATUS = {
    # "The Council has already apologised": done before the decision, nothing to chase.
    RemedyCommitment.ALREADY_DONE: RemedyStatus.COMPLETED,
    RemedyCommitment.AGREED: RemedyStatus.PENDING,
    RemedyCommitment.RECOMMENDED: RemedyStatus.PENDING,
    # "offered £200": not done unless the text says it was paid or accepted
    RemedyCommitment.OFFERED: RemedyStatus.OFFERED,
}


def first_status(item: RemedyItem) -> RemedyStatus:
    """The tracking status the decision's wording implies, before any council records one."""
    return _FIRST_STATUS[item.commitment]


async def _stored_remedies(conn: AsyncConnection, decision_id: int) -> dict[str, _StoredRemedy]:
    rows = await conn.execute(_REMEDIES_OF, {"decision_id": decision_id})
    return {row.fingerprint: _StoredRemedy(**row._mapping) for row in rows}
