"""``allocation-monitor serve``: the HTTP API alone, without the scheduler."""

from __future__ import annotations

import typer
import uvicorn

from monitor.api.app import create_app
from monitor.cli.app import app, state_of


@app.command()
def serve(
    ctx: typer.Context,
    host: str | None = typer.Option(None, help="Address to bind; default api.host (127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port; default api.port (8012).", min=0, max=65535),
) -> None:
    """Serve the HTTP API (OpenAPI at /docs) until interrupted."""
    settings = state_of(ctx).settings
    uvicorn.run(
        create_app(settings),
        host=host or settings.api.host,
        port=settings.api.port if port is None else port,
        log_level="info",
    )
