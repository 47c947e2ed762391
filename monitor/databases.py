"""What every database connection the monitor opens shares, the store's and a SQL source's.

Both are SQLAlchemy engines; neither the store nor the sources import the other, so what
they have in common lives here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import URL

# A server that drops packets would otherwise hold a start or a tick for minutes before failing.
POSTGRES_CONNECT_TIMEOUT_S = 10


def connect_args(url: URL) -> dict[str, Any]:
    """A PostgreSQL connection's timeout, unless the URL sets its own ``connect_timeout``."""
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        return {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S}
    return {}
