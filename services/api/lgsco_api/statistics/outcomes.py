"""The outcome-count columns every statistic shares: one pass, FILTER per outcome."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func

from lgsco_shared.domain import Outcome
from lgsco_shared.models import Decision


def outcome_columns(distinct: bool = False) -> list[Any]:
    """count(*) FILTER (WHERE outcome = ...) for each outcome; `distinct` counts decision ids
    once each (needed where a join repeats a decision, e.g. one naming two councils)."""
    return list(_DISTINCT if distinct else _PLAIN)


def _build(distinct: bool) -> list[Any]:
    ident = func.distinct(Decision.id) if distinct else Decision.id

    def count(*conditions: Any) -> Any:
        return func.count(ident).filter(*conditions) if conditions else func.count(ident)

    return [
        count().label("decisions"),
        count(Decision.outcome == Outcome.UPHELD).label("upheld"),
        count(Decision.outcome == Outcome.NOT_UPHELD).label("not_upheld"),
        count(Decision.outcome == Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES).label(
            "closed_after_initial_enquiries"
        ),
        count(Decision.outcome.is_(None)).label("unknown"),
    ]


# Built once at import: constructing these expressions costs more than counting with them.
_PLAIN = tuple(_build(False))
_DISTINCT = tuple(_build(True))
