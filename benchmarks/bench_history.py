"""How fast the history queries are on a big store: prints figures, asserts nothing.

Fills a fresh database with 100 portfolios x 10 years of daily snapshots (6 classes and 6
holdings each), then prints the median time of one portfolio's drift history and of its
latest snapshot, next to a floor: the simplest primary-key lookup on the same database,
through the same session.

The first 30 days are written as ticks write them (``save_snapshots``), and their pace is
printed; the other years are bulk-loaded with the driver (executemany on SQLite, COPY on
PostgreSQL) in the same storage format, so that the run takes minutes, not an hour.

    .venv/bin/python benchmarks/bench_history.py       # SQLite, and PostgreSQL too when
                                                        # MONITOR_TEST_POSTGRES_URL is set
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, make_url, select, text
from sqlalchemy.orm import Session

from monitor.domain.allocation import DEFAULT_TARGETS, DriftPolicy, Holding, compute_allocation
from monitor.store.drift import drift_history
from monitor.store.engine import make_engine, session_factory
from monitor.store.migrate import upgrade
from monitor.store.models import Snapshot
from monitor.store.portfolios import NewPortfolio, ensure_portfolios
from monitor.store.snapshots import NewSnapshot, latest_snapshot, save_snapshots

START = datetime(2015, 1, 1, 17, tzinfo=UTC)
TICKED_DAYS = 30
CLASSES = list(DEFAULT_TARGETS)  # six classes
TARGETS = {name: float(percent) for name, percent in DEFAULT_TARGETS.items()}
COLUMNS = {
    "snapshots": "id portfolio_id tick_id taken_at portfolio_value holdings_value "
    "unallocated_value total_drift worst_drift needs_rebalancing threshold "
    "relative_threshold holdings_stored class_drifts",
    "snapshot_classes": "snapshot_id asset_class position current_value current_percent "
    "target_percent target_value difference drift breach",
    "snapshot_holdings": "snapshot_id asset_class symbol value quantity price",
}
Rows = dict[str, list[tuple[Any, ...]]]


class Market:
    """Each portfolio holds one position per class at a fixed quantity; prices walk."""

    def __init__(self, portfolios: int) -> None:
        self.rng = random.Random(42)
        self.ids = [f"portfolio-{n:03d}" for n in range(portfolios)]
        self.quantity = {(p, c): self.rng.randint(10, 500) for p in self.ids for c in CLASSES}
        self.price = {(p, c): float(self.rng.randint(20, 400)) for p in self.ids for c in CLASSES}

    def step(self) -> None:
        for key, price in self.price.items():
            self.price[key] = max(0.01, round(price * (1 + self.rng.gauss(0.0003, 0.01)), 2))

    def holdings(self, portfolio: str) -> list[Holding]:
        return [
            Holding(
                f"{c.upper()}-{portfolio[-3:]}",
                c,
                Decimal(self.quantity[portfolio, c]) * Decimal(f"{self.price[portfolio, c]:.2f}"),
                Decimal(self.quantity[portfolio, c]),
                Decimal(f"{self.price[portfolio, c]:.2f}"),
            )
            for c in CLASSES
        ]


def tick(engine: Engine, market: Market, days: int) -> float:
    """Write ``days`` daily ticks through ``save_snapshots``; returns snapshots per second."""
    sessions = session_factory(engine)
    with sessions() as session:
        ensure_portfolios(
            session=session, portfolios=[NewPortfolio(p, p) for p in market.ids], now=START
        )
        session.commit()
    began = time.perf_counter()
    for day in range(days):
        market.step()
        batch = [
            NewSnapshot(
                p,
                None,
                START + timedelta(days=day),
                compute_allocation(market.holdings(p), DEFAULT_TARGETS, DriftPolicy()),
            )
            for p in market.ids
        ]
        with sessions() as session:
            save_snapshots(session=session, snapshots=batch)
            session.commit()
    return days * len(market.ids) / (time.perf_counter() - began)


def stored_rows(market: Market, first_id: int, days: range, sqlite: bool) -> Iterator[Rows]:
    """Rows as the store keeps them, a day at a time (floats are fine for synthetic data)."""
    snapshot_id = first_id
    for day in days:
        market.step()
        taken_at = START + timedelta(days=day)
        when: Any = taken_at.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else taken_at
        rows: Rows = {table: [] for table in COLUMNS}
        for p in market.ids:
            values = {c: market.quantity[p, c] * market.price[p, c] for c in CLASSES}
            total = sum(values.values())
            drifts = {c: values[c] / total * 100 - TARGETS[c] for c in CLASSES}
            worst = max(abs(d) for d in drifts.values())
            money = f"{total:.2f}"
            rows["snapshots"].append(
                (
                    snapshot_id,
                    p,
                    None,
                    when,
                    money,
                    money,
                    "0",
                    f"{sum(abs(d) for d in drifts.values()):.10f}",
                    f"{worst:.10f}",
                    int(worst > 5) if sqlite else worst > 5,
                    "5",
                    None,
                    1 if sqlite else True,
                    "{" + ",".join(f'"{c}":{drifts[c]:.10f}' for c in CLASSES) + "}",
                )
            )
            for position, c in enumerate(CLASSES):
                target = total * TARGETS[c] / 100
                rows["snapshot_classes"].append(
                    (
                        snapshot_id,
                        c,
                        position,
                        f"{values[c]:.2f}",
                        f"{values[c] / total * 100:.10f}",
                        f"{TARGETS[c]:.10f}",
                        f"{target:.10f}",
                        f"{values[c] - target:.10f}",
                        f"{drifts[c]:.10f}",
                        "absolute" if abs(drifts[c]) > 5 else None,
                    )
                )
                rows["snapshot_holdings"].append(
                    (
                        snapshot_id,
                        c,
                        f"{c.upper()}-{p[-3:]}",
                        f"{values[c]:.2f}",
                        str(market.quantity[p, c]),
                        f"{market.price[p, c]:.2f}",
                    )
                )
            snapshot_id += 1
        yield rows


def bulk_load(engine: Engine, market: Market, days: range) -> None:
    with Session(engine) as session:
        first_id = (
            session.scalar(select(Snapshot.id).order_by(Snapshot.id.desc()).limit(1)) or 0
        ) + 1
    sqlite = engine.dialect.name == "sqlite"
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for rows in stored_rows(market, first_id, days, sqlite):
            for table, columns in COLUMNS.items():
                names = columns.split()
                if sqlite:
                    marks = ", ".join("?" for _ in names)
                    cursor.executemany(
                        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", rows[table]
                    )
                else:
                    with cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                        for row in rows[table]:
                            copy.write_row(row)
        if not sqlite:
            cursor.execute("SELECT setval('snapshots_id_seq', (SELECT max(id) FROM snapshots))")
        raw.commit()
    finally:
        raw.close()


def analyse(engine: Engine) -> None:
    """Fresh planner statistics, as a long-running database would have."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))


