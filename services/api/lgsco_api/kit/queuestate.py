"""The arq pool as the app holds it: absent while Redis is down, reconnected on demand.

The API must start (and serve reads) with Redis down; job submission then answers 503 until a
reconnect succeeds. Reconnects are spaced out so a dead Redis costs one attempt per interval,
not one per request.
"""

from __future__ import annotations

import asyncio
import logging
import time

from redis.exceptions import RedisError

from lgsco_shared import queue as jobqueue

log = logging.getLogger("lgsco_api")
RETRY_INTERVAL_SECONDS = 5.0


class QueueState:
    def __init__(self, redis_url: str) -> None:
        self.redis_url = redis_url
        self.queue: jobqueue.Queue | None = None
        self.error: str | None = None
        self._last_attempt = 0.0
        self._lock = asyncio.Lock()

    async def connect(self) -> jobqueue.Queue | None:
        self._last_attempt = time.monotonic()
        try:
            self.queue = await jobqueue.connect(self.redis_url)
            self.error = None
        except (RedisError, OSError, TimeoutError) as exc:
            self.queue = None
            self.error = f"{exc.__class__.__name__}: {exc}"
            log.warning("job queue unreachable: %s", self.error)
        return self.queue

    async def get(self) -> jobqueue.Queue | None:
        if self.queue is not None:
            return self.queue
        async with self._lock:
            due = time.monotonic() - self._last_attempt >= RETRY_INTERVAL_SECONDS
            if self.queue is None and due:
                await self.connect()
        return self.queue

    async def close(self) -> None:
        if self.queue is not None:
            await self.queue.aclose()
            self.queue = None
