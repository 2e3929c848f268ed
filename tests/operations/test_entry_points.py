"""Where an operator starts: `lgsco up` says where the console is, `/` leads a browser there and
tells a program where everything is, and API keys can be listed and revoked from the command
line with every scope named in the help."""

from __future__ import annotations

import signal
import subprocess  # nosec B404 - the tests run the project's own command
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from httpx import ASGITransport, AsyncClient
from typer.testing import CliRunner

from lgsco_api.keys.service import SCOPES
from lgsco_api.main import create_app
from lgsco_cli.cli import app as cli
from tests.operations.test_embedded import LGSCO, _env, _free_port
from tests.reliability.conftest import api_settings


@pytest.fixture
async def api(database_url: str, redis_url: str) -> AsyncIterator[AsyncClient]:
    app = create_app(api_settings(), database_url=database_url, redis_url=redis_url)
    transport = ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=transport, base_url="http://t") as client,
    ):
        yield client


async def test_the_root_sends_a_browser_to_the_console(api: AsyncClient) -> None:
    browser = await api.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser.status_code == 303
    assert browser.headers["location"] == "/console"


async def test_the_root_tells_a_program_where_things_are(api: AsyncClient) -> None:
    answer = await api.get("/", headers={"Accept": "application/json"})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["console"], body["docs"], body["api"]) == ("/console", "/docs", "/v1")
    for path in ("/console", "/docs", "/openapi.json", "/readyz"):
        assert (await api.get(path)).status_code == 200, path


def test_keys_create_help_names_every_scope() -> None:
    result = CliRunner().invoke(cli, ["keys", "create", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for scope in SCOPES:
        assert scope in result.output, scope


def test_keys_can_be_listed_and_revoked(emptied_database_url: str, redis_url: str) -> None:
    database_url = emptied_database_url
    env = {"LGSCO_DATABASE_URL": database_url, "LGSCO_REDIS_URL": redis_url}
    runner = CliRunner()
    empty = runner.invoke(cli, ["keys", "list"], env=env)
    assert empty.exit_code == 0 and empty.output.startswith("no API keys")
    for name, scopes in (("finance", "read"), ("crm", "read,remedies:write")):
        created = runner.invoke(
            cli, ["keys", "create", "--name", name, "--scopes", scopes], env=env
        )
        assert created.exit_code == 0, created.output
        secret = created.output.strip().splitlines()[-1]
    assert runner.invoke(cli, ["keys", "revoke", "--name", "finance"], env=env).exit_code == 0
    listed = runner.invoke(cli, ["keys", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    header, *rows = listed.output.strip().splitlines()
    assert header.split() == ["NAME", "PREFIX", "SCOPES", "CREATED", "LAST", "USED", "REVOKED"]
    assert [row.split()[0] for row in rows] == ["crm", "finance"]  # revoked last
    crm, finance = (row.split() for row in rows)
    assert crm[2] == "read,remedies:write" and crm[-2:] == ["never", "-"]
    assert finance[-1] != "-"  # its revocation time
    assert secret not in listed.output and crm[1] in secret  # the prefix only
    again = runner.invoke(cli, ["keys", "revoke", "--name", "finance"], env=env)
    assert again.exit_code == 1 and "no active key named 'finance'" in again.output


def test_up_prints_where_the_api_console_and_docs_are(
    tmp_path: Path, database_url: str, redis_url: str
) -> None:
    port = _free_port()
    env = _env(
        tmp_path / "h",
        LGSCO_DATABASE_URL=database_url,
        LGSCO_REDIS_URL=redis_url,
        LGSCO_API_PORT=str(port),
        LGSCO_SCHEDULE_ENABLED="false",
    )
    up = subprocess.Popen(  # nosec B603
        [*LGSCO, "up"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert up.stdout is not None
        first = up.stdout.readline()
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/console", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and up.poll() is None
            time.sleep(0.3)
        up.send_signal(signal.SIGTERM)
        _, err = up.communicate(timeout=60)
    finally:
        if up.poll() is None:
            up.kill()
    base = f"http://127.0.0.1:{port}"
    assert f"console {base}/console" in first and f"API on {base}" in first
    assert f"docs {base}/docs" in first
    assert up.returncode == 0, err


def _script(name: str) -> str:
    import sys

    return str(Path(sys.executable).with_name(name))


def test_the_api_image_makes_the_first_key_and_lists_it(
    emptied_database_url: str, redis_url: str, tmp_path: Path
) -> None:
    """The API image has no `lgsco` command: `lgsco-api keys` is how a deployment gets its
    first key, and the secret it prints authenticates."""
    env = _env(tmp_path / "h", LGSCO_DATABASE_URL=emptied_database_url, LGSCO_REDIS_URL=redis_url)
    run = lambda *argv: subprocess.run(  # noqa: E731
        [_script("lgsco-api"), *argv], env=env, capture_output=True, text=True, timeout=60
    )
    created = run("keys", "create", "--name", "bootstrap", "--scopes", "admin")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip().splitlines()[-1]
    assert secret.startswith("lgsco_")
    listed = run("keys", "list")
    assert listed.returncode == 0 and "bootstrap" in listed.stdout and secret not in listed.stdout
    assert run("keys", "revoke", "--name", "nobody").returncode == 1
    assert run("keys", "create", "--name", "x", "--scopes", "everything").returncode == 2


def test_the_worker_image_refuses_bad_one_off_commands_before_starting(tmp_path: Path) -> None:
    """Malformed references and dates are refused with one line and exit 2, before any
    database or site is touched (no URL is set: nothing could be reached anyway)."""
    env = _env(tmp_path / "h")
    for argv, said in (
        (["ingest", "22 003 37"], "is not an LGSCO case reference"),
        (["crawl", "--from", "2024-13-01", "--to", "2024-12-31"], "must be dates"),
        (["crawl", "--from", "2024-02-01", "--to", "2024-01-01"], "--to is before --from"),
    ):
        done = subprocess.run(
            [_script("lgsco-worker"), *argv], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 2, (argv, done.stderr)
        assert said in done.stderr, (argv, done.stderr)