def median_ms(query: Callable[[], object], runs: int) -> float:
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        query()
        timings.append(time.perf_counter() - began)
    return statistics.median(timings) * 1000


DRIFT_ROWS = (
    "SELECT id, taken_at, total_drift, worst_drift, needs_rebalancing, class_drifts "
    "FROM snapshots WHERE portfolio_id = {mark} AND taken_at >= {mark} ORDER BY taken_at, id"
)


# What the drift history read before snapshots kept their class drifts (migration 0003): a
# row per class, joined. Its raw rows alone took longer than the whole query takes now.
JOINED_DRIFT_ROWS = (
    "SELECT s.id, s.taken_at, s.total_drift, s.worst_drift, s.needs_rebalancing, "
    "c.asset_class, c.drift FROM snapshots s "
    "LEFT JOIN snapshot_classes c ON c.snapshot_id = s.id "
    "WHERE s.portfolio_id = {mark} AND s.taken_at >= {mark} "
    "ORDER BY s.taken_at, s.id, c.position"
)


def raw_drift_rows(engine: Engine, query: str = DRIFT_ROWS) -> Callable[[str, datetime], object]:
    """The drift history's rows fetched with the driver alone: no conversion, no points."""
    raw = engine.raw_connection()
    sql = query.format(mark="?" if engine.dialect.name == "sqlite" else "%s")
    cursor = raw.cursor()
    sqlite = engine.dialect.name == "sqlite"

    def fetch(portfolio_id: str, since: datetime) -> object:
        # SQLite stores times as text in the schema's format; PostgreSQL takes the datetime.
        bound = since.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else since
        cursor.execute(sql, (portfolio_id, bound))
        return cursor.fetchall()

    return fetch


