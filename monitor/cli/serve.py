"""``allocation-monitor serve``: the HTTP API alone, without the scheduler."""

from __future__ import annotations

import typer

from monitor.cli.app import app, state_of
from monitor.cli.run import LogFormatOption


@app.command()
def serve(
    ctx: typer.Context,
    host: str | None = typer.Option(None, help="Address to bind; default api.host (127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port; default api.port (8012).", min=0, max=65535),
    log_format: LogFormatOption = None,
) -> None:
    """Serve the HTTP API (OpenAPI at /docs) until interrupted; the schema is upgraded first."""
    import uvicorn

    from monitor.api.app import create_app
    from monitor.cli.store_access import upgraded_engine
    from monitor.runtime.logs import configure_for

    settings = state_of(ctx).settings
    configure_for(settings, log_format)
    with upgraded_engine(settings) as engine:
        uvicorn.run(
            create_app(settings, engine=engine),
            host=host or settings.api.host,
            port=settings.api.port if port is None else port,
            log_config=None,  # our handler and format (see monitor.runtime.logs), not uvicorn's
        )
