"""How fast the dashboard is on a big store: prints figures, asserts nothing.

Fills a fresh SQLite database with one entry of 10,000 accounts (``--days`` daily ticks of
them, 3 classes each, a digest a day) and a portfolio ``family`` with 10 years of daily
snapshots (6 classes, 6 holdings), then measures, each against a floor in the same run:

- the overview's page of 100 rows (``GET /?...`` and ``GET /api/v1/overview``, the server's
  time through the whole app) against the raw query behind it (``latest_rows``);
- ``family``'s page loaded and its drift chart drawn in headless Chromium (navigation
  start to the chart drawn, with all 3,650 points) against fetching the drift history it
  draws (``GET .../drift-history``) alone.

    .venv/bin/python benchmarks/bench_dashboard.py            # needs /usr/bin/chromium
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from monitor.api.app import create_app
from monitor.domain.allocation import DEFAULT_TARGETS, DriftPolicy, Holding, compute_allocation
from monitor.settings import Settings
from monitor.store.engine import make_engine
from monitor.store.latest import latest_rows
from monitor.store.migrate import upgrade
from monitor.store.models import Tick
from monitor.store.outbox import NewNotification, enqueue_notifications
from monitor.store.portfolios import NewPortfolio, ensure_portfolios
from monitor.store.snapshots import NewSnapshot, save_snapshots

END = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
ACCOUNT_TARGETS = {"stocks": Decimal(60), "bonds": Decimal(30), "cash": Decimal(10)}
YEARS = 10
CHROMIUM = "/usr/bin/chromium"


def median_ms(run: Callable[[], object], runs: int) -> float:
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        run()
        timings.append(time.perf_counter() - began)
    return statistics.median(timings) * 1000


def account_report(rng: random.Random) -> Any:
    stocks = Decimal(rng.randint(4000, 8000))
    bonds = Decimal(rng.randint(2000, 4000))
    holdings = [
        Holding("VTI", "stocks", stocks),
        Holding("BND", "bonds", bonds),
        Holding("CASH", "cash", Decimal(1000)),
    ]
    return compute_allocation(holdings, ACCOUNT_TARGETS, DriftPolicy(threshold=Decimal(5)))


def fill_accounts(engine: Engine, accounts: int, days: int) -> None:
    """A tick a day of ``accounts`` accounts, as the pipeline writes them, and a digest."""
    rng = random.Random(7)
    ids = [f"clients/acct-{n:05}" for n in range(accounts)]
    with Session(engine) as session:
        ensure_portfolios(
            session=session,
            portfolios=[
                NewPortfolio("clients", "Clients"),
                *(NewPortfolio(i, i, parent_id="clients") for i in ids),
            ],
            now=END,
        )
        session.commit()
    for day in range(days, 0, -1):
        at = END - timedelta(days=day)
        with Session(engine) as session:
            tick = Tick(
                portfolio_id="clients",
                scheduled_at=at,
                started_at=at,
                finished_at=at,
                status="ok",
                duration_ms=1,
            )
            session.add(tick)
            session.flush()
            save_snapshots(
                session=session,
                snapshots=[
                    NewSnapshot(i, tick.id, at, account_report(rng), store_holdings=False)
                    for i in ids
                ],
            )
            payload = {"kind": "digest", "portfolio_id": "clients", "accounts": []}
            notice = NewNotification("clients", "clients", "digest", "digest", payload, tick.id)
            enqueue_notifications(session=session, notifications=[notice], now=at)
            session.commit()


def fill_family(engine: Engine) -> int:
    """Ten years of daily snapshots of ``family``, prices walking; the count."""
    rng = random.Random(11)
    prices = dict.fromkeys(DEFAULT_TARGETS, 100.0)
    snapshots = []
    days = 365 * YEARS
    for day in range(days, 0, -1):
        prices = {k: max(1.0, p * (1 + rng.gauss(0.0003, 0.01))) for k, p in prices.items()}
        holdings = [
            Holding(f"F{n}", name, Decimal(f"{10 * p:.2f}"), Decimal(10), Decimal(f"{p:.2f}"))
            for n, (name, p) in enumerate(prices.items())
        ]
        report = compute_allocation(holdings, DEFAULT_TARGETS, DriftPolicy())
        snapshots.append(NewSnapshot("family", None, END - timedelta(days=day), report))
    with Session(engine) as session:
        ensure_portfolios(session=session, portfolios=[NewPortfolio("family", "Family")], now=END)
        save_snapshots(session=session, snapshots=snapshots)
        session.commit()
    return days


def overview_figures(engine: Engine, runs: int) -> None:
    app = create_app(Settings(), engine=engine)
    with TestClient(app) as client, Session(engine) as session:
        floor = median_ms(lambda: latest_rows(session=session), runs)
        api = median_ms(lambda: client.get("/api/v1/overview?per_page=100&sort=value"), runs)
        html = median_ms(lambda: client.get("/?per_page=100&sort=value"), runs)
        searched = median_ms(lambda: client.get("/?q=acct-09&out_of_band=true"), runs)
        rows = len(client.get("/api/v1/overview?per_page=100").json()["rows"])
    print(f"  overview of {len(latest_rows(session=Session(engine))):,} rows, a page of {rows}")
    print(f"    raw query (latest_rows):   {floor:7.1f} ms median  (the floor)")
    print(f"    GET /api/v1/overview:      {api:7.1f} ms median  ({api / floor:.2f} x the floor)")
    print(f"    GET / (the HTML page):     {html:7.1f} ms median  ({html / floor:.2f} x the floor)")
    print(f"    GET / searched, filtered:  {searched:7.1f} ms median")


class Server:
    """The app served by uvicorn in a thread, as ``serve`` does."""

    def __init__(self, engine: Engine) -> None:
        with socket_port() as port:
            self.port = port
        config = uvicorn.Config(
            create_app(Settings(), engine=engine), port=self.port, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


class socket_port:
    def __enter__(self) -> int:
        import socket

        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        port: int = self.socket.getsockname()[1]
        return port

    def __exit__(self, *exc: object) -> None:
        self.socket.close()


def page_figures(engine: Engine, points: int, runs: int) -> None:
    from playwright.sync_api import sync_playwright

    with Server(engine) as base, sync_playwright() as playwright:
        history = f"{base}/api/v1/portfolios/family/drift-history"
        floor = median_ms(lambda: httpx.get(history, timeout=30).raise_for_status(), runs)
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        timings = []
        drawn = 0
        for _ in range(runs):
            page.goto(f"{base}/portfolios/family?range=all")
            page.wait_for_selector("#drift-chart[data-drawn=true]", timeout=30_000)
            drawn = int(page.eval_on_selector("#drift-chart", "e => e.dataset.points"))
            # From the navigation's start to the chart drawn, as the browser clocks it.
            timings.append(page.evaluate("performance.now()"))
        browser.close()
    shown = statistics.median(timings)
    print(f"  portfolio page, {drawn:,} of {points:,} daily points drawn, 6 classes")
    print(f"    GET .../drift-history:     {floor:7.1f} ms median  (the floor)")
    print(
        f"    page loaded, chart drawn:  {shown:7.1f} ms median  ({shown / floor:.2f} x the floor)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=10, help="daily ticks of the accounts")
    parser.add_argument("--runs", type=int, default=15)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(engine)
        began = time.perf_counter()
        fill_accounts(engine, arguments.accounts, arguments.days)
        points = fill_family(engine)
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        print(
            f"SQLite: {arguments.accounts:,} accounts x {arguments.days} days and "
            f"{points:,} days of family, filled in {time.perf_counter() - began:.0f} s"
        )
        overview_figures(engine, arguments.runs)
        page_figures(engine, points, min(arguments.runs, 7))
        engine.dispose()


if __name__ == "__main__":
    main()
