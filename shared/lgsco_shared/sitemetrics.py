"""Counters of the requests every worker sends to the LGSCO site, kept in Redis.

Workers have no HTTP port, so what they count goes where the API can read it: one Redis hash,
incremented by each worker's fetcher (lgsco_ingest.fetch) and read by the API's /metrics, which
therefore shows the whole fleet's figures from any replica. A Redis that is emptied starts the
counters again from zero, which Prometheus reads as a counter reset.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from redis.exceptions import RedisError

log = logging.getLogger(__name__)

KEY = "lgsco:metrics:site"
# Upper bounds (seconds) of the latency histogram; the site answers in about 0.1-2 s.
BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
OUTCOMES = ("2xx", "3xx", "4xx", "5xx", "timeout", "connection_error")


def outcome_of(status: int | None, *, timed_out: bool = False) -> str:
    """The class of one try: its status class, or how it failed without one."""
    if status is None:
        return "timeout" if timed_out else "connection_error"
    return f"{status // 100}xx"


class SiteFetchStats:
    """What one fetcher records; a Redis failure is logged, never raised into a fetch."""

    def __init__(self, redis: Any) -> None:
        self._redis = redis

    async def record(self, outcome: str, seconds: float, *, retry: bool) -> None:
        bucket = next((f"{b:g}" for b in BUCKETS if seconds <= b), "+Inf")
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.hincrby(KEY, f"requests:{outcome}", 1)
                pipe.hincrby(KEY, f"bucket:{bucket}", 1)
                pipe.hincrbyfloat(KEY, "seconds_sum", seconds)
                if retry:
                    pipe.hincrby(KEY, "retries", 1)
                await pipe.execute()
        except (RedisError, OSError):
            log.debug("could not record a site request in Redis", exc_info=True)


@dataclass(frozen=True, slots=True)
class SiteFigures:
    requests: dict[str, int] = field(default_factory=dict)  # by outcome
    retries: int = 0
    buckets: dict[str, int] = field(default_factory=dict)  # per bucket, not cumulative
    seconds_sum: float = 0.0

    @property
    def count(self) -> int:
        return sum(self.requests.values())

    def cumulative(self) -> list[tuple[str, int]]:
        """(le, requests taking at most le seconds), as Prometheus histograms count."""
        total, out = 0, []
        for le in [*(f"{b:g}" for b in BUCKETS), "+Inf"]:
            total += self.buckets.get(le, 0)
            out.append((le, total))
        return out


async def read(redis: Any) -> SiteFigures:
    raw = await redis.hgetall(KEY)
    values = {_text(k): _text(v) for k, v in raw.items()}
    return SiteFigures(
        requests={
            k.removeprefix("requests:"): int(v)
            for k, v in values.items()
            if k.startswith("requests:")
        },
        retries=int(values.get("retries", 0)),
        buckets={
            k.removeprefix("bucket:"): int(v) for k, v in values.items() if k.startswith("bucket:")
        },
        seconds_sum=float(values.get("seconds_sum", 0.0)),
    )


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
