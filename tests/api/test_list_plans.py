"""List pages are found and ordered by an index, and the index-friendly conditions select what
the plain rules say: undated decisions sort last and stay out of date ranges; a remedy filtered
by status is one whose shown status is that status; a financial year holds its decisions'
remedies; an organisation named by its name lists what its id lists."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_api.decisions import queries as decision_queries
from lgsco_api.decisions.criteria import DecisionFilters, DecisionSort
from lgsco_api.remedies import queries as remedy_queries
from lgsco_api.remedies.criteria import RemedyFilters
from lgsco_shared.domain import RemedyStatus
from tests.api.factories import make_decision, make_remedy

Statement = tuple[str, Any]


@contextmanager
def captured(session: AsyncSession) -> Iterator[list[Statement]]:
    """The SQL statements `session` sends inside the block, with their parameters."""
    statements: list[Statement] = []
    engine = session.get_bind().engine

    def record(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        statements.append((sql, params))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _main_path(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The plan's nodes, leaving out sub-plans (a row's organisations are sorted per row)."""
    yield plan
    for child in plan.get("Plans", []):
        if child.get("Parent Relationship") not in ("SubPlan", "InitPlan"):
            yield from _main_path(child)


async def plan_nodes(session: AsyncSession, statement: Statement, *disabled: str) -> list[str]:
    """The nodes of the statement's plan with the planner methods `disabled` discouraged: a
    disabled node survives only where nothing else can answer (the test tables are small, so
    the planner would otherwise sort or scan them whole anyway)."""
    conn = await session.connection()
    for method in disabled:
        await conn.exec_driver_sql(f"SET LOCAL enable_{method} = off")
    try:
        sql, params = statement
        raw = (await conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + sql, params)).scalar_one()
    finally:
        for method in disabled:
            await conn.exec_driver_sql(f"SET LOCAL enable_{method} = on")
    top = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    return [
        node["Node Type"] + (f" using {node['Index Name']}" if "Index Name" in node else "")
        for node in _main_path(top)
    ]


@pytest.fixture
async def dated(session: AsyncSession) -> dict[str, int]:
    """Eight decisions: six dated (two a year, 2019 to 2021, two categories), two undated."""
    ids: dict[str, int] = {}
    for year in (2019, 2020, 2021):
        for n, category in enumerate(("Education", "Planning and development")):
            decision = await make_decision(
                session, decided_on=date(year, 6, 1 + n), category=category
            )
            ids[f"{year}-{n}"] = decision.id
    for n in range(2):
        ids[f"undated-{n}"] = (await make_decision(session, decided_on=None)).id
    return ids


class TestDecisionLists:
    async def test_the_newest_list_and_a_category_list_read_an_index_in_order(
        self, session: AsyncSession, dated: dict[str, int]
    ) -> None:
        for filters, index in (
            (DecisionFilters(), "ix_decision_sort_date_id"),
            (
                DecisionFilters(category="EDUCATION", financial_year="2020-21"),
                "ix_decision_category_sort_date_id",
            ),
        ):
            with captured(session) as statements:
                await decision_queries.list_decisions(
                    session,
                    filters,
                    sort=DecisionSort.NEWEST,
                    after=None,
                    limit=2,
                    ranked=100,
                )
            (statement,) = statements
            nodes = await plan_nodes(session, statement, "sort")
            assert "Sort" not in nodes, nodes
            assert f"Index Scan using {index}" in nodes, nodes

    async def test_undated_decisions_come_last_and_page_by_id(
        self, api: AsyncClient, dated: dict[str, int]
    ) -> None:
        seen: list[int] = []
        params = {"limit": "3"}
        while True:
            page = (await api.get("/v1/decisions", params=params)).json()
            seen += [item["id"] for item in page["items"]]
            if page["next_cursor"] is None:
                break
            params["cursor"] = page["next_cursor"]
        newest_dated = [dated[f"{y}-{n}"] for y in (2021, 2020, 2019) for n in (1, 0)]
        undated = sorted((dated["undated-0"], dated["undated-1"]), reverse=True)
        assert seen == newest_dated + undated

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"decided_to": "2019-12-31"}, ["2019-1", "2019-0"]),
            ({"decided_from": "2021-01-01"}, ["2021-1", "2021-0"]),
            ({"decided_from": "2020-06-02", "decided_to": "2021-06-01"}, ["2021-0", "2020-1"]),
            ({"financial_year": "2019-20", "category": "planning AND development"}, ["2019-1"]),
        ],
    )
    async def test_date_ranges_hold_dated_decisions_only(
        self,
        api: AsyncClient,
        dated: dict[str, int],
        params: dict[str, str],
        expected: list[str],
    ) -> None:
        page = (await api.get("/v1/decisions", params=params)).json()
        assert [item["id"] for item in page["items"]] == [dated[k] for k in expected]

    async def test_an_organisation_by_name_lists_what_its_id_lists(
        self, api: AsyncClient, session: AsyncSession
    ) -> None:
        mine = [
            (await make_decision(session, organisations=("Northshire Council",))).id
            for _ in range(3)
        ]
        both = await make_decision(
            session, organisations=("Northshire Council", "Southshire Council")
        )
        await make_decision(session, organisations=("Southshire Council",))
        by_name = await api.get("/v1/decisions", params={"organisation": "northshire council"})
        org_id = by_name.json()["items"][0]["organisations"][0]["id"]
        by_id = await api.get("/v1/decisions", params={"organisation": str(org_id)})
        ids = [item["id"] for item in by_name.json()["items"]]
        assert sorted(ids) == sorted([*mine, both.id])
        assert [item["id"] for item in by_id.json()["items"]] == ids