def measure(engine: Engine, portfolios: int, days: int) -> None:
    upgrade(engine)
    market = Market(portfolios)
    began = time.perf_counter()
    pace = tick(engine, market, min(TICKED_DAYS, days))
    bulk_load(engine, market, range(TICKED_DAYS, days))
    analyse(engine)
    print(
        f"  filled {portfolios * days:,} snapshots ({portfolios * days * 12:,} class and "
        f"holding rows) in {time.perf_counter() - began:.0f} s; save_snapshots wrote "
        f"{pace:,.0f} snapshots/s"
    )
    rng = random.Random(7)
    ids = market.ids
    last_year = START + timedelta(days=days - 365)
    with Session(engine) as session:
        max_id = session.scalar(select(Snapshot.id).order_by(Snapshot.id.desc()).limit(1)) or 1

        def pk_lookup() -> object:
            wanted = rng.randint(1, max_id)
            return session.execute(select(Snapshot.id).where(Snapshot.id == wanted)).scalar()

        floor = median_ms(pk_lookup, 1000)
        figures = {
            "latest snapshot (classes + holdings)": median_ms(
                lambda: latest_snapshot(session=session, portfolio_id=rng.choice(ids)), 300
            ),
            "latest snapshot (classes only)": median_ms(
                lambda: latest_snapshot(
                    session=session, portfolio_id=rng.choice(ids), with_holdings=False
                ),
                300,
            ),
            f"drift history, all {days} days": median_ms(
                lambda: drift_history(session=session, portfolio_id=rng.choice(ids)), 30
            ),
            "drift history, last 365 days": median_ms(
                lambda: drift_history(
                    session=session, portfolio_id=rng.choice(ids), since=last_year
                ),
                100,
            ),
        }
    # A second floor for the history: its very rows, fetched raw by the driver.
    fetch = raw_drift_rows(engine)
    raw_floors = {
        f"drift history, all {days} days": median_ms(
            lambda: fetch(rng.choice(ids), START - timedelta(days=1)), 30
        ),
        "drift history, last 365 days": median_ms(lambda: fetch(rng.choice(ids), last_year), 100),
    }
    joined = raw_drift_rows(engine, JOINED_DRIFT_ROWS)
    joined_ms = median_ms(lambda: joined(rng.choice(ids), START - timedelta(days=1)), 30)
    print(f"  {'primary-key lookup (floor)':38} {floor:9.3f} ms")
    for name, ms in figures.items():
        line = f"  {name:38} {ms:9.3f} ms  {ms / floor:8.1f} x floor"
        if name in raw_floors:
            line += (
                f"  {ms / raw_floors[name]:5.1f} x its rows fetched raw ({raw_floors[name]:.3f} ms)"
            )
        print(line)
    print(f"  {'raw rows of the old join, all days':38} {joined_ms:9.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--portfolios", type=int, default=100)
    parser.add_argument("--days", type=int, default=3650)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print(f"SQLite, {args.portfolios} portfolios x {args.days} days")
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        measure(engine, args.portfolios, args.days)
        engine.dispose()
    server = os.environ.get("MONITOR_TEST_POSTGRES_URL")
    if not server:
        print("PostgreSQL: skipped (MONITOR_TEST_POSTGRES_URL is not set)")
        return
    url = make_url(server).set(drivername="postgresql+psycopg")
    name = f"monitor_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        print(f"PostgreSQL, {args.portfolios} portfolios x {args.days} days")
        engine = make_engine(url.set(database=name).render_as_string(hide_password=False))
        measure(engine, args.portfolios, args.days)
        engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
