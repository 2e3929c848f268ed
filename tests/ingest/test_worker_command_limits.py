"""A one-off `lgsco-worker ingest` parses with the deployment's parser limits (LGSCO_PARSE_*),
as the worker does: run in the worker image, it must not fall back to the built-in defaults.
The command runs as an operator runs it, in its own process, against the fake site."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

from tests.fakesite.made_up import invented_decision
from tests.fakesite.server import FakeSite


def _ingest(reference: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lgsco_ingest", "ingest", reference],
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_one_off_ingest_honours_the_configured_parser_limits(
    fake_site: FakeSite, emptied_database_url: str, redis_url: str
) -> None:
    page = invented_decision("25 000 731", date(2025, 4, 7))
    fake_site.add(page)
    env = {
        "LGSCO_DATABASE_URL": emptied_database_url,
        "LGSCO_REDIS_URL": redis_url,
        "LGSCO_SITE_URL": fake_site.url,
        "LGSCO_LOG_FORMAT": "text",
    }
    strict = _ingest("25 000 731", env | {"LGSCO_PARSE_MAX_DEPTH": "4"})
    assert strict.returncode == 1, strict.stdout + strict.stderr
    # The configured ceiling, not the default of 400 levels.
    assert strict.stdout.splitlines() == [
        "25 000 731  failed: too many levels of nesting: 27 (ceiling 4)"
    ]

    default = _ingest("25 000 731", env)
    assert default.returncode == 0, default.stdout + default.stderr
    assert "25 000 731  new" in default.stdout
