"""``allocation-monitor db``: the database schema (the daemon also upgrades it on start)."""

from __future__ import annotations

import typer

from monitor.cli.app import app, out, state_of

db_app = typer.Typer(help="Manage the database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply every migration this version has; a newer schema is refused."""
    from monitor.cli.store_access import opened_engine
    from monitor.store.engine import parse_url, shown
    from monitor.store.migrate import current_revision, head_revision, upgrade

    settings = state_of(ctx).settings
    with opened_engine(settings) as engine:
        before = current_revision(engine)
        upgrade(engine)
    where = shown(parse_url(settings.database.url))
    head = head_revision()
    if before == head:
        out.print(f"{where}: already at revision {head} (latest)", markup=False, soft_wrap=True)
    else:
        start = f"revision {before}" if before else "an empty database"
        out.print(
            f"{where}: upgraded from {start} to revision {head}", markup=False, soft_wrap=True
        )


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Show the schema's revision and whether it is this version's latest."""
    from monitor.cli.store_access import opened_engine
    from monitor.store.engine import parse_url, shown
    from monitor.store.migrate import current_revision, head_revision, refuse_unknown

    settings = state_of(ctx).settings
    with opened_engine(settings) as engine:
        revision = current_revision(engine)
    refuse_unknown(revision)
    head = head_revision()
    where = shown(parse_url(settings.database.url))
    if revision is None:
        state = f"no schema yet; `allocation-monitor db upgrade` makes revision {head}"
    elif revision == head:
        state = f"revision {revision} (latest)"
    else:
        state = f"revision {revision}; this version's latest is {head}"
    out.print(f"{where}: {state}", markup=False, soft_wrap=True)
