"""DecisionFilters -> SQL conditions on `decision`, shared by lists, statistics and reports.

Organisation names are resolved inside the query (a sub-select), so a filter never costs a
round trip, and a name that matches nothing simply matches no decisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    String,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    true,
)

from lgsco_api.decisions.criteria import DecisionFilters
from lgsco_api.kit.years import financial_year_bounds
from lgsco_shared.models import Decision, DecisionOrganisation, Organisation

# The same configuration as the stored search_vector; a regconfig, not a text parameter.
TS_CONFIG: ColumnElement[Any] = literal_column("'english'::regconfig")


def tsquery(q: str) -> ColumnElement[object]:
    return func.websearch_to_tsquery(TS_CONFIG, q)


def organisation_ids(keys: tuple[str, ...]) -> ColumnElement[bool]:
    """Organisation ids named by `keys`: digits are ids, anything else a name (any case)."""
    ids = [int(k) for k in keys if _is_id(k)]
    names = [k.strip().lower() for k in keys if not _is_id(k)]
    conditions: list[ColumnElement[bool]] = []
    if ids:
        conditions.append(Organisation.id.in_(ids))
    if names:
        conditions.append(func.lower(Organisation.name).in_(names))
    return or_(*conditions) if conditions else true()


def _is_id(key: str) -> bool:
    return key.isascii() and key.isdigit() and len(key) <= 9  # not '１２' (fullwidth digits)


def decisions_about(keys: tuple[str, ...], ids: tuple[int, ...] | None = None) -> Select[int]:
    """Ids of the decisions about any organisation `keys` names (a sub-select), or about the
    organisations `ids` (what `keys` resolved to), written as constants: the planner then knows
    how many decisions each has and reads a large council's newest first, not all of them."""
    about = DecisionOrganisation.organisation_id
    if ids is not None:
        constants: Any = bindparam(None, list(ids), expanding=True, literal_execute=True)
        return select(DecisionOrganisation.decision_id).where(about.in_(constants))
    orgs = select(Organisation.id).where(organisation_ids(keys))
    return select(DecisionOrganisation.decision_id).where(about.in_(orgs))


@dataclass(frozen=True, slots=True)
class Dimensions:
    """The columns decisions are filtered and grouped by: the decisions' own, or those of the
    outcome summary that counts them (statistics/summary.py)."""

    category: Any
    subcategory: Any
    outcome: Any
    day: Any  # the decision date, or the first day of its month
    status: Any
    undated: Any = None  # what `day` holds for an undated decision, if not NULL


DECISION = Dimensions(
    Decision.category, Decision.subcategory, Decision.outcome, Decision.decided_on, Decision.status
)

# Below every date: where undated decisions sort (last when the newest come first).
UNDATED: ColumnElement[date] = literal_column("'-infinity'::date", Date)
# The lists' date order, written as models.decision.SORT_DATE_SQL writes it for its index: with a
# constant, every plan matches the index (a parameter matches only in a plan made for its value).
SORT_DATE: ColumnElement[date] = func.coalesce(Decision.decided_on, UNDATED)
# The lists filter dates on their sort key, so that one index scan both finds a date range and
# orders it: a list of 2019's decisions starts reading at 2019, not at today.
LISTED = Dimensions(
    Decision.category,
    Decision.subcategory,
    Decision.outcome,
    SORT_DATE,
    Decision.status,
    undated=UNDATED,
)


def dimension_conditions(f: DecisionFilters, d: Dimensions) -> list[ColumnElement[bool]]:
    """WHERE conditions for the filters on category, subcategory, outcome, dates and status."""
    out: list[ColumnElement[bool]] = []
    if f.category is not None:
        out.append(func.lower(d.category) == f.category.strip().lower())
    if f.subcategory is not None:
        out.append(func.lower(d.subcategory) == f.subcategory.strip().lower())
    if f.outcome:
        out.append(d.outcome.in_(list(f.outcome)))
    if f.decided_from is not None:
        out.append(d.day >= f.decided_from)
    if f.decided_to is not None:
        out.append(d.day <= f.decided_to)
        if d.undated is not None and f.decided_from is None:
            out.append(d.day > d.undated)
    if f.financial_year is not None:
        start, end = financial_year_bounds(f.financial_year)
        out.append(and_(d.day >= start, d.day <= end))
    if f.status is not None:
        out.append(d.status == f.status)
    return out


def decision_conditions(
    filters: DecisionFilters, dimensions: Dimensions = DECISION
) -> list[ColumnElement[bool]]:
    """WHERE conditions for every filter given (ANDed by the caller); lists pass LISTED."""
    f = filters
    out = dimension_conditions(f, dimensions)
    if f.organisation:
        out.append(Decision.id.in_(decisions_about(f.organisation, f.organisation_ids)))
    if f.q is not None:
        out.append(Decision.search_vector.op("@@")(tsquery(f.q)))
    if f.has_remedy is not None:
        out.append(Decision.has_remedy.is_(f.has_remedy))
    if f.republished is not None:
        out.append(
            Decision.republished_on.isnot(None)
            if f.republished
            else Decision.republished_on.is_(None)
        )
    if f.changed_since is not None:
        since = f.changed_since
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        out.append(Decision.last_changed_at > since)
    return out


def financial_year_label(day: Any) -> ColumnElement[str]:
    """SQL for '2023-24' from a date (NULL stays NULL): 3 months back gives the starting year."""
    first = func.to_char(day - literal_column("interval '3 months'"), "YYYY", type_=String)
    second = func.to_char(day + literal_column("interval '9 months'"), "YY", type_=String)
    return first + "-" + second


def organisation_names(decision_id: Any) -> ColumnElement[list[str]]:
    """Correlated ARRAY(...) of a decision's organisation names, in the page's order."""
    sub = (
        select(Organisation.name)
        .join(DecisionOrganisation, DecisionOrganisation.organisation_id == Organisation.id)
        .where(DecisionOrganisation.decision_id == decision_id)
        .order_by(DecisionOrganisation.position, Organisation.name)
    )
    return func.array(sub.scalar_subquery())
