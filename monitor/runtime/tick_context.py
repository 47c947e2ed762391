"""What every phase of one tick shares: the claimed tick's context, and the outcome it ends in.

``runtime/pipeline.py`` makes the context once the tick is claimed; the phases that record
a tick (``tick_recording.py``) or its failure (``tick_failures.py``) take it, and each ends
in a ``TickOutcome``, which the scheduler and the ``tick`` command log and count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Literal

from sqlalchemy.orm import Session

from monitor.notify.tick_notices import TickNotifier
from monitor.settings import EntryConfig, PortfolioSettings, Settings
from monitor.store.ticks import finish_tick

Clock = Callable[[], datetime]
TickStatus = Literal["ok", "partial", "failed", "skipped"]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class TickOutcome:
    portfolio_id: str
    scheduled_at: datetime
    status: TickStatus
    accounts: int = 0
    value: Decimal | None = None
    worst_drift: Decimal | None = None
    out_of_band: int = 0
    notifications: int = 0
    error: str | None = None
    duration_ms: int = 0
    currency: str | None = None  # the value's, with a base currency


def account_id(entry: PortfolioSettings, account: str | None) -> str:
    return entry.id if account is None else f"{entry.id}/{account}"


@dataclass(frozen=True, slots=True)
class TickContext:
    """What the write phase of one tick needs, gathered before its transaction opens."""

    settings: Settings
    entry: PortfolioSettings
    config: EntryConfig
    tick_id: int
    scheduled_at: datetime
    started_at: datetime
    clock: Clock
    notifier: TickNotifier

    def finish(
        self, session: Session, status: TickStatus, error: str | None, finished_at: datetime
    ) -> None:
        """End the claimed tick; ``ClaimLostError`` if another process took it over."""
        finish_tick(
            session=session,
            tick_id=self.tick_id,
            status=status,
            error=error,
            finished_at=finished_at,
            started_at=self.started_at,
        )


def elapsed_ms(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds() * 1000)
