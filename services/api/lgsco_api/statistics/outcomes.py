"""What every outcome statistic shares: the count columns (one pass, FILTER per outcome), the
group keys, and the order groups are listed in."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, String, func, literal

from lgsco_api.decisions.filters import Dimensions, financial_year_label
from lgsco_api.statistics.criteria import GroupBy
from lgsco_shared.domain import Outcome
from lgsco_shared.models import Decision, Organisation


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


def group_key(group_by: GroupBy, d: Dimensions) -> tuple[Any, Any]:
    """(key, parent) expressions of a grouping, over the decisions' or the summary's columns."""
    none = literal(None, String)
    if group_by is GroupBy.ORGANISATION:
        return Organisation.name, none
    if group_by is GroupBy.CATEGORY:
        return d.category, none
    if group_by is GroupBy.SUBCATEGORY:
        return d.subcategory, d.category
    if group_by is GroupBy.FINANCIAL_YEAR:
        return financial_year_label(d.day), none
    return func.to_char(d.day, "YYYY-MM"), none


def in_group_order(
    query: Select[Any], group_by: GroupBy, key: Any, parent: Any, total: Any
) -> Select[Any]:
    """`query` grouped by (key, parent): years and months newest first, anything else largest
    first, ties by name, so the summary and a count list groups in the same order."""
    query = query.group_by(key, parent)
    if group_by in (GroupBy.FINANCIAL_YEAR, GroupBy.MONTH):
        return query.order_by(key.desc().nulls_last())
    return query.order_by(total.desc(), key.nulls_last(), parent.nulls_last())
