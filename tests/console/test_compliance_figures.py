"""The figures page's compliance section: the API's counts, and no rate where nothing fell due."""

from __future__ import annotations

from datetime import date, timedelta

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_shared.domain import RemedyCommitment, RemedyStatus
from tests.api.factories import make_decision, make_remedy
from tests.console.conftest import page, text

COUNCIL = "Figureshire County Council"
URL = f"/console/figures?organisation={COUNCIL.replace(' ', '+')}&financial_year=2024-25"


async def test_no_rate_is_shown_where_no_deadline_has_passed(
    own_site: AsyncClient, session: AsyncSession
) -> None:
    decision = await make_decision(session, organisations=(COUNCIL,), decided_on=date(2024, 6, 3))
    await make_remedy(session, decision, sentence="apologise to Mrs X")
    await make_remedy(
        session,
        decision,
        sentence="has apologised",
        status=RemedyStatus.COMPLETED,
        commitment=RemedyCommitment.ALREADY_DONE,
    )
    tree = page(await own_site.get(URL))
    field = {
        str(n.attributes["data-field"]): text(n)
        for n in tree.css("#compliance-heading ~ * [data-field]")
    }
    assert field["undated_not_completed"] == "1"
    assert field["remedied_before_decision"] == "1"
    assert field["completion_rate"] == "No rate: no remedy with a stated deadline has fallen due"


async def test_rates_show_what_they_count(own_site: AsyncClient, session: AsyncSession) -> None:
    decision = await make_decision(session, organisations=(COUNCIL,), decided_on=date(2024, 6, 3))
    past = date.today() - timedelta(days=5)
    await make_remedy(session, decision, sentence="pay", due_on=past)
    await make_remedy(
        session,
        decision,
        sentence="apologise",
        due_on=past,
        status=RemedyStatus.COMPLETED,
        completed_on=past - timedelta(days=1),
    )
    tree = page(await own_site.get(URL))
    field = {
        str(n.attributes["data-field"]): text(n)
        for n in tree.css("#compliance-heading ~ * [data-field]")
    }
    assert (field["overdue"], field["completed_on_time"]) == ("1", "1")
    assert field["completion_rate"] == "50.0% (1 of 2)"
    assert field["on_time_rate"] == "50.0% (1 of 2)"
