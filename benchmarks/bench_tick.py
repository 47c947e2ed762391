"""How fast one tick of a big multi-account entry is: prints figures, asserts nothing.

Writes one CSV of 10,000 accounts x 50 holdings (quantity and price; six asset classes),
then times one tick of the entry that reads it: the real pipeline (parse, validate, compute
10,000 reports, save 10,000 snapshots with their class and holding rows, decide and save
alert states), on a fresh migrated database. Then, on that database, the steady state: the
next day's tick over the same accounts, one holding in a hundred changed, where the
portfolios and alert states exist (what a running daemon does every period). Next to them,
the floor: the same number of rows (snapshots, class rows, holding rows), already formatted,
inserted with the driver's raw ``executemany`` into the same kind of fresh database. It
prints the ticks, the floor, their ratios, and the peak memory (RSS) of each process that
ticked. Each measurement runs in its own process, a few times; the median is printed.

    .venv/bin/python benchmarks/bench_tick.py          # SQLite, and PostgreSQL too when
                                                        # MONITOR_TEST_POSTGRES_URL is set
    .venv/bin/python benchmarks/bench_tick.py --accounts 1000 --runs 1 --profile
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import pstats
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.domain.allocation import DEFAULT_TARGETS, Allocator
from monitor.runtime.gc_pause import collection_paused
from monitor.runtime.pipeline import run_tick
from monitor.runtime.tick_reading import split_accounts
from monitor.settings import load_settings
from monitor.store.engine import make_engine, session_factory
from monitor.store.migrate import upgrade

SLOT = datetime(2026, 1, 5, 18, tzinfo=UTC)
CLASSES = list(DEFAULT_TARGETS)
ENTRY = "clients"


FIRST, NEXT = "holdings.csv", "holdings-next.csv"  # the next day's: a few holdings changed
CHANGED_EVERY = 100  # one holding in a hundred has another quantity the next day


def write_holdings(folder: Path, accounts: int, holdings: int) -> None:
    rng = random.Random(7)
    with (folder / FIRST).open("w") as first, (folder / NEXT).open("w") as following:
        for out in (first, following):
            out.write("account,symbol,asset_class,quantity,price\n")
        for account in range(accounts):
            for n in range(holdings):
                quantity = rng.randint(1, 2000)
                price = f"{rng.randint(100, 50000) / 100:.2f}"
                row = f"acct-{account:05d},SYM{n:03d},{CLASSES[n % 6]},{{}},{price}\n"
                first.write(row.format(quantity))
                changed = (account * holdings + n) % CHANGED_EVERY == 0
                following.write(row.format(quantity + 1 if changed else quantity))


def write_config(folder: Path, database_url: str, holdings: str) -> Path:
    path = folder / f"bench-{uuid.uuid4().hex[:6]}.toml"
    path.write_text(
        f'[database]\nurl = "{database_url}"\n'
        f'[[portfolios]]\nid = "{ENTRY}"\nschedule = {{ every = "1d" }}\n'
        f'source = {{ kind = "csv", path = "{holdings}" }}\n'
    )
    return path


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child_tick(config: Path, day: int, profile: bool) -> dict[str, Any]:
    """One tick of the entry ``day`` days after the first, on a database migrated first (not
    timed; day 0 needs a fresh one, a later day the one the tick before it wrote)."""
    settings = load_settings(config)
    engine = make_engine(settings.database.url)
    upgrade(engine)
    sessions = session_factory(engine)
    entry = settings.portfolios[0]
    slot = SLOT + timedelta(days=day)
    before = peak_rss_mb()
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    with profiler or contextlib.nullcontext():
        outcome = run_tick(entry, settings, slot, sessions=sessions, clock=lambda: slot)
    seconds = time.perf_counter() - started
    engine.dispose()
    if profiler is not None:
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(35)
        stats.sort_stats("tottime").print_stats(25)
    assert outcome.status == "ok", outcome
    peak = peak_rss_mb()
    # Where the time went: the read and the computation again on their own, after the tick
    # (so they do not change its peak memory); the rest of the tick is the writing.
    with collection_paused():  # as in the tick
        started = time.perf_counter()
        accounts = split_accounts(entry.source.fetch(), entry.source.describe())
        read_s = time.perf_counter() - started
        started = time.perf_counter()
        resolved = settings.entry_config(entry.id)
        allocator = Allocator(resolved.targets, resolved.policy)
        for holdings in accounts.values():
            allocator.report(holdings)
        compute_s = time.perf_counter() - started
    return {
        "seconds": seconds,
        "read_s": read_s,
        "compute_s": compute_s,
        "accounts": outcome.accounts,
        "peak_mb": peak,
        "baseline_mb": before,
    }


CLASS_DRIFTS = json.dumps(dict.fromkeys(CLASSES, "1.2345678"), separators=(",", ":"))


def floor_rows(accounts: int, holdings: int, sqlite: bool) -> dict[str, list[tuple[Any, ...]]]:
    """Rows as the store keeps them (decimals as text on SQLite), made before the clock."""
    taken = SLOT.replace(tzinfo=None) if sqlite else SLOT
    snapshots, classes, rows = [], [], []
    for account in range(accounts):
        snapshot_id = account + 1
        snapshots.append(
            (snapshot_id, f"{ENTRY}/acct-{account:05d}", 1, taken)
            + ("123456.7800000000",) * 3
            + ("12.3400000000", "5.6700000000", True, "5", None, True, CLASS_DRIFTS)
        )
        for position, name in enumerate(CLASSES):
            classes.append(
                (snapshot_id, name, position)
                + (f"{position}1234.5678000000",) * 6
                + ("absolute" if position == 0 else None,)
            )
        for n in range(holdings):
            rows.append(
                (
                    snapshot_id,
                    CLASSES[n % 6],
                    f"SYM{n:03d}",
                    "1234.5600000000",
                    "12.0000000000",
                    "102.8800000000",
                )
            )
    return {"snapshots": snapshots, "snapshot_classes": classes, "snapshot_holdings": rows}


INSERTS = {
    "snapshots": "INSERT INTO snapshots (id, portfolio_id, tick_id, taken_at, portfolio_value, "
    "holdings_value, unallocated_value, total_drift, worst_drift, needs_rebalancing, "
    "threshold, relative_threshold, holdings_stored, class_drifts) VALUES ({})",
    "snapshot_classes": "INSERT INTO snapshot_classes (snapshot_id, asset_class, position, "
    "current_value, current_percent, target_percent, target_value, difference, drift, breach) "
    "VALUES ({})",
    "snapshot_holdings": "INSERT INTO snapshot_holdings (snapshot_id, asset_class, symbol, "
    "value, quantity, price) VALUES ({})",
}


def child_floor(database_url: str, accounts: int, holdings: int) -> dict[str, Any]:
    """Raw executemany of the same rows in one transaction, after untimed setup rows."""
    engine = make_engine(database_url)
    upgrade(engine)
    sqlite = engine.dialect.name == "sqlite"
    with engine.begin() as connection:  # the portfolios and the tick the rows refer to
        connection.execute(
            text("INSERT INTO portfolios (id, name, created_at) VALUES (:id, :id, :at)"),
            [{"id": ENTRY, "at": SLOT}]
            + [{"id": f"{ENTRY}/acct-{a:05d}", "at": SLOT} for a in range(accounts)],
        )
        connection.execute(
            text(
                "INSERT INTO ticks (id, portfolio_id, scheduled_at, started_at, status) "
                "VALUES (1, :id, :at, :at, 'running')"
            ),
            {"id": ENTRY, "at": SLOT},
        )
    tables = floor_rows(accounts, holdings, sqlite)
    marker = "?" if sqlite else "%s"
    raw = engine.raw_connection()  # the DBAPI connection, with the engine's pragmas
    started = time.perf_counter()
    cursor = raw.cursor()
    for table, rows in tables.items():
        cursor.executemany(INSERTS[table].format(", ".join([marker] * len(rows[0]))), rows)
    raw.commit()
    seconds = time.perf_counter() - started
    raw.close()
    engine.dispose()
    return {"seconds": seconds, "rows": sum(len(rows) for rows in tables.values())}


def run_child(*args: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    answer: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


@contextlib.contextmanager
def postgres_database(server: str) -> Iterator[str]:
    url = make_url(server).set(drivername="postgresql+psycopg")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"bench_tick_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def measure(
    label: str, fresh_database: Callable[[], contextlib.AbstractContextManager[str]], args: Any
) -> None:
    folder = Path(args.folder)
    ticks: dict[str, list[dict[str, Any]]] = {"first": [], "steady": []}
    floors = []
    extra = ["--profile"] if args.profile else []
    for _ in range(args.runs):
        with fresh_database() as url:
            config = write_config(folder, url, FIRST)
            ticks["first"].append(run_child("tick", str(config), "0", *extra))
            config = write_config(folder, url, NEXT)
            ticks["steady"].append(run_child("tick", str(config), "1", *extra))
        with fresh_database() as url:
            floors.append(run_child("floor", url, str(args.accounts), str(args.holdings)))
    floor_s = statistics.median(f["seconds"] for f in floors)
    print(f"== {label}: {args.accounts:,} accounts x {args.holdings} holdings, {args.runs} run(s)")
    print(f"   floor (raw executemany of {floors[0]['rows']:,} rows): {floor_s:8.2f} s (median)")
    print(f"      all runs: {[round(f['seconds'], 2) for f in floors]}")
    for scenario, title in (
        ("first", "first tick (new accounts: portfolios and alert states created)"),
        ("steady", f"steady state (the next day, 1 holding in {CHANGED_EVERY} changed)"),
    ):
        runs = ticks[scenario]
        tick_s = statistics.median(t["seconds"] for t in runs)
        read_s = statistics.median(t["read_s"] for t in runs)
        compute_s = statistics.median(t["compute_s"] for t in runs)
        peak = statistics.median(t["peak_mb"] for t in runs)
        baseline = statistics.median(t["baseline_mb"] for t in runs)
        print(f"   {title}:")
        print(f"      tick {tick_s:.2f} s (median), ratio tick / floor: {tick_s / floor_s:.2f}x")
        print(
            f"      of the tick: read and validate {read_s:.2f} s, compute {compute_s:.2f} s, "
            f"write and decide {tick_s - read_s - compute_s:.2f} s"
        )
        print(f"      peak RSS of the process: {peak:.0f} MB (before the tick: {baseline:.0f} MB)")
        print(f"      all runs: {[round(t['seconds'], 2) for t in runs]}")


FLOOR_SCRIPT = """
import csv, json, sqlite3, sys
from itertools import groupby

