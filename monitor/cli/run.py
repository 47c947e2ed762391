"""``allocation-monitor run`` (the daemon) and ``tick`` (one tick now, then exit)."""

from __future__ import annotations

import logging
import signal
import threading
import time
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from monitor.cli.app import app, out, state_of
from monitor.errors import MonitorError
from monitor.runtime.logs import LogFormat, configure_for

if TYPE_CHECKING:
    import uvicorn
    from sqlalchemy.orm import Session, sessionmaker

    from monitor.runtime.tick_context import TickOutcome
    from monitor.settings import PortfolioSettings, Settings

log = logging.getLogger(__name__)

API_START_TIMEOUT = 15.0

LogFormatOption = Annotated[
    LogFormat | None,
    typer.Option(
        "--log-format",
        case_sensitive=False,
        help="Log lines as text or json; default log_format (MONITOR_LOG_FORMAT), text.",
    ),
]


def serve_in_background(server: uvicorn.Server) -> threading.Thread:
    """Start the API in a thread (uvicorn leaves signals alone off the main thread) and
    wait until it listens, so a taken port stops the start instead of going unnoticed."""
    thread = threading.Thread(target=server.run, name="api", daemon=True)
    thread.start()
    deadline = time.monotonic() + API_START_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            config = server.config
            raise MonitorError(
                f"cannot serve the API on {config.host}:{config.port} "
                "(is the port taken? set api.port or --no-api)"
            )
        time.sleep(0.05)
    return thread


@app.command()
def run(
    ctx: typer.Context,
    no_api: bool = typer.Option(False, "--no-api", help="Run the scheduler without the API."),
    log_format: LogFormatOption = None,
) -> None:
    """Run the daemon: scheduled ticks, alert delivery and the HTTP API, until SIGTERM.

    The config is checked first (as ``config validate`` checks it): an error stops the
    start with exit status 2, a warning is logged.
    """
    import uvicorn

    from monitor.api.app import create_app
    from monitor.cli.store_access import upgraded_engine
    from monitor.runtime.scheduler import Daemon
    from monitor.store.engine import session_factory

    settings = checked_settings(ctx, log_format)
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        log.info("%s received: finishing the work in flight", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    with upgraded_engine(settings) as engine:
        daemon = Daemon(settings, session_factory(engine))
        server = None
        if settings.api.enabled and not no_api:
            config = uvicorn.Config(
                create_app(settings, engine=engine, scheduler=daemon),
                host=settings.api.host,
                port=settings.api.port,
                log_config=None,
            )
            server = uvicorn.Server(config)
            api_thread = serve_in_background(server)
            log.info("API listening on http://%s:%d", settings.api.host, settings.api.port)
        daemon.start()
        while not stop.wait(0.5):
            pass
        if server is not None:
            server.should_exit = True
            api_thread.join(timeout=10)
        daemon.stop()
    log.info("stopped cleanly")


def checked_settings(
    ctx: typer.Context,
    log_format: LogFormat | None,
    *,
    level: str | None = None,
    entries: list[PortfolioSettings] | None = None,
) -> Settings:
    """The settings, logging configured by them, once the preflight of ``entries`` (or
    all) has found no error (``ConfigError`` naming every one); its warnings are logged."""
    from monitor.runtime.preflight import require_startable

    state = state_of(ctx)
    configure_for(state.settings, log_format, level=level)
    require_startable(state.settings, str(state.config_path or ""), entries)
    return state.settings


def entries_to_tick(settings: Settings, portfolio: str | None) -> list[PortfolioSettings]:
    if portfolio is None:
        return list(settings.portfolios)
    return [settings.require_portfolio(portfolio)]


@app.command()
def tick(
    ctx: typer.Context,
    portfolio: str | None = typer.Option(None, "--portfolio", "-p", help="Only this portfolio."),
    send: bool = typer.Option(True, "--send/--no-send", help="Deliver the alerts it decides."),
    log_format: LogFormatOption = None,
) -> None:
    """Tick every (or one) portfolio now, as the daemon would, then exit.

    Each tick takes its schedule's latest slot, so a slot the daemon (or another tick
    command) already ran, or is running, is skipped. The config is checked first, as for
    ``run``. Exit status: 0 all ticks ran or were skipped, 1 some tick failed, 2 bad input
    or configuration.
    """
    from monitor.cli.store_access import upgraded_engine
    from monitor.store.engine import session_factory

    entries = entries_to_tick(state_of(ctx).settings, portfolio)
    settings = checked_settings(ctx, log_format, level="WARNING", entries=entries)
    with upgraded_engine(settings) as engine:
        outcomes = tick_entries(settings, entries, session_factory(engine), send=send)
    if any(o.status == "failed" for o in outcomes):
        raise typer.Exit(1)


def tick_entries(
    settings: Settings,
    entries: list[PortfolioSettings],
    sessions: sessionmaker[Session],
    *,
    send: bool,
) -> list[TickOutcome]:
    """Tick each entry's latest slot, one line each; then send what they queued."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from monitor.notify.drain import drain_outbox
    from monitor.runtime.pipeline import run_tick
    from monitor.runtime.scheduler import describe_outcome
    from monitor.runtime.tick_context import utc_now
    from monitor.settings.schedules import latest_slot, trigger_for

    outcomes: list[TickOutcome] = []
    # On a terminal only, and gone when done: a tick of thousands of portfolios or of an
    # entry with thousands of accounts takes seconds, with nothing else to show meanwhile.
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=out,
        transient=True,
        disable=not out.is_terminal,
    ) as bar:
        task = bar.add_task("ticking", total=len(entries))
        for entry in entries:
            bar.update(task, description=f"ticking {entry.id}")
            slot = latest_slot(trigger_for(entry.schedule, settings.timezone), utc_now())
            bar.advance(task)
            if slot is None:
                continue
            outcome = run_tick(entry, settings, slot, sessions=sessions)
            outcomes.append(outcome)
            # One line per tick, never wrapped: scripts grep these.
            if outcome.status == "skipped":
                line = (
                    f"{entry.id}: slot {slot.isoformat()} already ticked or being ticked "
                    "by another process, skipped"
                )
            else:
                line = describe_outcome(outcome)
            out.print(line, markup=False, soft_wrap=True)
    if send and any(o.notifications for o in outcomes):
        result = drain_outbox(settings, sessions, clock=utc_now)
        out.print(
            f"notifications: {result.sent} sent, {result.retrying} to retry, {result.dead} dead"
        )
    return outcomes
