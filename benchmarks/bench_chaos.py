"""The chaos test's scenario, with its figures printed: the daemon SIGKILLed at random
moments during ticks and deliveries, restarted each time, then run clean to the end.

Prints, per database: kills (and how many landed in a tick, in a delivery), ticks (and how
many a kill cut short), snapshots, alerts decided, delivered, lost and duplicated. The
scenario is tests/deploy/test_chaos.py's, run as it is; see there for what it checks.

    .venv/bin/python benchmarks/bench_chaos.py [--kills 20] [--seed 20240607]
    # SQLite, and PostgreSQL too when MONITOR_TEST_POSTGRES_URL is set
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from sqlalchemy import make_url

from monitor.settings import DatabaseSettings

# The scenario lives with the test that asserts on it; run from anywhere in the checkout.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.deploy.test_chaos import KILLS, SEED, ChaosFigures, SlowWebhookSink, chaos_in
from tests.fixtures.databases import POSTGRES_URL_ENV, PostgresDatabases
from tests.fixtures.operations import StoreView


def run(backend: str, database_url: str, folder: Path, kills: int, seed: int) -> ChaosFigures:
    sink = SlowWebhookSink()
    sink.start()
    store = StoreView(database_url)
    chaos = chaos_in(folder, database_url, sink, store, seed)
    try:
        return chaos.run(kills, backend)
    finally:
        chaos.daemon.kill()
        store.close()
        sink.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=KILLS)
    parser.add_argument("--seed", type=int, default=SEED)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        sqlite = Path(folder) / "sqlite"
        sqlite.mkdir()
        url = f"sqlite:///{sqlite / 'monitor.db'}"
        print(run("sqlite", url, sqlite, options.kills, options.seed), flush=True)
        server = os.environ.get(POSTGRES_URL_ENV)
        if not server:
            print(f"(PostgreSQL skipped: {POSTGRES_URL_ENV} is not set)")
            return
        databases = PostgresDatabases(make_url(DatabaseSettings(url=server).url))
        postgres = Path(folder) / "postgresql"
        postgres.mkdir()
        try:
            database = databases.create().render_as_string(hide_password=False)
            print(run("postgresql", database, postgres, options.kills, options.seed))
        finally:
            databases.drop_all()


if __name__ == "__main__":
    main()
