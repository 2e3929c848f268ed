"""The resident memory of this process, sampled from a thread (so a blocked event loop is still
measured): `with Sampler() as rss: ...` then `rss.peak` and `rss.growth` in bytes, for tests that
run inside a long test session where the lifetime peak (`ru_maxrss`) says nothing."""

from __future__ import annotations

import threading
import time

import psutil

MB = 2**20


class Sampler:
    """RSS of this process every 20 ms while the block runs."""

    def __init__(self) -> None:
        self._me = psutil.Process()
        self.baseline = self._me.memory_info().rss
        self.peak = self.baseline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._me.memory_info().rss)
            time.sleep(0.02)

    @property
    def growth(self) -> int:
        return self.peak - self.baseline

    def __enter__(self) -> Sampler:
        self.baseline = self._me.memory_info().rss
        self.peak = self.baseline
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._me.memory_info().rss)
