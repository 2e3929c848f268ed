"""The `lgsco` command: run the whole system, or its parts, and operate it."""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import typer

from lgsco_api.keys.service import SCOPES
from lgsco_ingest import parsebox
from lgsco_shared import runtime
from lgsco_shared.settings import Settings

app = typer.Typer(
    help="Ombudsman Decisions Service: LGSCO decisions, statistics and remedy tracking.",
    no_args_is_help=True,
    add_completion=False,
)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
schedules_app = typer.Typer(
    help="Schedules: what the worker runs on its own (as /v1/schedules).", no_args_is_help=True
)
app.add_typer(schedules_app, name="schedules")


def _settings() -> Settings:
    settings = runtime.load()
    parsebox.configure(parsebox.limits_from(settings))
    return settings


@app.command()
def up() -> None:
    """Run everything on this machine: migrate, API, worker and schedule. Ctrl-C stops it all."""
    from lgsco_cli.runner import run_all

    settings = _settings()
    with runtime.attached(settings, runtime.Schema.UPGRADE) as urls:
        asyncio.run(run_all(settings, urls, announce=typer.echo))


@app.command()
def migrate() -> None:
    """Apply database migrations (alembic upgrade head)."""
    from lgsco_shared.migrate import main

    main([])


@app.command()
def api() -> None:
    """Run the API service only (production: one or more replicas)."""
    from lgsco_api.serve import serve_api

    settings = _settings()
    with runtime.attached(settings) as urls:
        asyncio.run(serve_api(settings, urls))


@app.command()
def worker(
    check: Annotated[
        bool, typer.Option(help="Exit 0 if a worker reported healthy recently.")
    ] = False,
) -> None:
    """Run the ingest worker and its schedule only (production: one or more replicas)."""
    from lgsco_ingest.serve import check_worker, serve_worker

    settings = _settings()
    with runtime.attached(settings, runtime.Schema.NONE if check else runtime.Schema.AUTO) as urls:
        if check:
            raise typer.Exit(asyncio.run(check_worker(urls)))
        asyncio.run(serve_worker(settings, urls))


@app.command()
def ingest(
    references: Annotated[list[str], typer.Argument(help="e.g. '22 003 374' 22-003-374")],
) -> None:
    """Fetch, parse and store decisions now; one line per reference. Exit 1 if any failed."""
    from lgsco_ingest.commands import BadArguments, ingest_references, references_from

    try:
        canonical = references_from(references)
    except BadArguments as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    settings = _settings()
    with runtime.attached(settings) as urls:
        ok = asyncio.run(ingest_references(settings, urls, canonical, echo=typer.echo))
    raise typer.Exit(0 if ok else 1)


@app.command()
def crawl(
    from_: Annotated[str, typer.Option("--from", help="First decision date, YYYY-MM-DD.")],
    to: Annotated[str, typer.Option("--to", help="Last decision date, YYYY-MM-DD.")],
    organisation: Annotated[str | None, typer.Option(help="Only this organisation.")] = None,
    refresh: Annotated[
        bool,
        typer.Option(
            "--refresh",
            help="Re-read months already crawled (conditional requests), for decisions "
            "published since.",
        ),
    ] = False,
) -> None:
    """Crawl the site's search by month windows (resumable) and store every decision.

    Months a crawl completed are skipped unless --refresh; the current month is always read."""
    from lgsco_cli.progress import Bars
    from lgsco_ingest.commands import BadArguments, crawl_window, window_from

    try:
        start, end = window_from(from_, to)
    except BadArguments as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    settings = _settings()
    with runtime.attached(settings) as urls, Bars() as bars:
        ok = asyncio.run(
            crawl_window(
                settings,
                urls,
                start,
                end,
                organisation,
                refresh=refresh,
                echo=typer.echo,
                progress=bars,
            )
        )
    raise typer.Exit(0 if ok else 1)


@app.command()
def reparse(
    include_quarantined: Annotated[
        bool,
        typer.Option(
            "--include-quarantined",
            help="Also re-parse pages quarantined for a parser limit (skipped otherwise).",
        ),
    ] = False,
) -> None:
    """Re-parse every stored raw page with the current parser (no network) and report changes."""
    from lgsco_ingest.commands import reparse_stored

    settings = _settings()
    with runtime.attached(settings) as urls:
        asyncio.run(reparse_stored(urls, echo=typer.echo, include_quarantined=include_quarantined))


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="Who the key is for (shown in audit trails).")],
    scopes: Annotated[
        str, typer.Option(help=f"Comma-separated, of: {', '.join(SCOPES)}.")
    ] = "read",
) -> None:
    """Create an API key; the secret is printed once and stored only as a hash."""
    from lgsco_api.keys.commands import create_key

    settings = _settings()
    with runtime.attached(settings) as urls:
        code = asyncio.run(
            create_key(
                urls, name, [s.strip() for s in scopes.split(",") if s.strip()], echo=typer.echo
            )
        )
    raise typer.Exit(code)