class TestRemedyLists:
    @pytest.fixture
    async def remedies(self, session: AsyncSession) -> dict[str, int]:
        today = date.today()
        older = await make_decision(session, decided_on=date(2022, 6, 1))
        newer = await make_decision(session, decided_on=date(2023, 6, 1))
        made = {
            "past due": (newer, today - timedelta(days=3), RemedyStatus.PENDING),
            "due today": (newer, today, RemedyStatus.PENDING),
            "due later": (older, today + timedelta(days=30), RemedyStatus.PENDING),
            "no deadline": (older, None, RemedyStatus.PENDING),
            "done late": (newer, today - timedelta(days=9), RemedyStatus.COMPLETED),
            "offered": (older, None, RemedyStatus.OFFERED),
        }
        return {
            name: (
                await make_remedy(session, decision, due_on=due, status=status, sentence=name)
            ).id
            for name, (decision, due, status) in made.items()
        }

    @pytest.mark.parametrize(
        ("status", "expected"),
        [
            ("overdue", {"past due"}),
            ("pending", {"due today", "due later", "no deadline"}),
            ("completed", {"done late"}),
            ("offered", {"offered"}),
            ("not_required", set()),
        ],
    )
    async def test_a_status_filter_selects_the_remedies_shown_with_that_status(
        self,
        council_api: AsyncClient,
        remedies: dict[str, int],
        status: str,
        expected: set[str],
    ) -> None:
        response = await council_api.get("/v1/remedies", params={"status": status, "limit": 50})
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        assert {item["id"] for item in items} == {remedies[name] for name in expected}
        assert all(item["status"] == status for item in items)

    async def test_overdue_is_found_through_the_status_index(
        self, session: AsyncSession, remedies: dict[str, int]
    ) -> None:
        with captured(session) as statements:
            page = await remedy_queries.list_remedies(
                session, RemedyFilters(status=(RemedyStatus.OVERDUE,)), after_id=None, limit=20
            )
        assert [row["id"] for row in page[0]] == [remedies["past due"]]
        # Without whole-table and id-order walks, only a condition an index can read is left.
        nodes = await plan_nodes(session, statements[-1], "seqscan", "indexscan")
        assert "Bitmap Index Scan using ix_remedy_status_due_on" in nodes, nodes

    async def test_a_financial_year_holds_its_decisions_remedies(
        self, council_api: AsyncClient, remedies: dict[str, int]
    ) -> None:
        for year, expected in (
            ("2023-24", {"past due", "due today", "done late"}),
            ("2022-23", {"due later", "no deadline", "offered"}),
            ("2021-22", set()),
        ):
            response = await council_api.get(
                "/v1/remedies", params={"financial_year": year, "limit": 50}
            )
            assert {item["id"] for item in response.json()["items"]} == {
                remedies[name] for name in expected
            }, year
