"""The runs page's schedules: create, pause, resume, run now and delete, and cancel a run, by the
same service as /v1/schedules (what the API then shows is what the form did), behind the
console's key (scope jobs:write) and a CSRF token per form."""

from __future__ import annotations

import re
from typing import Any

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_shared.models import Schedule
from tests.console.conftest import csrf, page, send_form, text
from tests.console.test_act import sign_in, token_of

SAVED = re.compile(r"^/console/runs\?schedule=(\d+)#schedules$")
FORM = {
    "name": "kent-weekly",
    "kind": "crawl",
    "months": "2",
    "organisation": "Kent County Council",
    "cron": "0 6 * * 1",
    "timezone": "Europe/London",
    "description": "Kent, every Monday",
}


async def schedule_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Schedule)) or 0)


def action_token(tree: Any, schedule_id: int, action: str) -> str:
    return csrf(tree, f"form[action='/console/schedules/{schedule_id}/{action}']")


async def create(client: AsyncClient, **changes: str) -> Any:
    tree = page(await client.get("/console/runs"))
    form = {"csrf": csrf(tree, "#schedule-form"), **FORM, **changes}
    return await send_form(client, "/console/schedules", form)


async def test_create_pause_resume_run_now_and_delete_as_the_api_would(
    own_site: AsyncClient, make_key: Any, queued: list[int]
) -> None:
    token = await token_of(make_key, "jobs:write")
    auth = {"Authorization": f"Bearer {token}"}
    await sign_in(own_site, token, back="/console/runs")
    response = await create(own_site)
    assert response.status_code == 303, response.text
    match = SAVED.match(response.headers["location"])
    assert match is not None
    schedule_id = int(match.group(1))
    made = (await own_site.get(f"/v1/schedules/{schedule_id}", headers=auth)).json()
    assert (made["name"], made["kind"], made["cron"], made["timezone"]) == (
        "kent-weekly",
        "crawl",
        "0 6 * * 1",
        "Europe/London",
    )
    assert made["params"] == {"months": 2, "organisation": "Kent County Council", "refresh": False}
    assert made["created_by"] is not None and made["created_by"].startswith("test-")
    tree = page(await own_site.get(response.headers["location"]))
    assert "Schedule" in text(tree.css_first("#schedule-changed"))
    row = tree.css_first(f"#schedule tr[data-schedule='{schedule_id}']")
    assert row is not None and text(row.css_first("[data-field=enabled]")) == "Active"

    paused = await send_form(
        own_site,
        f"/console/schedules/{schedule_id}/pause",
        {"csrf": action_token(tree, schedule_id, "pause")},
    )
    assert paused.status_code == 303
    assert (await own_site.get(f"/v1/schedules/{schedule_id}", headers=auth)).json()[
        "enabled"
    ] is False
    tree = page(await own_site.get("/console/runs"))
    row = tree.css_first(f"#schedule tr[data-schedule='{schedule_id}']")
    assert row is not None and text(row.css_first("[data-field=enabled]")) == "Paused"
    assert "Not scheduled" in text(row)
    await send_form(
        own_site,
        f"/console/schedules/{schedule_id}/resume",
        {"csrf": action_token(tree, schedule_id, "resume")},
    )
    assert (await own_site.get(f"/v1/schedules/{schedule_id}", headers=auth)).json()[
        "enabled"
    ] is True

    tree = page(await own_site.get("/console/runs"))
    ran = await send_form(
        own_site,
        f"/console/schedules/{schedule_id}/run",
        {"csrf": action_token(tree, schedule_id, "run")},
    )
    assert ran.status_code == 303
    run_id = int(re.findall(r"/console/runs/(\d+)\?submitted=new", ran.headers["location"])[0])
    queued.append(run_id)
    history = (await own_site.get(f"/v1/schedules/{schedule_id}/runs", headers=auth)).json()[
        "items"
    ]
    assert [(h["run_id"], h["manual"]) for h in history] == [(run_id, True)]
    run = (await own_site.get(f"/v1/jobs/{run_id}", headers=auth)).json()
    assert run["params"]["organisation"] == "Kent County Council"

    # The run page and the runs list offer to cancel it; cancelling marks it cancelled.
    shown = page(await own_site.get(f"/console/runs/{run_id}"))
    cancelled = await send_form(
        own_site, f"/console/runs/{run_id}/cancel", {"csrf": csrf(shown, "#cancel-form")}
    )
    assert cancelled.status_code == 303
    assert (await own_site.get(f"/v1/jobs/{run_id}", headers=auth)).json()["status"] == "cancelled"

    tree = page(await own_site.get("/console/runs"))
    deleted = await send_form(
        own_site,
        f"/console/schedules/{schedule_id}/delete",
        {"csrf": action_token(tree, schedule_id, "delete")},
    )
    assert deleted.status_code == 303
    assert (await own_site.get(f"/v1/schedules/{schedule_id}", headers=auth)).status_code == 404


