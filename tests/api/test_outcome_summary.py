"""The outcome summary (migration 0010) against a count over the decisions: after random
ingests, re-parses that change a decision's fields, withdrawals, republications and changed
organisation links, the table holds exactly what a GROUP BY over `decision` gives, and every
statistic read from it equals the same statistic counted over the decisions."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_api.decisions.criteria import DecisionFilters
from lgsco_api.statistics import queries, summary
from lgsco_api.statistics.criteria import GroupBy
from lgsco_shared.domain import Outcome, PublicationStatus
from lgsco_shared.models import Decision, DecisionOrganisation, OutcomeSummary
from tests.api.factories import make_decision, make_organisation

ORGANISATIONS = ("Northshire County Council", "Eastborough Council", "Care Homes Ltd")
CATEGORIES = (
    ("Adult care services", "Charging"),
    ("Adult care services", "Residential care"),
    ("Education", "Special educational needs"),
    (None, None),
)
OUTCOMES = (*Outcome, None)
STATUSES = tuple(PublicationStatus)


def random_fields(rng: random.Random) -> dict[str, Any]:
    category, subcategory = rng.choice(CATEGORIES)
    decided_on = rng.choice([None, date(rng.randint(2021, 2024), rng.randint(1, 12), 15)])
    return {
        "category": category,
        "subcategory": subcategory,
        "outcome": rng.choice(OUTCOMES),
        "decided_on": decided_on,
    }


async def churn(session: AsyncSession, rng: random.Random, steps: int) -> None:
    """Ingests, re-parses, withdrawals, republications and link changes, in random order."""
    orgs = [await make_organisation(session, name) for name in ORGANISATIONS]
    stored: list[Decision] = []
    for _ in range(steps):
        action = rng.random()
        if action < 0.45 or not stored:
            named = tuple(o.name for o in rng.sample(orgs, rng.randint(1, 2)))
            stored.append(await make_decision(session, organisations=named, **random_fields(rng)))
        elif action < 0.7:  # a re-parse that reads the page differently
            target = rng.choice(stored)
            await session.execute(
                update(Decision).where(Decision.id == target.id).values(**random_fields(rng))
            )
        elif action < 0.85:  # taken down, or back again
            target = rng.choice(stored)
            await session.execute(
                update(Decision).where(Decision.id == target.id).values(status=rng.choice(STATUSES))
            )
        else:  # the organisations a decision names, re-read
            target = rng.choice(stored)
            await session.execute(
                delete(DecisionOrganisation).where(DecisionOrganisation.decision_id == target.id)
            )
            for position, org in enumerate(rng.sample(orgs, rng.randint(1, 3))):
                session.add(
                    DecisionOrganisation(
                        decision_id=target.id, organisation_id=org.id, position=position
                    )
                )
        await session.flush()
    session.expire_all()


async def summary_rows(session: AsyncSession) -> set[tuple[Any, ...]]:
    rows = await session.execute(
        select(
            OutcomeSummary.organisation_id,
            OutcomeSummary.category,
            OutcomeSummary.subcategory,
            OutcomeSummary.month,
            OutcomeSummary.status,
            OutcomeSummary.outcome,
            OutcomeSummary.decisions,
        ).where(OutcomeSummary.decisions != 0)
    )
    return {tuple(r) for r in rows}


async def counted(session: AsyncSession) -> set[tuple[Any, ...]]:
    """What the summary should hold, counted in Python from the decisions and their links."""
    decisions = {
        row.id: (
            row.category,
            row.subcategory,
            row.decided_on.replace(day=1) if row.decided_on else None,
            row.status,
            row.outcome,
        )
        for row in await session.execute(
            select(
                Decision.id,
                Decision.category,
                Decision.subcategory,
                Decision.decided_on,
                Decision.status,
                Decision.outcome,
            )
        )
    }
    links = await session.execute(
        select(DecisionOrganisation.organisation_id, DecisionOrganisation.decision_id)
    )
    keys = Counter((0, *key) for key in decisions.values())
    keys.update((org, *decisions[decision]) for org, decision in links)
    return {(*key, n) for key, n in keys.items()}


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_the_summary_equals_a_count_over_the_decisions(
    session: AsyncSession, seed: int
) -> None:
    await churn(session, random.Random(seed), steps=120)
    expected = await counted(session)
    assert len(expected) > 20
    assert await summary_rows(session) == expected
    negative = await session.scalar(
        select(func.count()).where(OutcomeSummary.decisions < 0).select_from(OutcomeSummary)
    )
    assert negative == 0


FILTERS = [
    DecisionFilters(),
    DecisionFilters(organisation=("Northshire County Council",)),
    DecisionFilters(organisation=("eastborough council",), financial_year="2022-23"),
    DecisionFilters(category="adult care services", status=PublicationStatus.PUBLISHED),
    DecisionFilters(subcategory="Charging", outcome=(Outcome.UPHELD, Outcome.NOT_UPHELD)),
    DecisionFilters(decided_from=date(2022, 4, 1), decided_to=date(2023, 9, 30)),
    DecisionFilters(organisation=("No Such Council",)),
    DecisionFilters(status=PublicationStatus.WITHDRAWN, financial_year="2023-24"),
]


async def live(session: AsyncSession, filters: DecisionFilters, group_by: GroupBy | None) -> Any:
    """The same statistic counted over the decisions."""
    if group_by is None:
        row = await queries.counted_overall(session, filters)
        return {k: int(v) for k, v in row.items()}
    return {
        (r["key"], r["parent"]): {k: int(v) for k, v in r.items() if k not in ("key", "parent")}
        for r in await queries.counted_grouped(session, filters, group_by)
    }


@pytest.mark.parametrize("group_by", [None, *GroupBy])
async def test_statistics_from_the_summary_equal_those_counted_over_decisions(
    session: AsyncSession, group_by: GroupBy | None
) -> None:
    await churn(session, random.Random(7), steps=150)
    compared = 0
    for filters in FILTERS:
        if not summary.summary_answers(filters, group_by):
            continue
        compared += 1
        if group_by is None:
            got = await queries.overall(session, filters)
            assert {k: int(v) for k, v in got.items()} == await live(session, filters, None)
        else:
            rows = await queries.grouped(session, filters, group_by)
            got_groups = {
                (r["key"], r["parent"]): {
                    k: int(v) for k, v in r.items() if k not in ("key", "parent")
                }
                for r in rows
            }
            assert got_groups == await live(session, filters, group_by), filters
    assert compared >= 3  # the summary answered several of the filters, not none of them


class TestWhatTheSummaryAnswers:
    @pytest.mark.parametrize(
        "filters, answers",
        [
            (DecisionFilters(financial_year="2023-24"), True),
            (DecisionFilters(decided_from=date(2023, 4, 1), decided_to=date(2023, 4, 30)), True),
            (DecisionFilters(decided_from=date(2023, 4, 2)), False),
            (DecisionFilters(decided_to=date(2023, 4, 29)), False),
            (DecisionFilters(q="care"), False),
            (DecisionFilters(has_remedy=True), False),
            (DecisionFilters(organisation=("A", "B")), False),
        ],
    )
    def test_only_filters_it_holds_exactly(self, filters: DecisionFilters, answers: bool) -> None:
        assert summary.summary_answers(filters) is answers

    def test_grouping_by_organisation_within_one_is_counted_live(self) -> None:
        one = DecisionFilters(organisation=("A",))
        assert summary.summary_answers(one, GroupBy.CATEGORY)
        assert not summary.summary_answers(one, GroupBy.ORGANISATION)