# A plain script: parse the CSV, sum each account's classes, insert as many rows as a tick
# (a snapshot, 6 class rows and 50 holding rows an account), 1,000 accounts at a time, in
# one transaction.
database, holdings = sys.argv[1:]
connection = sqlite3.connect(database, isolation_level=None)
connection.execute("BEGIN")
snapshots, classes, rows = [], [], []
with open(holdings, newline="") as file:
    reader = csv.reader(file)
    next(reader)
    for number, (account, lines) in enumerate(groupby(reader, key=lambda r: r[0]), start=1):
        sums = {}
        for _, symbol, asset_class, quantity, price in lines:
            value = float(quantity) * float(price)
            sums[asset_class] = sums.get(asset_class, 0.0) + value
            rows.append((number, asset_class, symbol, str(value), quantity, price))
        total = sum(sums.values())
        drifts = json.dumps({name: str(v / total) for name, v in sums.items()})
        snapshots.append((number, account, "2026-01-05 18:00:00", str(total), drifts))
        classes += [(number, name, i, str(v)) for i, (name, v) in enumerate(sums.items())]
        if number % 1000 == 0 or len(rows) > 50000:
            connection.executemany("INSERT INTO snapshots (id, portfolio_id, tick_id, taken_at, "
                "portfolio_value, holdings_value, unallocated_value, total_drift, worst_drift, "
                "needs_rebalancing, threshold, holdings_stored, class_drifts) "
                "VALUES (?, ?, 1, ?, ?, ?, 0, 0, 0, 0, 5, 1, ?)",
                [(i, a, t, v, v, d) for i, a, t, v, d in snapshots])
            connection.executemany("INSERT INTO snapshot_classes (snapshot_id, asset_class, "
                "position, current_value, current_percent, target_percent, target_value, "
                "difference, drift) VALUES (?, ?, ?, ?, 0, 0, 0, 0, 0)", classes)
            connection.executemany("INSERT INTO snapshot_holdings (snapshot_id, asset_class, "
                "symbol, value, quantity, price) VALUES (?, ?, ?, ?, ?, ?)", rows)
            snapshots, classes, rows = [], [], []
