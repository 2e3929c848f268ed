"""`lgsco-api` (`python -m lgsco_api`): the API, as its image runs it, and API keys from a terminal
in the same image (the first key of a deployment can only be made here).

    lgsco-api                                   serve the API and the console until SIGTERM
    lgsco-api keys create --name N [--scopes read,remedies:write]
    lgsco-api keys list
    lgsco-api keys revoke --name N

The schema must be at this release's revision (run `lgsco-migrate` first). With no database or
Redis URL configured it starts embedded servers, which need the `embedded` extra of lgsco-shared.
"""

from __future__ import annotations

import argparse
import asyncio

from lgsco_api.keys import commands
from lgsco_api.keys.service import SCOPES
from lgsco_api.serve import serve_api
from lgsco_shared import runtime


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lgsco-api", description="Serve the JSON API and the console (settings: LGSCO_*)."
    )
    sub = parser.add_subparsers(dest="command")
    keys = sub.add_parser("keys", help="API keys").add_subparsers(dest="action", required=True)
    create = keys.add_parser("create", help="create a key; its secret is printed once")
    create.add_argument("--name", required=True, help="who the key is for")
    create.add_argument("--scopes", default="read", help=f"comma-separated: {', '.join(SCOPES)}")
    keys.add_parser("list", help="names, prefixes, scopes, last use; never secrets")
    revoke = keys.add_parser("revoke", help="revoke a key by name")
    revoke.add_argument("--name", required=True)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    settings = runtime.load()
    with runtime.attached(settings) as urls:
        if args.command is None:
            asyncio.run(serve_api(settings, urls))
        elif args.action == "create":
            scopes = [s.strip() for s in args.scopes.split(",") if s.strip()]
            raise SystemExit(asyncio.run(commands.create_key(urls, args.name, scopes, echo=print)))
        elif args.action == "list":
            asyncio.run(commands.list_keys(urls, echo=print))
        else:
            raise SystemExit(asyncio.run(commands.revoke_key(urls, args.name, echo=print)))


if __name__ == "__main__":
    main()
