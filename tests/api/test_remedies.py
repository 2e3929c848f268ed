"""Remedy tracking: lists with derived `overdue`, optimistic-locked updates and their history."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_shared.domain import RemedyCommitment, RemedyStatus, RemedyType
from tests.api.factories import make_decision, make_remedy

PAST = date.today() - timedelta(days=10)
FUTURE = date.today() + timedelta(days=30)
ORG = "Remedyshire County Council"


async def seed(session: AsyncSession) -> dict[str, Any]:
    decision = await make_decision(session, organisations=(ORG,), decided_on=date(2024, 5, 1))
    overdue = await make_remedy(session, decision, due_on=PAST)
    pending = await make_remedy(
        session, decision, type=RemedyType.FINANCIAL_PAYMENT, amount=Decimal("300"), due_on=FUTURE
    )
    done = await make_remedy(
        session,
        decision,
        type=RemedyType.STAFF_TRAINING,
        due_on=PAST,
        status=RemedyStatus.COMPLETED,
        completed_on=PAST - timedelta(days=1),
    )
    return {"decision": decision, "overdue": overdue, "pending": pending, "done": done}


class TestListRemedies:
    async def test_overdue_is_derived_from_the_due_date(
        self, api: AsyncClient, council_api: AsyncClient, session: AsyncSession
    ) -> None:
        rows = await seed(session)
        response = await council_api.get("/v1/remedies", params={"organisation": ORG})
        statuses = {r["id"]: r["status"] for r in response.json()["items"]}
        assert statuses == {
            rows["overdue"].id: "overdue",
            rows["pending"].id: "pending",
            rows["done"].id: "completed",
        }
        only = await council_api.get(
            "/v1/remedies", params={"organisation": ORG, "status": "overdue"}
        )
        assert [r["id"] for r in only.json()["items"]] == [rows["overdue"].id]

    async def test_filters_and_pages(
        self, api: AsyncClient, council_api: AsyncClient, session: AsyncSession
    ) -> None:
        rows = await seed(session)
        reference = rows["decision"].reference.replace(" ", "")
        first = (
            await council_api.get("/v1/remedies", params={"decision": reference, "limit": 2})
        ).json()
        second = (
            await council_api.get(
                "/v1/remedies",
                params={"decision": reference, "limit": 2, "cursor": first["next_cursor"]},
            )
        ).json()
        ids = [r["id"] for r in first["items"] + second["items"]]
        assert ids == sorted(r.id for r in (rows["overdue"], rows["pending"], rows["done"]))
        assert second["next_cursor"] is None
        typed = await council_api.get(
            "/v1/remedies", params={"organisation": ORG, "type": "financial_payment"}
        )
        assert [r["amount"] for r in typed.json()["items"]] == ["300.00"]
        due = await council_api.get(
            "/v1/remedies", params={"organisation": ORG, "due_after": str(date.today())}
        )
        assert [r["id"] for r in due.json()["items"]] == [rows["pending"].id]

    async def test_csv(
        self, api: AsyncClient, council_api: AsyncClient, session: AsyncSession
    ) -> None:
        await seed(session)
        response = await council_api.get(
            "/v1/remedies", params={"organisation": ORG, "format": "csv"}
        )
        lines = response.content.decode("utf-8-sig").strip().splitlines()
        assert lines[0].startswith("id,decision_reference,")
        assert len(lines) == 4


class TestUpdateRemedy:
    async def test_needs_the_scope(
        self, api: AsyncClient, session: AsyncSession, make_key: Any
    ) -> None:
        rows = await seed(session)
        url = f"/v1/remedies/{rows['overdue'].id}"
        anonymous = await api.patch(url, json={"status": "completed"}, headers={"If-Match": '"1"'})
        assert anonymous.status_code == 401
        reader = await make_key("read")
        forbidden = await api.patch(
            url, json={"status": "completed"}, headers=reader | {"If-Match": '"1"'}
        )
        assert forbidden.status_code == 403
        assert "remedies:write" in forbidden.json()["detail"]

    async def test_if_match_is_required_and_checked(
        self, api: AsyncClient, session: AsyncSession, make_key: Any
    ) -> None:
        rows = await seed(session)
        headers = await make_key("remedies:write", name="officer-a")
        url = f"/v1/remedies/{rows['overdue'].id}"
        missing = await api.patch(url, json={"status": "completed"}, headers=headers)
        assert missing.status_code == 428
        stale = await api.patch(
            url, json={"status": "completed"}, headers=headers | {"If-Match": '"7"'}
        )
        assert stale.status_code == 412

    async def test_update_bumps_the_etag_and_records_history(
        self, api: AsyncClient, council_api: AsyncClient, session: AsyncSession, make_key: Any
    ) -> None:
        rows = await seed(session)
        headers = await make_key("remedies:write", name="officer-b")
        url = f"/v1/remedies/{rows['overdue'].id}"
        etag = (await council_api.get(url)).headers["etag"]
        assert etag == '"1"'
        body = {"status": "completed", "completed_on": str(date.today()), "evidence_note": "Sent"}
        response = await api.patch(url, json=body, headers=headers | {"If-Match": etag})
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == '"2"'
        assert response.json()["status"] == "completed"
        assert response.json()["updated_by"] == "officer-b"
        again = await api.patch(
            url, json={"evidence_note": "x"}, headers=headers | {"If-Match": etag}
        )
        assert again.status_code == 412
        history = (await council_api.get(f"{url}/history")).json()
        assert len(history) == 1
        assert history[0]["actor"] == "officer-b"
        assert history[0]["changes"]["status"] == {"from": "pending", "to": "completed"}

    async def test_overdue_cannot_be_set_and_unknown_fields_are_refused(
        self, api: AsyncClient, session: AsyncSession, make_key: Any
    ) -> None:
        rows = await seed(session)
        headers = await make_key("admin") | {"If-Match": '"1"'}
        url = f"/v1/remedies/{rows['pending'].id}"
        for body in ({"status": "overdue"}, {"colour": "red"}, {}):
            response = await api.patch(url, json=body, headers=headers)
            assert response.status_code == 422, body
            assert response.json()["errors"]

    async def test_unknown_remedy(
        self, api: AsyncClient, council_api: AsyncClient, make_key: Any
    ) -> None:
        headers = await make_key("admin") | {"If-Match": '"1"'}
        response = await api.patch(
            "/v1/remedies/2147483000", json={"status": "completed"}, headers=headers
        )
        assert response.status_code == 404
        assert (await council_api.get("/v1/remedies/2147483000/history")).status_code == 404


class TestRemedyStatistics:
    async def test_by_type_and_status(
        self, api: AsyncClient, council_api: AsyncClient, session: AsyncSession
    ) -> None:
        await seed(session)
        body = (await council_api.get("/v1/stats/remedies", params={"organisation": ORG})).json()
        assert body["total"] == 3
        assert body["by_status"] == {
            "pending": 1,
            "completed": 1,
            "overdue": 1,
            "offered": 0,
            "not_required": 0,
        }
        payments = next(t for t in body["by_type"] if t["type"] == "financial_payment")
        assert payments == {
            "type": "financial_payment",
            "remedies": 1,
            "decisions": 1,
            "amount_total": "300.00",
        }

    async def test_compliance(
        self, api: AsyncClient, council_api: AsyncClient, session: AsyncSession
    ) -> None:
        await seed(session)
        body = (await council_api.get("/v1/stats/compliance", params={"organisation": ORG})).json()
        [row] = body["organisations"]
        assert row["organisation"] == ORG
        assert row["with_deadline"] == {
            "total": 3,
            "completed_on_time": 1,
            "completed_late": 0,
            "completed_date_unknown": 0,
            "overdue": 1,
            "not_yet_due": 1,
        }
        assert row["without_deadline"] == {"total": 0, "completed": 0, "not_completed": 0}
        assert row["completion_rate"] == {
            "value": 0.5,
            "numerator": 1,
            "denominator": 2,
            "reason": None,
        }
        assert row["on_time_rate"]["value"] == 0.5


class TestComplianceTellsTheTruth:
    """Rates only from remedies that fell due; everything else is counted, never rated."""

    async def test_no_rate_from_remedies_with_no_deadline(
        self, api: AsyncClient, council_api: AsyncClient, session: AsyncSession
    ) -> None:
        org = "Nodeadline Borough Council"
        decision = await make_decision(session, organisations=(org,), decided_on=PAST)
        for n in range(23):
            await make_remedy(session, decision, sentence=f"apologise {n}")
        await make_remedy(
            session,
            decision,
            sentence="has apologised",
            status=RemedyStatus.COMPLETED,
            commitment=RemedyCommitment.ALREADY_DONE,
        )
        body = (await council_api.get("/v1/stats/compliance", params={"organisation": org})).json()
        [row] = body["organisations"]
        assert row["remedies"] == 24
        assert row["remedied_before_decision"] == 1
        assert row["without_deadline"] == {"total": 23, "completed": 0, "not_completed": 23}
        assert row["with_deadline"]["total"] == 0
        for name in ("completion_rate", "on_time_rate"):
            assert row[name]["value"] is None
            assert row[name]["denominator"] == 0
            assert row[name]["reason"] == "no remedy with a stated deadline has fallen due"

    async def test_offered_and_not_required_enter_no_rate(
        self, api: AsyncClient, council_api: AsyncClient, session: AsyncSession
    ) -> None:
        org = "Offering District Council"
        decision = await make_decision(session, organisations=(org,), decided_on=PAST)
        await make_remedy(
            session,
            decision,
            due_on=PAST,
            status=RemedyStatus.OFFERED,
            commitment=RemedyCommitment.OFFERED,
        )
        await make_remedy(session, decision, due_on=PAST, status=RemedyStatus.NOT_REQUIRED)
        await make_remedy(
            session,
            decision,
            due_on=PAST,
            status=RemedyStatus.COMPLETED,
            completed_on=PAST + timedelta(days=2),
            commitment=RemedyCommitment.RECOMMENDED,
        )
        body = (await council_api.get("/v1/stats/compliance", params={"organisation": org})).json()
        [row] = body["organisations"]
        assert (row["offered"], row["not_required"], row["recommended"]) == (1, 1, 1)
        assert row["with_deadline"]["completed_late"] == 1
        assert row["completion_rate"]["value"] == 1.0
        assert row["on_time_rate"] == {
            "value": 0.0,
            "numerator": 0,
            "denominator": 1,
            "reason": None,
        }


class TestProvenanceOfStatus:
    async def test_a_council_update_records_the_status(
        self, api: AsyncClient, council_api: AsyncClient, session: AsyncSession, make_key: Any
    ) -> None:
        rows = await seed(session)
        remedy = rows["pending"]
        before = (await council_api.get(f"/v1/remedies/{remedy.id}")).json()
        assert (before["status_source"], before["commitment"]) == ("inferred", "agreed")
        response = await api.patch(
            f"/v1/remedies/{remedy.id}",
            json={"status": "completed"},
            headers=await make_key("remedies:write") | {"If-Match": '"1"'},
        )
        assert response.status_code == 200, response.text
        assert response.json()["status_source"] == "recorded"

    async def test_completion_dates_in_the_future_or_before_the_decision_are_refused(
        self, api: AsyncClient, session: AsyncSession, make_key: Any
    ) -> None:
        rows = await seed(session)
        headers = await make_key("remedies:write") | {"If-Match": '"1"'}
        url = f"/v1/remedies/{rows['pending'].id}"
        future = await api.patch(url, json={"completed_on": str(FUTURE)}, headers=headers)
        assert future.status_code == 422
        assert "future" in future.json()["detail"]
        early = await api.patch(url, json={"completed_on": "2024-04-30"}, headers=headers)
        assert early.status_code == 422
        assert "before the decision (2024-05-01)" in early.json()["detail"]
        fine = await api.patch(url, json={"completed_on": "2024-05-02"}, headers=headers)
        assert fine.status_code == 200, fine.text

    async def test_a_remedy_given_before_the_decision_may_be_dated_before_it(
        self, api: AsyncClient, session: AsyncSession, make_key: Any
    ) -> None:
        decision = await make_decision(session, decided_on=date(2024, 5, 1))
        remedy = await make_remedy(
            session,
            decision,
            status=RemedyStatus.COMPLETED,
            commitment=RemedyCommitment.ALREADY_DONE,
        )
        response = await api.patch(
            f"/v1/remedies/{remedy.id}",
            json={"completed_on": "2024-03-01"},
            headers=await make_key("remedies:write") | {"If-Match": '"1"'},
        )
        assert response.status_code == 200, response.text
