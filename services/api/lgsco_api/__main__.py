"""`lgsco-api` (`python -m lgsco_api`): the API alone, as its image runs it.

The schema must be at this release's revision (run the migration first); with no database or Redis
URL configured it starts embedded servers, which need the `embedded` extra of lgsco-shared.
"""

from __future__ import annotations

import argparse
import asyncio

from lgsco_api.serve import serve_api
from lgsco_shared import runtime


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="lgsco-api", description="Serve the JSON API and the console (settings: LGSCO_*)."
    )
    parser.parse_args(argv)
    settings = runtime.load()
    with runtime.attached(settings) as urls:
        asyncio.run(serve_api(settings, urls))


if __name__ == "__main__":
    main()
