"""End to end in a real headless Chromium: Debian's `chromium` driven by Playwright (nothing
downloads a browser) against the app served by uvicorn on 127.0.0.1. Each page is loaded and its
numbers checked against the API's JSON from the same server; a job is requested by keyboard and
watched until an arq worker (burst mode) finishes it; pages are checked on a narrow screen.
Screenshots go to test-artifacts/console/."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import re
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from redis import Redis

from lgsco_api.keys import service as keys
from lgsco_ingest.worker import build_worker
from lgsco_shared.db import make_engine, make_sessionmaker
from tests.conftest import settings_for, truncate_all
from tests.console.conftest import console_app
from tests.console.live import LiveServer
from tests.fakesite.corpus import CorpusEntry
from tests.fakesite.corpus_site import fake_decision
from tests.fakesite.server import FakeSite

T = TypeVar("T")
CHROMIUM = Path(os.environ.get("LGSCO_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _missing() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "the 'playwright' Python package is not installed (pip install playwright)"
    if not CHROMIUM.is_file():
        return (
            f"no Chromium at {CHROMIUM} (install Debian's package: apt-get install chromium, "
            "or point LGSCO_CHROMIUM at a Chromium binary); no browser is ever downloaded"
        )
    return None


pytestmark = [
    pytest.mark.skipif(_missing() is not None, reason=str(_missing())),
]

if _missing() is None:
    from playwright.sync_api import Browser, Page, sync_playwright


@pytest.fixture(scope="module")
def browser(database_url: str, crawled_database_url: str) -> Iterator[Browser]:
    """One Chromium for the module. Playwright's sync API keeps an event loop running in this
    thread, so the databases (made with asyncio.run) are made first, and the tests run their
    own coroutines in another thread (`in_thread`)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def crawled_server(crawled_database_url: str, redis_url: str) -> Iterator[str]:
    server = LiveServer(console_app(crawled_database_url, redis_url))
    yield server.start()
    server.stop()


class Watch:
    """Every request a page makes and every script error it reports."""

    def __init__(self, page: Page, base: str) -> None:
        self.base = base
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)

    def check(self) -> None:
        elsewhere = [u for u in self.requests if not u.startswith(self.base)]
        assert elsewhere == [], "the console fetched from another host"
        assert self.errors == []


def api(base: str, path: str, token: str | None = None, **params: Any) -> Any:
    """The API's JSON; council data (runs, schedules) with the key `token`."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.get(base + path, params=params, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def count(page: Page, selector: str) -> int:
    return int(page.inner_text(selector).replace(",", "").strip())


def rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def test_each_page_shows_the_api_numbers(
    browser: Browser,
    crawled_server: str,
    crawled_database_url: str,
    decisions: list[CorpusEntry],
) -> None:
    base = crawled_server
    token = in_thread(_make_key(crawled_database_url, "e2e-reader", "read"))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch = Watch(page, base)

    page.goto(base + "/console")
    status = api(base, "/v1/status")
    assert page.title().startswith("Overview –")
    assert (
        count(page, "dd[data-field=decisions_stored]")
        == status["decisions_stored"]
        == len(decisions)
    )
    assert count(page, "dd[data-field=failures_last_24h]") == status["failures_last_24h"]
    shot(page, "overview")

    page.click("nav >> text=Runs")
    assert page.title().startswith("Runs –")
    schedules = api(base, "/v1/schedules", token)["items"]
    assert page.locator("#schedule tbody tr").count() == max(1, len(schedules))
    shot(page, "runs")

    page.goto(base + "/console/decisions")
    page.fill("#field-q", "care home")
    page.click("summary >> text=More filters")
    page.check("#outcome-upheld")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url(re.compile(r".*q=care\+home.*"))
    stats = api(base, "/v1/stats/outcomes", q="care home", outcome="upheld")["overall"]
    listing = api(base, "/v1/decisions", q="care home", outcome="upheld", limit=25)
    assert count(page, "#match-count") == stats["decisions"]
    assert page.inner_text("#match-outcomes [data-field=uphold_rate]") == rate(stats["uphold_rate"])
    shown = page.locator("#results tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.reference)"
    )
    assert shown == [i["reference"] for i in listing["items"]]
    shot(page, "decisions-search")

    first = listing["items"][0]
    page.click(f"#results tbody tr[data-reference='{first['reference']}'] th a")
    record = api(base, f"/v1/decisions/{first['reference'].replace(' ', '-')}")
    assert page.inner_text("h1") == f"Decision {record['reference']}"
    assert page.get_attribute("#source-link", "href") == record["source_url"]
    assert page.locator("#remedies tbody tr").count() == len(record["remedies"])
    shot(page, "decision")

    busiest = api(base, "/v1/stats/outcomes", group_by="organisation")["groups"][0]["key"]
    page.goto(base + "/console/figures")
    page.fill("#field-organisation", busiest)
    page.press("#field-organisation", "Enter")
    page.wait_for_selector("#summary")
    year = page.input_value("#field-financial_year")
    report = api(base, "/v1/reports/annual", organisation=busiest, financial_year=year)
    row = page.locator("#summary tbody tr")
    for field in ("decisions", "upheld", "not_upheld", "closed_after_initial_enquiries"):
        assert count(page, f"#summary tbody td[data-field={field}]") == report["summary"][field]
    assert row.locator("td[data-field=uphold_rate]").inner_text() == rate(
        report["summary"]["uphold_rate"]
    )
    compare = api(base, "/v1/stats/compare", organisation=busiest, financial_year=year)
    rates = page.locator("#comparison tbody td[data-field=uphold_rate]").all_inner_texts()
    assert rates == [
        rate(compare[side]["uphold_rate"])
        for side in ("this_organisation", "same_kind", "all_organisations")
    ]
    for chart in ("months", "categories", "uphold", "remedies"):
        box = page.locator(f"#chart-{chart}").bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 40, chart
    shot(page, "figures")
    watch.check()
    context.close()


NARROW = ["/console", "/console/runs", "/console/jobs", "/console/decisions?q=care"]


def test_pages_fit_a_narrow_screen(browser: Browser, crawled_server: str) -> None:
    base = crawled_server
    busiest = api(base, "/v1/stats/outcomes", group_by="organisation")["groups"][0]["key"]
    context = browser.new_context(viewport={"width": 360, "height": 780}, device_scale_factor=2)
    page = context.new_page()
    paths = [*NARROW, f"/console/figures?organisation={busiest}"]
    for path in paths:
        page.goto(base + path)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} is {overflow}px wider than the screen"
        assert page.locator("nav[aria-label='Console sections']").is_visible()
        font = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
        assert font >= 16
        name = path.strip("/").split("?")[0].replace("/", "-") or "console"
        shot(page, f"narrow-{name}")
    chart = page.locator("#chart-months").bounding_box()
    assert chart is not None and chart["width"] <= 360
    context.close()


async def _make_key(
    database_url: str, name: str = "e2e-operator", scope: str = "jobs:write"
) -> str:
    engine = make_engine(database_url, pool=False)
    async with make_sessionmaker(engine).begin() as session:
        _key, token = await keys.create_key(session, name, [scope])
    await engine.dispose()
    return token


def in_thread(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run in a thread of its own (this thread's loop belongs to Playwright)."""
    results: list[T] = []
    thread = threading.Thread(target=lambda: results.append(asyncio.run(coroutine)))
    thread.start()
    thread.join(timeout=60)
    return results[0]