@keys_app.command("list")
def keys_list() -> None:
    """List API keys: name, prefix, scopes, when created, last used and revoked (no secrets)."""
    from lgsco_api.keys.commands import list_keys

    settings = _settings()
    with runtime.attached(settings) as urls:
        asyncio.run(list_keys(urls, echo=typer.echo))


@keys_app.command("revoke")
def keys_revoke(name: Annotated[str, typer.Option(help="Name of the key to revoke.")]) -> None:
    """Revoke an API key by name."""
    from lgsco_api.keys.commands import revoke_key

    settings = _settings()
    with runtime.attached(settings) as urls:
        code = asyncio.run(revoke_key(urls, name, echo=typer.echo))
    raise typer.Exit(code)


@schedules_app.command("list")
def schedules_list() -> None:
    """List schedules: cron and zone, active or paused, next due time, last run, requests a day."""
    from lgsco_cli.schedule_commands import list_schedules

    settings = _settings()
    with runtime.attached(settings) as urls:
        raise typer.Exit(asyncio.run(list_schedules(urls, settings, echo=typer.echo)))


@schedules_app.command("add")
def schedules_add(
    name: Annotated[str, typer.Option(help="Unique: lower-case letters, digits, - and _.")],
    cron: Annotated[str, typer.Option(help="Five cron fields, e.g. '0 6 * * 1' (Mondays 06:00).")],
    kind: Annotated[str, typer.Option(help="refresh, crawl or recheck.")] = "refresh",
    months: Annotated[int | None, typer.Option(help="Months back from the run date.")] = None,
    organisation: Annotated[str | None, typer.Option(help="crawl: one organisation.")] = None,
    refresh: Annotated[bool, typer.Option(help="crawl: re-read completed months.")] = False,
    timezone: Annotated[str, typer.Option(help="IANA time zone of the cron.")] = "Europe/London",
    description: Annotated[str, typer.Option(help="What it is for.")] = "",
    paused: Annotated[bool, typer.Option(help="Create it paused.")] = False,
) -> None:
    """Add a schedule (the same checks as POST /v1/schedules)."""
    from lgsco_cli.schedule_commands import add_schedule

    params: dict[str, object] = {} if months is None else {"months": months}
    if organisation is not None:
        params["organisation"] = organisation
    if refresh:
        params["refresh"] = True
    body = {
        "name": name,
        "kind": kind,
        "params": params,
        "cron": cron,
        "timezone": timezone,
        "description": description,
        "enabled": not paused,
    }
    settings = _settings()
    with runtime.attached(settings) as urls:
        raise typer.Exit(asyncio.run(add_schedule(urls, settings, body, echo=typer.echo)))


def _schedule_action(action: str, which: str) -> None:
    from lgsco_cli.schedule_commands import act

    settings = _settings()
    with runtime.attached(settings) as urls:
        raise typer.Exit(asyncio.run(act(urls, settings, which, action, echo=typer.echo)))


ScheduleArg = Annotated[str, typer.Argument(help="The schedule's id or name.")]


@schedules_app.command("pause")
def schedules_pause(schedule: ScheduleArg) -> None:
    """Pause a schedule: no due time runs until it is resumed."""
    _schedule_action("pause", schedule)


@schedules_app.command("resume")
def schedules_resume(schedule: ScheduleArg) -> None:
    """Resume a schedule: due times count from now."""
    _schedule_action("resume", schedule)


@schedules_app.command("run")
def schedules_run(schedule: ScheduleArg) -> None:
    """Run a schedule now (queued for the worker)."""
    _schedule_action("run", schedule)


@schedules_app.command("delete")
def schedules_delete(schedule: ScheduleArg) -> None:
    """Delete a schedule and its history; its runs stay."""
    _schedule_action("delete", schedule)


@app.command()
def cancel(run_id: Annotated[int, typer.Argument(help="The run's id (GET /v1/jobs).")]) -> None:
    """Cancel a run: a queued one at once, a running crawl at its next checkpoint."""
    from lgsco_cli.schedule_commands import cancel as cancel_run

    settings = _settings()
    with runtime.attached(settings) as urls:
        raise typer.Exit(asyncio.run(cancel_run(urls, run_id, echo=typer.echo)))


def main() -> None:  # pragma: no cover - console entry
    sys.exit(app())