connection.executemany("INSERT INTO snapshots (id, portfolio_id, tick_id, taken_at, "
    "portfolio_value, holdings_value, unallocated_value, total_drift, worst_drift, "
    "needs_rebalancing, threshold, holdings_stored, class_drifts) "
    "VALUES (?, ?, 1, ?, ?, ?, 0, 0, 0, 0, 5, 1, ?)",
    [(i, a, t, v, v, d) for i, a, t, v, d in snapshots])
connection.executemany("INSERT INTO snapshot_classes (snapshot_id, asset_class, position, "
    "current_value, current_percent, target_percent, target_value, difference, drift) "
    "VALUES (?, ?, ?, ?, 0, 0, 0, 0, 0)", classes)
connection.executemany("INSERT INTO snapshot_holdings (snapshot_id, asset_class, symbol, "
    "value, quantity, price) VALUES (?, ?, ?, ?, ?, ?)", rows)
connection.execute("COMMIT")
"""


def whole_process(command: list[str]) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of ``command`` run as a process of its own."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{command[:3]} failed ({status})")
    return seconds, usage.ru_maxrss / 1024


def measure_whole(folder: Path, accounts: int, holdings: int, runs: int) -> dict[str, float]:
    """``allocation-monitor tick`` of the entry, start-up included, on a migrated SQLite
    database, against the plain script that parses the same CSV and inserts as many rows
    into another; each run on fresh copies of the migrated database."""
    write_holdings(folder, accounts, holdings)
    monitor = str(Path(sys.executable).parent / "allocation-monitor")
    migrated = folder / "migrated.db"
    config = write_config(folder, f"sqlite:///{migrated}", FIRST)
    subprocess.run(
        [monitor, "--config", str(config), "db", "upgrade"], check=True, stdout=subprocess.DEVNULL
    )
    with sqlite3.connect(migrated) as connection:  # the tick the floor's rows refer to
        connection.execute(
            "INSERT INTO portfolios (id, name, created_at) "
            "VALUES ('floor', 'floor', '2026-01-05 18:00:00')"
        )
        connection.execute(
            "INSERT INTO ticks (id, portfolio_id, scheduled_at, started_at, "
            "status) VALUES (1, 'floor', '2026-01-05', '2026-01-05', 'ok')"
        )
    figures: dict[str, list[float]] = {"tick": [], "tick_mb": [], "floor": [], "floor_mb": []}
    for _ in range(runs):
        for kind in ("floor", "tick"):
            database = folder / f"{kind}.db"
            shutil.copy(migrated, database)
            if kind == "tick":
                config = write_config(folder, f"sqlite:///{database}", FIRST)
                command = [monitor, "--config", str(config), "tick", "--no-send"]
            else:
                command = [sys.executable, "-c", FLOOR_SCRIPT, str(database), str(folder / FIRST)]
            seconds, peak = whole_process(command)
            figures[kind].append(seconds)
            figures[f"{kind}_mb"].append(peak)
            database.unlink()
    return {name: statistics.median(values) for name, values in figures.items()}


def whole_processes(args: Any) -> None:
    """The tick as a whole process at 10,000 and 100,000 accounts (or ``--accounts``)."""
    results = {}
    for accounts in args.whole:
        with tempfile.TemporaryDirectory(prefix="bench-tick-") as folder:
            results[accounts] = measure_whole(Path(folder), accounts, args.holdings, args.runs)
    print(f"== whole processes on SQLite, x {args.holdings} holdings, {args.runs} run(s), medians")
    print(
        f"{'accounts':>9} {'tick s':>7} {'floor s':>8} {'ratio':>6} {'tick MB':>8} {'floor MB':>9}"
    )
    for accounts, r in results.items():
        print(
            f"{accounts:9,} {r['tick']:7.2f} {r['floor']:8.2f} {r['tick'] / r['floor']:5.2f}x "
            f"{r['tick_mb']:8.0f} {r['floor_mb']:9.0f}"
        )
    if len(results) > 1:
        small, large = min(results), max(results)
        print(
            f"time of {large:,} accounts / time of {small:,}: "
            f"{results[large]['tick'] / results[small]['tick']:.2f}x"
        )


def child_answer(args: Any) -> dict[str, Any]:
    """What a child process measured (``--child tick CONFIG STEP`` or ``--child floor``)."""
    kind, *rest = args.child
    if kind == "tick":
        return child_tick(Path(rest[0]), int(rest[1]), args.profile)
    return child_floor(rest[0], int(rest[1]), int(rest[2]))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--holdings", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile the tick (stderr)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument(
        "--whole",
        type=int,
        nargs="*",
        metavar="ACCOUNTS",
        help="time `allocation-monitor tick` as a whole process against a plain script "
        "(default 10000 100000 accounts) instead",
    )
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child_answer(args)))
        return
    if args.whole is not None:
        args.whole = args.whole or [10_000, 100_000]
        whole_processes(args)
        return
    with tempfile.TemporaryDirectory(prefix="bench-tick-") as folder:
        args.folder = folder
        started = time.perf_counter()
        write_holdings(Path(folder), args.accounts, args.holdings)
        size = (Path(folder) / FIRST).stat().st_size / 1e6
        print(f"{FIRST} and {NEXT}: {size:.1f} MB each, written in ", end="")
        print(f"{time.perf_counter() - started:.1f} s")

        @contextlib.contextmanager
        def sqlite_database() -> Iterator[str]:
            path = Path(folder) / f"{uuid.uuid4().hex[:8]}.db"
            yield f"sqlite:///{path}"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

        measure("SQLite", sqlite_database, args)
        server = os.environ.get("MONITOR_TEST_POSTGRES_URL")
        if server:
            measure("PostgreSQL", lambda: postgres_database(server), args)
        else:
            print("(PostgreSQL skipped: MONITOR_TEST_POSTGRES_URL is not set)")


if __name__ == "__main__":
    main()
