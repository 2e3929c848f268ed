"""The fetcher reaches only the configured site: no link read from a page, and no reference or
path given by a caller, makes it call another host (no SSRF path from any input)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_ingest.fetch import MAX_PAGE_BYTES, OffSiteURL, SiteClient, site_path
from lgsco_ingest.pipeline import Ingestor
from lgsco_shared.domain import FetchResult
from tests.fakesite.server import FakeDecision, FakeSite
from tests.ingest.helpers import crawl, stored

SITE = "http://127.0.0.1:8000"
PAGES = Path(__file__).resolve().parents[1] / "pages" / "lgsco"
PAGE = PAGES / "decision-site-upheld-agreed-action.html"
PATH = "/decisions/adult-care-services/charging/25-004-117"
DECIDED = date(2025, 10, 14)

HOSTILE = [
    "http://localhost:{port}/decisions/a/b/25-004-117",
    "https://169.254.169.254/latest/meta-data/",
    "//localhost:{port}/decisions/a/b/25-004-117",
    "\\\\localhost:{port}\\decisions",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "gopher://127.0.0.1:6379/_FLUSHALL",
    "/decisions/../../_admin",
    "http://127.0.0.1@localhost:{port}/decisions/a/b/25-004-117",
]


@pytest.mark.parametrize("link", [h.format(port=9) for h in HOSTILE])
def test_links_away_from_the_site_are_refused(link: str) -> None:
    with pytest.raises(OffSiteURL):
        site_path(link, SITE)


@pytest.mark.parametrize(
    ("link", "path"),
    [
        (PATH, PATH),
        (f"{SITE}{PATH}?displaypref=0", f"{PATH}?displaypref=0"),
        (
            f"https://127.0.0.1{PATH}",
            PATH,
        ),  # only the path is kept
    ],
)
def test_links_on_the_site_become_paths(link: str, path: str) -> None:
    assert site_path(link, SITE) == path


@settings(max_examples=500, deadline=500)
@given(
    link=st.one_of(
        st.text(max_size=60),
        st.sampled_from(["//", "http://", "https://", "\\\\", "/", "@", "%2f%2f", ":"]).flatmap(
            lambda prefix: st.text(max_size=40).map(lambda rest: prefix + rest)
        ),
    )
)
def test_whatever_the_link_the_request_goes_to_the_site(link: str) -> None:
    """The property the client relies on: a kept path, joined to the site, stays on the site."""
    try:
        path = site_path(link, SITE)
    except (OffSiteURL, ValueError):
        return
    assert path.startswith("/")
    joined = httpx.URL(SITE).join(path)
    assert (joined.scheme, joined.host, joined.port) == ("http", "127.0.0.1", 8000)


@pytest.fixture
def bait() -> Iterator[FakeSite]:
    """Another server on this machine, reached as `localhost`: it must never be asked anything."""
    site = FakeSite()
    site.start()
    yield site
    site.stop()


def listed(path: str, reference: str = "25 004 117") -> FakeDecision:
    return FakeDecision(
        reference=reference,
        path=path,
        html=PAGE.read_text(encoding="utf-8"),
        decided_on=DECIDED,
        organisation="Eastmere County Council",
        outcome_label="Upheld",
        subcategory="Charging",
        summary="Mrs X complained the Council charged her late mother for residential care.",
    )


async def test_a_listing_that_links_to_another_host_gets_no_request_there(
    fake_site: FakeSite,
    bait: FakeSite,
    sessionmaker: async_sessionmaker[AsyncSession],
    redis: Redis,
) -> None:
    port = httpx.URL(bait.url).port
    fake_site.add(listed(f"http://localhost:{port}{PATH}", "25 004 117"))
    fake_site.add(listed(f"//localhost:{port}/decisions/x/y/25-004-118", "25 004 118"))
    bait.add(listed(PATH))

    report = await crawl(sessionmaker, redis, fake_site, DECIDED, DECIDED)

    assert sum(bait.requests.values()) == 0
    # The listing keeps only the decision's path from a link, so both were asked of the site
    # (which has nothing at those paths: its two 404s).
    assert fake_site.statuses[404] == 2
    assert await stored(sessionmaker) == {}
    assert report.counts == {"not_found": 2}


async def test_a_caller_given_path_cannot_point_the_fetcher_elsewhere(
    fake_site: FakeSite,
    bait: FakeSite,
    client: SiteClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    bait.add(listed(PATH))
    outcome = await Ingestor(sessionmaker, client).ingest(
        "25 004 117", path=f"http://localhost:{httpx.URL(bait.url).port}{PATH}"
    )
    assert outcome.result == FetchResult.FAILED
    assert "is not on 127.0.0.1" in (outcome.reason or "")
    assert sum(bait.requests.values()) == 0


async def test_a_redirect_to_another_host_is_not_followed(
    fake_site: FakeSite,
    bait: FakeSite,
    client: SiteClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    bait.add(listed(PATH))
    fake_site.redirects[PATH] = f"http://localhost:{httpx.URL(bait.url).port}{PATH}"
    outcome = await Ingestor(sessionmaker, client).ingest("25 004 117", path=PATH)
    assert outcome.result == FetchResult.FAILED
    assert "redirected to http://localhost:" in (outcome.reason or "")
    assert sum(bait.requests.values()) == 0 and sum(bait.statuses.values()) == 0
    assert await stored(sessionmaker) == {}


async def test_a_redirect_on_the_site_is_followed(
    fake_site: FakeSite, client: SiteClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """The site moves decisions between categories and redirects the old address."""
    fake_site.add(listed(PATH))
    old = "/decisions/adult-care-services/other/25-004-117"
    fake_site.redirects[old] = PATH
    outcome = await Ingestor(sessionmaker, client).ingest("25 004 117", path=old)
    assert outcome.result == FetchResult.NEW
    assert (await stored(sessionmaker))["25 004 117"].summary.startswith("Mrs X complained")


async def test_an_endless_page_is_cut_off_and_nothing_is_stored(
    fake_site: FakeSite, client: SiteClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    huge = listed(PATH)
    huge.html = huge.html.replace("</body>", "<p>" + "x" * (MAX_PAGE_BYTES + 10) + "</p></body>")
    fake_site.add(huge)
    outcome = await Ingestor(sessionmaker, client).ingest("25 004 117", path=PATH)
    assert outcome.result == FetchResult.FAILED
    assert f"larger than {MAX_PAGE_BYTES} bytes" in (outcome.reason or "")
    assert await stored(sessionmaker) == {}
