"""``allocation-monitor notify test``: does a portfolio's alert route reach anyone?"""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from monitor.cli.app import app, out, state_of

EXIT_TARGET_FAILED = 1

notify_app = typer.Typer(help="Notification routes.", no_args_is_help=True)
app.add_typer(notify_app, name="notify")


@notify_app.command("test")
def notify_test(
    ctx: typer.Context,
    portfolio: str = typer.Option(
        ..., "--portfolio", "-p", help="The portfolio entry whose route to test."
    ),
) -> None:
    """Send a test message through the portfolio's route now (not through the outbox).

    One line per target, its URL with secrets masked. Exit status: 0 every target took it,
    1 some target failed, 2 an unknown portfolio or a route that cannot be used.
    """
    from monitor.notify.probe import send_test_message
    from monitor.runtime.logs import configure_for

    settings = state_of(ctx).settings
    # Each target's outcome is printed below; only Apprise's warnings (which it also reads
    # back as the failure's reason) and real errors go to stderr.
    configure_for(settings, None, level="ERROR")
    results = send_test_message(settings, portfolio, now=datetime.now(UTC))
    for result in results:
        line = f"ok      {result.name}" if result.ok else f"FAILED  {result.name}: {result.error}"
        out.print(line, markup=False, soft_wrap=True)
    failed = sum(not result.ok for result in results)
    summary = f"{len(results) - failed} of {len(results)} target(s) took the test message"
    out.print(summary, markup=False, soft_wrap=True)
    if failed:
        raise typer.Exit(EXIT_TARGET_FAILED)
