"""The job queue, behind one small module: arq on Redis today.

arq is in maintenance-only mode upstream; the rest of the code only calls `connect` and
`enqueue` here (and lgsco_ingest/worker.py builds arq's WorkerSettings), so swapping the queue
touches these two files, not the jobs.
"""

from __future__ import annotations

from typing import Any

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings

QUEUE_NAME = "lgsco:queue"

Queue = ArqRedis


def redis_settings(redis_url: str) -> RedisSettings:
    settings = RedisSettings.from_dsn(redis_url)
    settings.conn_timeout = 2
    settings.conn_retries = 0
    return settings


async def connect(redis_url: str) -> Queue:
    return await create_pool(redis_settings(redis_url), default_queue_name=QUEUE_NAME)


async def enqueue(queue: Queue, function: str, *args: Any, job_id: str) -> bool:
    """Enqueue once: a job id already queued or running makes this a no-op (returns False)."""
    job = await queue.enqueue_job(function, *args, _job_id=job_id, _queue_name=QUEUE_NAME)
    return job is not None


def health_key() -> str:
    """Per-process health key (host name): one worker stopping never hides another's health."""
    import socket

    return f"{QUEUE_NAME}:health-check:{socket.gethostname()}"


async def queue_depth(queue: Queue) -> int:
    return int(await queue.zcard(QUEUE_NAME))
