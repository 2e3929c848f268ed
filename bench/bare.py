"""The framework floor: a bare FastAPI + asyncpg app that answers each of the benchmark's URLs by
running the SQL the API ran for it (captured by bench/workload.py) and returning the rows as
JSON, the way a plain FastAPI route returns a list of dicts. No middleware, no authentication,
no validation, no models: what is left between it and the API is the service's own work.

Same server as `lgsco api` (uvicorn, one process, its default loop and HTTP parser), same pool
size (20 connections) and the same planner settings.

Run: python -m bench.bare STATEMENTS.pickle PORT   (written by bench/api.py)
"""

from __future__ import annotations

import pickle
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import uvicorn
from fastapi import FastAPI, HTTPException, Request

from bench.common import asyncpg_args

Statement = tuple[str, tuple[Any, ...]]
POOL_SIZE = 20  # the API's pool_size 10 + max_overflow 10


def create_app(database_url: str, by_url: dict[str, list[Statement]]) -> FastAPI:
    pool: asyncpg.Pool | None = None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        nonlocal pool
        pool = await asyncpg.create_pool(
            **asyncpg_args(database_url), min_size=POOL_SIZE, max_size=POOL_SIZE
        )
        yield
        await pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/{path:path}")
    async def answer(request: Request) -> dict[str, Any]:
        query = request.scope["query_string"].decode()
        statements = by_url.get(request.url.path + (f"?{query}" if query else ""))
        if statements is None or pool is None:
            raise HTTPException(404)
        async with pool.acquire() as conn:
            results = [
                [dict(row) for row in await conn.fetch(sql, *params)] for sql, params in statements
            ]
        return {"results": results}

    return app


def main() -> None:
    database_url, urls, statements = pickle.loads(Path(sys.argv[1]).read_bytes())
    by_url = {
        url: requests
        for endpoint, paths in urls.items()
        for url, requests in zip(paths, statements[endpoint], strict=True)
    }
    app = create_app(database_url, by_url)
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")


if __name__ == "__main__":
    main()
