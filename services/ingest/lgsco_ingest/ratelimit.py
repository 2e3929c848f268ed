"""Site-wide politeness: request slots shared by every worker through Redis.

Each request takes the next free slot, `1/rate` seconds after the previous one, computed
atomically in Redis on Redis's own clock, so N workers together still send at most `rate`
requests a second to the LGSCO site.
"""

from __future__ import annotations

import asyncio
from typing import Any

KEY = "lgsco:site:next-slot-us"

# Returns how many microseconds to wait before sending.
_TAKE_SLOT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local next_free = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, next_free)
redis.call('SET', KEYS[1], slot + tonumber(ARGV[1]), 'PX', 60000)
return slot - now
"""


class SiteRateLimiter:
    def __init__(self, redis: Any, requests_per_second: float | None) -> None:
        self._redis = redis
        self._interval_us = 0 if not requests_per_second else int(1_000_000 / requests_per_second)
        self._script: Any = redis.register_script(_TAKE_SLOT) if self._interval_us else None

    async def wait(self) -> None:
        """Sleep until this process may send its next request to the site."""
        if self._script is None:
            return
        delay_us = int(await self._script(keys=[KEY], args=[self._interval_us]))
        if delay_us > 0:
            await asyncio.sleep(delay_us / 1_000_000)
