"""Benchmark 4: `lgsco up` on a fresh LGSCO_HOME until GET /readyz answers 200, then again.

No database or Redis is configured, so the first start creates the embedded PostgreSQL and Redis
in the new home and migrates; the second start reuses them. Each round uses a new home.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import WORK, Spread, child_env, free_port, lgsco_command, say, wait_ready


@dataclass(frozen=True, slots=True)
class StartupResult:
    first_s: Spread
    second_s: Spread


def _start(home: Path) -> float:
    """Seconds from `lgsco up` to a 200 from /readyz; then Ctrl-C and wait for it to stop."""
    port = free_port()
    env = child_env(LGSCO_HOME=str(home), LGSCO_API_HOST="127.0.0.1", LGSCO_API_PORT=str(port))
    began = time.perf_counter()
    with (home.parent / f"{home.name}.log").open("a") as log:
        process = subprocess.Popen(
            [lgsco_command(), "up"], cwd=home.parent, env=env, stdout=log, stderr=log
        )
        try:
            wait_ready(f"http://127.0.0.1:{port}", process, timeout=180)
            return time.perf_counter() - began
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def run(rounds: int) -> StartupResult:
    first, second = [], []
    root = WORK / "startup"
    for r in range(rounds):
        home = root / f"home-{r}"
        shutil.rmtree(home, ignore_errors=True)
        root.mkdir(parents=True, exist_ok=True)
        say(f"startup: round {r + 1}/{rounds}: first start on a fresh LGSCO_HOME, then a second")
        first.append(_start(home))
        second.append(_start(home))
        shutil.rmtree(home, ignore_errors=True)
    return StartupResult(Spread.of(first), Spread.of(second))
