"""A database with history for the browser tests: a year and more of daily snapshots of
``family`` (with failed and skipped ticks among them), before the daemon under test adds its
own ticks.

``family`` holds VTI (stocks), BND (bonds) and GLD (gold) against 60 / 30 / 10, prices
walking from a fixed seed; three ticks in its last 30 days failed, and their stale-data
alert is dead (its webhook refused it), as is the recovery's; two slots were skipped, their
runs due while the previous one still went.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from monitor.domain.allocation import DriftPolicy, compute_allocation, make_holding
from monitor.store.engine import make_engine
from monitor.store.migrate import upgrade
from monitor.store.models import Notification, Tick
from monitor.store.portfolios import NewPortfolio, ensure_portfolios
from monitor.store.snapshots import NewSnapshot, save_snapshots

DAYS = 400
TARGETS = {"stocks": Decimal(60), "bonds": Decimal(30), "gold": Decimal(10)}
FAILED_DAYS_AGO = (3, 11, 20)
SKIPPED_DAYS_AGO = (7, 15)
QUANTITIES = {"VTI": ("stocks", 100), "BND": ("bonds", 150), "GLD": ("gold", 20)}


def prices(days: int) -> list[dict[str, Decimal]]:
    walk = random.Random(7)
    now = {"VTI": 200.0, "BND": 75.0, "GLD": 180.0}
    found = []
    for _ in range(days):
        now = {s: max(1.0, p * (1 + walk.gauss(0.0003, 0.01))) for s, p in now.items()}
        found.append({s: Decimal(f"{p:.2f}") for s, p in now.items()})
    return found


def snapshots(end: datetime) -> list[NewSnapshot]:
    policy = DriftPolicy(threshold=Decimal(5))
    made = []
    for day, quoted in enumerate(prices(DAYS)):
        holdings = [
            make_holding(symbol, klass, quantity=str(quantity), price=quoted[symbol], where=symbol)
            for symbol, (klass, quantity) in QUANTITIES.items()
        ]
        taken_at = end - timedelta(days=DAYS - day)
        made.append(
            NewSnapshot("family", None, taken_at, compute_allocation(holdings, TARGETS, policy))
        )
    return made


def ended_ticks(
    end: datetime, days_ago: Iterable[int], status: str, error: str, duration_ms: int | None
) -> list[Tick]:
    """Ticks of ``family`` that ended with ``status``, an hour past midnight of each day."""
    return [
        Tick(
            portfolio_id="family",
            scheduled_at=(at := end - timedelta(days=days, hours=-1)),
            started_at=at,
            finished_at=at,
            status=status,
            error=error,
            duration_ms=duration_ms,
        )
        for days in days_ago
    ]


def failed_ticks(end: datetime) -> list[Tick]:
    error = "source error: holdings.csv: no such file"
    return ended_ticks(end, FAILED_DAYS_AGO, "failed", error, 3)


def skipped_ticks(end: datetime) -> list[Tick]:
    return ended_ticks(
        end, SKIPPED_DAYS_AGO, "skipped", "the entry's previous run was still going", None
    )


def dead_alerts(end: datetime) -> list[Notification]:
    """The stale-data alert of the failed ticks and the recovery after, both dead."""
    made = []
    for kind, days, extra in (
        ("stale", FAILED_DAYS_AGO[0], {"failures": 3, "error": "holdings.csv: no such file"}),
        ("recovered", FAILED_DAYS_AGO[0] - 1, {"failures": 3}),
    ):
        at = end - timedelta(days=days)
        payload = {"kind": kind, "portfolio_id": "family", "portfolio_name": "Family"}
        payload |= {"taken_at": at.isoformat(), "timezone": "Europe/Paris", **extra}
        made.append(
            Notification(
                portfolio_id="family",
                kind=kind,
                route="family",
                title=f"family: {kind}",
                payload=payload,
                status="dead",
                attempts=5,
                next_attempt_at=at,
                last_error="webhook: HTTP 500",
                delivered_targets=[],
                created_at=at,
            )
        )
    return made


def write_history(database: Path, end: datetime | None = None) -> None:
    """Migrate ``database`` and store the history above, ending a day before ``end``."""
    end = end or datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    engine = make_engine(f"sqlite:///{database}")
    try:
        upgrade(engine)
        with Session(engine) as session:
            ensure_portfolios(
                session=session, portfolios=[NewPortfolio("family", "Family")], now=end
            )
            save_snapshots(session=session, snapshots=snapshots(end))
            session.add_all([*failed_ticks(end), *skipped_ticks(end), *dead_alerts(end)])
            session.commit()
    finally:
        engine.dispose()
