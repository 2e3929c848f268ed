"""Embedded mode behaves like a service: any first command on a fresh home works, a command that
attaches says nothing about starting servers, SIGTERM and SIGINT stop the servers, and a process
killed outright does not keep them running for ever.

These run the real `lgsco` command in child processes, each with its own LGSCO_HOME.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess  # nosec B404 - the tests run the project's own command
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.fakesite.corpus import CorpusEntry
from tests.fakesite.corpus_site import fake_decision
from tests.fakesite.server import FakeSite

LGSCO = [sys.executable, "-c", "from lgsco_cli.cli import main; main()"]


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LGSCO_")}
    return env | {"LGSCO_HOME": str(home), "LGSCO_LOG_FORMAT": "text"} | extra


def _run(home: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # nosec B603
        [*LGSCO, *args], env=_env(home, **extra), capture_output=True, text=True, timeout=120
    )


def _server_pids(home: Path) -> dict[str, int]:
    """The embedded PostgreSQL and Redis of `home`, by their own pid files."""
    pids = {}
    postmaster = home / "postgres" / "postmaster.pid"
    if postmaster.exists():
        pids["postgres"] = int(postmaster.read_text().split()[0])
    registry = home / "redis" / "redis.db.settings"
    if registry.exists():
        pidfile = Path(json.loads(registry.read_text())["pidfile"])
        if pidfile.exists():
            pids["redis"] = int(pidfile.read_text().strip())
    return pids


def _running(pids: dict[str, int]) -> dict[str, int]:
    alive = {}
    for name, pid in pids.items():
        if pid <= 0:  # initdb's single-user server writes a negative pid
            continue
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive[name] = pid
        except psutil.NoSuchProcess:
            pass
    return alive


def _wait_stopped(pids: dict[str, int], timeout: float = 30) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while _running(pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    return _running(pids)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    # Short: PostgreSQL's socket path must fit in 107 bytes.
    path = tmp_path / "h"
    yield path
    for pid in _running(_server_pids(path)).values():  # never leave a server behind
        psutil.Process(pid).kill()


def test_a_fresh_home_works_with_ingest_as_its_first_command(
    home: Path, decisions: list[CorpusEntry], fake_site: FakeSite
) -> None:
    entry = decisions[0]
    fake_site.add(fake_decision(entry))
    result = _run(
        home,
        "ingest",
        entry.truth["ref"],
        LGSCO_SITE_URL=fake_site.url,
        LGSCO_REQUESTS_PER_SECOND="50",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"{entry.truth['ref']}  new"]
    assert "Traceback" not in result.stderr
    assert "database schema upgraded from nothing to" in result.stderr
    assert "started embedded PostgreSQL" in result.stderr
    assert _wait_stopped(_server_pids(home)) == {}  # the last user stopped both servers
    again = _run(home, "reparse")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == ["unchanged 1"]
    assert "upgraded" not in again.stderr


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_api_and_the_servers_it_started(
    home: Path, stop: signal.Signals
) -> None:
    port = _free_port()
    env = _env(home, LGSCO_API_PORT=str(port))
    api = subprocess.Popen(  # nosec B603
        [*LGSCO, "api"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 90
        ready = None
        while time.monotonic() < deadline and api.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                if ready.status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        assert ready is not None and ready.status_code == 200, (
            api.stderr.read() if api.stderr else ""
        )
        assert ready.json()["checks"]["schema"] == "ok"
        servers = _running(_server_pids(home))
        assert set(servers) == {"postgres", "redis"}

        # Another command attaches to the running servers: it says nothing about starting them.
        keys = _run(home, "keys", "create", "--name", "attached", "--scopes", "read")
        assert keys.returncode == 0, keys.stderr
        assert "started embedded" not in keys.stderr and "upgraded" not in keys.stderr
        assert _running(servers) == servers  # and leaves them to the API

        api.send_signal(stop)
        _, err = api.communicate(timeout=60)
    finally:
        if api.poll() is None:
            api.kill()
    assert api.returncode == 0, err
    assert f"stopping on {stop.name}" in err
    assert "Traceback" not in err and "shutdown failed" not in err.lower()
    assert _wait_stopped(servers) == {}


def test_sigterm_during_a_one_shot_command_stops_the_servers(
    home: Path, decisions: list[CorpusEntry], fake_site: FakeSite
) -> None:
    """`timeout`, systemd and `docker stop` send SIGTERM to whatever is running."""
    fake_site.add(fake_decision(decisions[0]))
    fake_site.faults.delay = 8.0  # decision pages hang: the command is mid-request when killed
    ingest = subprocess.Popen(  # nosec B603
        [*LGSCO, "ingest", decisions[0].truth["ref"]],
        env=_env(home, LGSCO_SITE_URL=fake_site.url, LGSCO_REQUEST_TIMEOUT="60"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while set(_running(_server_pids(home))) != {"postgres", "redis"}:
            assert time.monotonic() < deadline and ingest.poll() is None
            time.sleep(0.2)
        servers = _running(_server_pids(home))
        while not any("SearchResults" in url for url in fake_site.requests):  # then the page
            assert time.monotonic() < deadline and ingest.poll() is None
            time.sleep(0.2)
        time.sleep(1.0)
        ingest.send_signal(signal.SIGTERM)
        _, err = ingest.communicate(timeout=60)
    finally:
        if ingest.poll() is None:
            ingest.kill()
    assert ingest.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err
    assert _wait_stopped(servers) == {}


def test_a_killed_process_does_not_keep_the_servers_running(home: Path) -> None:
    """A process that died without cleaning up leaves its pid in pgserver's list of users; the
    next command drops it, so the last user really is the last and stops the servers."""
    first = _run(home, "migrate")
    assert first.returncode == 0, first.stderr
    dead = subprocess.Popen([sys.executable, "-c", "pass"])  # nosec B603
    dead.wait()
    handles = home / "postgres" / ".handle_pids.json"
    handles.write_text(json.dumps([dead.pid]))

    second = _run(home, "keys", "create", "--name", "after-a-crash", "--scopes", "read")
    assert second.returncode == 0, second.stderr
    assert f"dropped stopped processes [{dead.pid}]" in second.stderr
    assert _wait_stopped(_server_pids(home)) == {}
    assert json.loads(handles.read_text()) == []


def test_worker_check_follows_a_worker_that_starts_and_stops(
    tmp_path: Path, database_url: str, redis_url: str
) -> None:
    """The compose healthcheck and the Kubernetes liveness probe: `lgsco worker --check`."""
    from redis import Redis

    Redis.from_url(redis_url).flushdb()
    urls = {"LGSCO_DATABASE_URL": database_url, "LGSCO_REDIS_URL": redis_url}
    home = tmp_path / "h"
    assert _run(home, "worker", "--check", **urls).returncode == 1  # no worker yet
    worker = subprocess.Popen(  # nosec B603
        [*LGSCO, "worker"],
        env=_env(home, LGSCO_SCHEDULE_ENABLED="false", **urls),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while (check := _run(home, "worker", "--check", **urls)).returncode != 0:
            assert time.monotonic() < deadline and worker.poll() is None, check.stderr
            time.sleep(0.5)
        worker.send_signal(signal.SIGTERM)
        _, err = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, err
    assert "stopping on SIGTERM" in err and "Traceback" not in err
    assert "cron:" not in err  # the webhook ticks are DEBUG
    assert _run(home, "worker", "--check", **urls).returncode == 1  # it removed its record
