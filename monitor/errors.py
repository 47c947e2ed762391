"""Every error the monitor raises on purpose, rooted in one ``MonitorError``.

Each error builds its own message, so the edges (CLI, API, the tick log) show it as-is.
"""

from __future__ import annotations

from datetime import datetime


class MonitorError(Exception):
    """Base of all errors a user can act on; ``str(error)`` is the message to show."""


class InputError(MonitorError, ValueError):
    """Holdings, targets or parameters that cannot be computed with.

    ``field`` names the offending input (``holdings.AAPL.value``) so the API can point at it.
    """

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}" if field else problem)


class ConfigError(MonitorError, ValueError):
    """A configuration file or environment that cannot be used; lists every problem."""

    def __init__(self, problems: list[str], source: str = "") -> None:
        self.problems = problems
        where = f" in {source}" if source else ""
        if len(problems) == 1:
            message = f"configuration error{where}: {problems[0]}"
        else:
            listed = "\n".join(f"  - {p}" for p in problems)
            message = f"{len(problems)} configuration errors{where}:\n{listed}"
        super().__init__(message)


class SourceError(MonitorError):
    """A holdings source that could not deliver usable holdings this tick."""

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}")


class StoreError(MonitorError):
    """The database cannot be used (unreachable, or its schema does not fit this code)."""


class ClaimLostError(MonitorError):
    """A tick's claim expired and another process took the slot over: this run's results
    must not be written (the other run writes its own)."""

    def __init__(self, tick_id: int, claimed_at: datetime) -> None:
        self.tick_id = tick_id
        super().__init__(
            f"tick {tick_id} (claimed at {claimed_at.isoformat()}) ran past its claim's lease "
            "and another process took it over; this run's results are dropped"
        )


class UnknownPortfolioError(MonitorError, LookupError):
    def __init__(self, portfolio_id: str, known: list[str]) -> None:
        self.portfolio_id = portfolio_id
        self.known = known
        listing = ", ".join(known) if known else "none yet"
        super().__init__(f"unknown portfolio {portfolio_id!r}; known portfolios: {listing}")


class NotFoundError(MonitorError, LookupError):
    """A stored record (an alert, a snapshot) that does not exist."""


class DeliveryError(MonitorError):
    """A notification target refused or could not be reached; ``permanent`` stops retries."""

    def __init__(self, target: str, problem: str, *, permanent: bool = False) -> None:
        self.target = target
        self.permanent = permanent
        super().__init__(f"{target}: {problem}")


class ConflictError(MonitorError):
    """A request that does not fit the record's current state (retrying a sent alert)."""