async def test_mistakes_are_shown_beside_the_field_and_nothing_is_saved(
    own_site: AsyncClient, make_key: Any, session: AsyncSession
) -> None:
    await sign_in(own_site, await token_of(make_key, "jobs:write"), back="/console/runs")
    before = await schedule_count(session)
    for changes, field, message in (
        ({"cron": "61 6 * * 1"}, "cron", "Bad minute"),
        ({"timezone": "Mars/Olympus"}, "timezone", "unknown time zone"),
        ({"cron": "*/5 * * * *", "kind": "refresh", "months": "24"}, "cron", "requests a day"),
        ({"months": "99"}, "months", "less than or equal to 60"),
    ):
        response = await create(own_site, **changes)
        assert response.status_code == 422, (changes, response.text)
        tree = page(response)
        error = tree.css_first(f"#field-{field}-error")
        assert error is not None and message in text(error), (changes, text(error))
        assert tree.css_first("#error-summary") is not None
    assert await schedule_count(session) == before


async def test_without_jobs_write_or_the_form_token_nothing_changes(
    own_site: AsyncClient, make_key: Any, session: AsyncSession
) -> None:
    writer = await token_of(make_key, "jobs:write")
    auth = {"Authorization": f"Bearer {writer}"}
    await sign_in(own_site, writer, back="/console/runs")
    created = await create(own_site)
    match = SAVED.match(created.headers["location"])
    assert match is not None
    schedule_id = int(match.group(1))
    tree = page(await own_site.get("/console/runs"))
    pause_token = action_token(tree, schedule_id, "pause")
    create_token = csrf(tree, "#schedule-form")
    # A token made for one form does not work for another, nor no token at all.
    for data in ({"csrf": pause_token}, {}):
        refused = await send_form(own_site, f"/console/schedules/{schedule_id}/delete", data)
        assert refused.status_code == 403
    assert (await own_site.get(f"/v1/schedules/{schedule_id}", headers=auth)).status_code == 200
    # A key with only `read`: the page offers no actions, and a sent form is refused.
    await sign_in(own_site, await token_of(make_key, "read"), back="/console/runs")
    tree = page(await own_site.get("/console/runs"))
    assert tree.css_first("#schedule form") is None and tree.css_first("#schedule-form") is None
    refused = await send_form(
        own_site, f"/console/schedules/{schedule_id}/pause", {"csrf": pause_token}
    )
    assert refused.status_code == 403
    assert (await own_site.get(f"/v1/schedules/{schedule_id}", headers=auth)).json()[
        "enabled"
    ] is True
    before = await schedule_count(session)
    again = await send_form(
        own_site, "/console/schedules", {"csrf": create_token, **FORM, "name": "other"}
    )
    assert again.status_code == 403  # a good token, a key without jobs:write
    assert await schedule_count(session) == before