def _run_worker(site_url: str, database_url: str, redis_url: str) -> threading.Thread:
    async def work() -> None:
        worker = build_worker(
            settings_for(site_url, schedule_enabled=False),
            database_url=database_url,
            redis_url=redis_url,
            burst=True,
            poll_delay=0.05,
            handle_signals=False,  # signals belong to the main thread
        )
        try:
            await worker.main()
        finally:
            await worker.close()

    thread = threading.Thread(target=lambda: asyncio.run(work()), daemon=True)
    thread.start()
    return thread


def _focus_by_tab(page: Page, target: str, limit: int = 30) -> list[str]:
    """Press Tab until `target` (a CSS selector) has focus; what took focus on the way."""
    passed: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", target):
            return passed
        passed.append(
            page.evaluate("() => document.activeElement.id || document.activeElement.className")
        )
    raise AssertionError(f"{target} never took the focus; passed {passed}")


def test_request_a_job_by_keyboard_and_watch_it_finish(
    browser: Browser,
    database_url: str,
    redis_url: str,
    decisions: list[CorpusEntry],
    fake_site: FakeSite,
) -> None:
    in_thread(truncate_all(database_url))
    Redis.from_url(redis_url).flushdb()
    entry = decisions[0]
    fake_site.add(fake_decision(entry))
    reference = entry.truth["ref"]
    server = LiveServer(console_app(database_url, redis_url, site_url=fake_site.url))
    base = server.start()
    token = in_thread(_make_key(database_url))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch = Watch(page, base)
    try:
        page.goto(base + "/console/jobs")
        assert page.locator("#needs-key").is_visible()
        _focus_by_tab(page, "#field-key")
        page.keyboard.type(token)
        page.keyboard.press("Enter")
        page.wait_for_selector(".who strong")
        assert page.inner_text(".who strong") == "e2e-operator"

        page.keyboard.press("Tab")  # the first stop on every page skips to the content
        assert page.evaluate("() => document.activeElement.classList.contains('skip-link')")
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.id") == "main"
        _focus_by_tab(page, "#field-reference")
        outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none"  # focus is visible
        shot(page, "job-form-keyboard")
        page.keyboard.type(reference.replace(" ", "-"))
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r".*/console/runs/\d+\?submitted=new$"))
        run_id = int(re.findall(r"/runs/(\d+)", page.url)[0])
        assert page.get_attribute("[data-status]", "data-status") == "queued"
        page.evaluate("() => { window.notReloaded = true; }")
        shot(page, "job-queued")

        still = browser.new_context(java_script_enabled=False).new_page()  # no JS: meta refresh
        still.goto(f"{base}/console/runs/{run_id}")
        assert still.get_attribute("[data-status]", "data-status") == "queued"

        worker = _run_worker(fake_site.url, database_url, redis_url)
        page.wait_for_selector("[data-status=succeeded]", timeout=30_000)
        worker.join(timeout=30)
        assert page.evaluate("() => window.notReloaded === true")  # updated in place, by script
        assert page.title().startswith(f"Run {run_id} (succeeded)")
        assert page.inner_text("#progress-news") == f"Run {run_id} succeeded: 1 new."  # read out
        detail = api(base, f"/v1/jobs/{run_id}", token)
        assert detail["status"] == "succeeded"
        shown = page.locator("#run-counts td[data-count]").evaluate_all(
            "cells => Object.fromEntries(cells.map(c => [c.dataset.count, Number(c.innerText)]))"
        )
        assert shown == detail["counts"] == {"new": 1}
        shot(page, "job-succeeded")

        still.wait_for_selector("[data-status=succeeded]", timeout=15_000)
        still.context.close()

        page.click("#run-decision")
        assert page.inner_text("h1") == f"Decision {reference}"
        watch.check()
    finally:
        context.close()
        server.stop()
        in_thread(truncate_all(database_url))  # leave the shared test database empty
