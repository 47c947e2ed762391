"""One tick through the real pipeline, on SQLite and PostgreSQL: claim, fetch, compute, save.

Sources are real files (and a real HTTP server on 127.0.0.1); the clock is injected.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.domain.allocation import Holding
from monitor.notify.drain import drain_outbox
from monitor.runtime.pipeline import run_tick
from monitor.runtime.tick_context import TickOutcome
from monitor.runtime.tick_reading import split_accounts
from monitor.settings import PortfolioSettings, Settings, load_settings
from monitor.sources import SourceOptions
from monitor.store.alert_states import load_alert_states
from monitor.store.models import Notification, Portfolio, Snapshot, Tick
from monitor.store.snapshots import latest_snapshot

SLOT = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)
NEXT_SLOT = SLOT + timedelta(hours=1)
GOOD_CSV = "symbol,asset_class,value\nVTI,stocks,6000\nBND,bonds,4000\n"
DRIFTED_CSV = "symbol,asset_class,value\nVTI,stocks,7000\nBND,bonds,3000\n"
TARGETS = "[targets]\nstocks = 60\nbonds = 40\n"


def clock_at(moment: datetime) -> Any:
    return lambda: moment


class World:
    """A config file in a temp folder, its holdings files, and ticks run against a store."""

    def __init__(self, folder: Path, sessions: sessionmaker[Session]) -> None:
        self.folder = folder
        self.sessions = sessions
        self.entries: list[str] = []

    def file(self, name: str, text: str) -> Path:
        path = self.folder / name
        path.write_text(text)
        return path

    def portfolio(self, portfolio_id: str, source: str, options: str = "") -> None:
        """An entry; ``options`` are more of its lines (``notify = {...}``)."""
        self.entries.append(f'[[portfolios]]\nid = "{portfolio_id}"\nsource = {source}\n{options}')

    def csv_portfolio(self, portfolio_id: str, text: str = GOOD_CSV, options: str = "") -> Path:
        path = self.file(f"{portfolio_id}.csv", text)
        self.portfolio(portfolio_id, f'{{ kind = "csv", path = "{path.name}" }}', options)
        return path

    @property
    def settings(self) -> Settings:
        config = self.file("monitor.toml", TARGETS + "".join(self.entries))
        return load_settings(config)

    def tick(
        self, portfolio_id: str, slot: datetime = SLOT, settings: Settings | None = None
    ) -> TickOutcome:
        settings = settings or self.settings
        entry = settings.portfolio(portfolio_id)
        assert entry is not None
        return run_tick(entry, settings, slot, sessions=self.sessions, clock=clock_at(slot))

    def ticks(self, portfolio_id: str) -> list[tuple[str, str | None]]:
        with self.sessions() as session:
            rows = session.execute(
                select(Tick.status, Tick.error)
                .where(Tick.portfolio_id == portfolio_id)
                .order_by(Tick.scheduled_at)
            )
            return [(status, error) for status, error in rows]

    def snapshot_count(self, portfolio_id: str | None = None) -> int:
        query = select(func.count()).select_from(Snapshot)
        if portfolio_id is not None:
            query = query.where(Snapshot.portfolio_id == portfolio_id)
        with self.sessions() as session:
            return session.execute(query).scalar_one()

    def failures(self, portfolio_id: str) -> int:
        with self.sessions() as session:
            states = load_alert_states(session=session, portfolio_ids=[portfolio_id])
            return states[portfolio_id].consecutive_failures


@pytest.fixture
def world(tmp_path: Path, sessions: sessionmaker[Session]) -> World:
    return World(tmp_path, sessions)


def test_a_good_tick_stores_a_snapshot_with_its_class_rows(world: World) -> None:
    world.csv_portfolio("family", "symbol,asset_class,value\nVTI,stocks,7000\nBND,bonds,3000\n")
    outcome = world.tick("family")
    assert (outcome.status, outcome.value, outcome.worst_drift) == ("ok", 10000, 10)
    assert outcome.out_of_band == 1
    with world.sessions() as session:
        snapshot = latest_snapshot(session=session, portfolio_id="family")
    assert snapshot is not None
    assert (snapshot.taken_at, snapshot.portfolio_value) == (SLOT, Decimal(10000))
    assert [(c.asset_class, c.current_value, c.drift, c.breach) for c in snapshot.classes] == [
        ("stocks", Decimal(7000), Decimal(10), "absolute"),
        ("bonds", Decimal(3000), Decimal(-10), "absolute"),
    ]
    assert snapshot.holdings is not None
    assert {(h.symbol, h.value) for h in snapshot.holdings} == {
        ("VTI", Decimal(7000)),
        ("BND", Decimal(3000)),
    }
    assert world.ticks("family") == [("ok", None)]


def test_a_failed_fetch_marks_the_tick_failed_and_keeps_the_last_good_snapshot(
    world: World,
) -> None:
    holdings = world.csv_portfolio("family")
    assert world.tick("family").status == "ok"
    holdings.unlink()
    outcome = world.tick("family", NEXT_SLOT)
    reason = f"csv {holdings}: file not found"
    assert (outcome.status, outcome.error) == ("failed", reason)
    assert world.ticks("family") == [("ok", None), ("failed", reason)]
    with world.sessions() as session:
        snapshot = latest_snapshot(session=session, portfolio_id="family")
    assert snapshot is not None
    assert snapshot.taken_at == SLOT
    assert world.snapshot_count() == 1


def test_consecutive_failures_are_counted_and_reset_by_a_good_tick(world: World) -> None:
    holdings = world.csv_portfolio("family", "not,a,holdings,file\n")
    for hour in range(3):
        assert world.tick("family", SLOT + timedelta(hours=hour)).status == "failed"
    assert world.failures("family") == 3
    holdings.write_text(GOOD_CSV)
    assert world.tick("family", SLOT + timedelta(hours=3)).status == "ok"
    assert world.failures("family") == 0


class SlowOrHtmlHandler(BaseHTTPRequestHandler):
    """``/slow`` answers after two seconds; ``/html`` answers a login page."""

    def do_GET(self) -> None:
        if self.path == "/slow":
            time.sleep(2)
        body = b"<!DOCTYPE html><html><body>Sign in</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a timed-out client
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def http_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowOrHtmlHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


BadKind = Literal["csv", "json", "folder", "http"]
BAD_INPUTS: dict[str, tuple[BadKind, str, str]] = {
    # name: (how it is served, content or path, what the stored reason says)
    "missing file": ("csv", "", "file not found"),
    "unreadable file (a folder)": ("folder", "", "is a folder, not a holdings file"),
    "timeout": ("http", "/slow", "timed out after 0.3s waiting for the response"),
    "html": ("http", "/html", "the response is HTML, not JSON"),
    "invalid json": ("json", '{"VTI": {"asset_class": "stocks", "value": 1}', "invalid JSON"),
    "wrong types": ("csv", "symbol,asset_class,value\nVTI,stocks,lots\n", "expected a number"),
    "duplicate symbols": (
        "csv",
        "symbol,asset_class,value\nVTI,stocks,1\nVTI,stocks,2\n",
        "line 3: symbol 'VTI' already appears at line 2",
    ),
    "empty set": ("csv", "symbol,asset_class,value\n", "no holdings: the source returned an empty"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_source_input_fails_only_that_tick_with_a_clear_reason(
    world: World, http_server: str, case: str
) -> None:
    how, content, expected = BAD_INPUTS[case]
    if how == "http":
        world.portfolio(
            "bad", f'{{ kind = "http", url = "{http_server}{content}", timeout = 0.3 }}'
        )
    elif how == "folder":
        (world.folder / "bad.csv").mkdir()
        world.portfolio("bad", '{ kind = "csv", path = "bad.csv" }')
    elif how == "json":
        world.file("bad.json", content)
        world.portfolio("bad", '{ kind = "json", path = "bad.json" }')
    elif content:
        world.csv_portfolio("bad", content)
    else:
        world.portfolio("bad", '{ kind = "csv", path = "absent.csv" }')
    world.csv_portfolio("good")
    settings = world.settings
    bad = world.tick("bad", settings=settings)
    good = world.tick("good", settings=settings)
    assert bad.status == "failed"
    assert bad.error is not None
    assert expected in bad.error
    assert world.ticks("bad") == [("failed", bad.error)]
    assert good.status == "ok"
    assert (world.snapshot_count("bad"), world.snapshot_count("good")) == (0, 1)


class ExplodingSource(SourceOptions):
    kind: str = "exploding"

    def fetch(self) -> list[Holding]:
        raise RuntimeError("plugin bug")


def test_a_source_raising_unexpectedly_fails_the_tick_instead_of_leaving_it_running(
    world: World,
) -> None:
    entry = PortfolioSettings(id="plugin", source=ExplodingSource())
    settings = Settings(portfolios=[entry])
    outcome = run_tick(entry, settings, SLOT, sessions=world.sessions, clock=clock_at(SLOT))
    assert outcome.error == "source error: RuntimeError: plugin bug"
    assert world.ticks("plugin") == [("failed", "source error: RuntimeError: plugin bug")]


def test_a_multi_account_source_makes_one_portfolio_per_account(world: World) -> None:
    world.csv_portfolio(
        "clients",
        "account,symbol,asset_class,value\n"
        "a-1,VTI,stocks,600\na-1,BND,bonds,400\n"
        "b-2,VTI,stocks,900\nb-2,BND,bonds,100\n",
    )
    outcome = world.tick("clients")
    assert (outcome.status, outcome.accounts, outcome.out_of_band) == ("ok", 2, 1)
    assert outcome.value == Decimal(2000)
    with world.sessions() as session:
        portfolios = session.execute(
            select(Portfolio.id, Portfolio.parent_id).order_by(Portfolio.id)
        ).all()
        b2 = latest_snapshot(session=session, portfolio_id="clients/b-2")
    assert [tuple(row) for row in portfolios] == [
        ("clients", None),
        ("clients/a-1", "clients"),
        ("clients/b-2", "clients"),
    ]
    assert b2 is not None
    assert [(c.asset_class, c.drift) for c in b2.classes] == [
        ("stocks", Decimal(30)),
        ("bonds", Decimal(-30)),
    ]
    assert world.snapshot_count("clients") == 0  # the entry itself holds nothing


@pytest.mark.parametrize("worth", ["0", "0.001"])
def test_an_account_that_cannot_be_computed_makes_the_tick_partial(
    world: World, worth: str
) -> None:
    world.csv_portfolio(
        "clients",
        f"account,symbol,asset_class,value\na-1,VTI,stocks,600\nz-0,VTI,stocks,{worth}\n",
    )
    outcome = world.tick("clients")
    assert outcome.status == "partial"
    assert outcome.error is not None
    assert outcome.error.startswith("clients/z-0: holdings: the portfolio is worth nothing")
    assert (world.snapshot_count("clients/a-1"), world.snapshot_count("clients/z-0")) == (1, 0)


def test_a_second_claimant_of_the_same_slot_skips_it(world: World) -> None:
    world.csv_portfolio("family")
    settings = world.settings
    first = world.tick("family", settings=settings)
    second = world.tick("family", settings=settings)
    assert (first.status, second.status) == ("ok", "skipped")
    assert world.snapshot_count("family") == 1
    assert world.ticks("family") == [("ok", None)]


def test_claimants_racing_in_threads_run_the_slot_once(world: World) -> None:
    world.csv_portfolio("family")
    settings = world.settings
    outcomes: list[TickOutcome] = []
    start = threading.Barrier(4)

    def claim() -> None:
        start.wait()
        outcomes.append(world.tick("family", settings=settings))

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(o.status for o in outcomes) == ["ok", "skipped", "skipped", "skipped"]
    assert world.snapshot_count("family") == 1


def test_the_next_slot_follows_the_edited_holdings_file(world: World) -> None:
    holdings = world.csv_portfolio("family")
    world.tick("family")
    holdings.write_text("symbol,asset_class,value\nVTI,stocks,5000\nBND,bonds,5000\n")
    world.tick("family", NEXT_SLOT)
    with world.sessions() as session:
        snapshot = latest_snapshot(session=session, portfolio_id="family")
    assert snapshot is not None
    assert (snapshot.taken_at, snapshot.drift_of("stocks")) == (NEXT_SLOT, Decimal(-10))


def test_an_entry_without_a_route_saves_its_alert_states_and_logs_the_unsent_notices(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    world.csv_portfolio(
        "clients",
        "account,symbol,asset_class,value\n"
        "a-1,VTI,stocks,900\na-1,BND,bonds,100\n"
        "b-2,VTI,stocks,100\nb-2,BND,bonds,900\n"
        "c-3,VTI,stocks,600\nc-3,BND,bonds,400\n",
    )
    with caplog.at_level("INFO", logger="monitor.notify.tick_notices"):
        outcome = world.tick("clients")
    assert (outcome.out_of_band, outcome.notifications) == (2, 0)
    assert "clients: 2 notice(s) decided but not sent: no notify route is configured" in [
        record.getMessage() for record in caplog.records
    ]
    with world.sessions() as session:
        states = load_alert_states(
            session=session, portfolio_ids=["clients/a-1", "clients/b-2", "clients/c-3"]
        )
        sent = session.execute(select(func.count()).select_from(Notification)).scalar_one()
    assert [s.drift_state for s in states.values()] == ["drifted", "drifted", "in_band"]
    assert states["clients/a-1"].drifted_since == SLOT
    assert sent == 0


def test_accounts_whose_rows_are_interleaved_keep_their_holdings_in_order() -> None:
    rows = [("a", "VTI"), ("b", "VTI"), ("b", "BND"), ("a", "BND"), ("a", "GLD"), ("c", "X")]
    holdings = [Holding(symbol, "stocks", Decimal(1), account=account) for account, symbol in rows]
    accounts = split_accounts(holdings, "test")
    assert {a: [h.symbol for h in found] for a, found in accounts.items()} == {
        "a": ["VTI", "BND", "GLD"],
        "b": ["VTI", "BND"],
        "c": ["X"],
    }


@contextlib.contextmanager
def refusing(engine: Engine, table: str, event: str) -> Iterator[None]:
    """A trigger through which the database refuses every ``event`` (INSERT, UPDATE) on
    ``table``, as a database failing mid-write would."""
    name = f"refuse_{table}"
    if engine.dialect.name == "postgresql":
        create = [
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN RAISE EXCEPTION '{table} refused'; END $$",
            f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()",
        ]
        drop = [f"DROP TRIGGER {name} ON {table}", f"DROP FUNCTION {name}()"]
    else:
        create = [
            f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} refused'); END"
        ]
        drop = [f"DROP TRIGGER {name}"]
    with engine.begin() as connection:
        for statement in create:
            connection.exec_driver_sql(statement)
    try:
        yield
    finally:
        with engine.begin() as connection:
            for statement in drop:
                connection.exec_driver_sql(statement)


def test_a_tick_whose_write_fails_ends_failed_with_the_reason_and_no_snapshot(
    world: World, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    world.csv_portfolio("family", DRIFTED_CSV)
    with refusing(engine, "alert_states", "INSERT"):
        outcome = world.tick("family")
    assert outcome.status == "failed"
    assert outcome.error is not None
    assert outcome.error.startswith("internal error: ")
    assert outcome.error.endswith("alert_states refused")  # its first line: no SQL
    assert world.ticks("family") == [("failed", outcome.error)]
    assert world.snapshot_count() == 0
    assert world.failures("family") == 0  # nothing decided: the decisions are what failed
    [logged] = [r for r in caplog.records if r.getMessage().endswith("raised unexpectedly")]
    assert logged.exc_info is not None


@contextlib.contextmanager
def full(engine: Engine) -> Iterator[None]:
    """SQLite's page limit at the file's size, on every connection: no room left to grow,
    which raises the error a full disk does (SQLITE_FULL)."""

    def no_room(dbapi_connection: Any, record: Any) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(engine, "connect", no_room)
    engine.pool.dispose()
    try:
        yield
    finally:
        event.remove(engine, "connect", no_room)
        engine.pool.dispose()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_tick_on_a_full_sqlite_disk_fails_saying_so_in_one_line(
    world: World, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    rows = "".join(f"S{number},stocks,1\n" for number in range(500))
    world.csv_portfolio("family", "symbol,asset_class,value\n" + rows)
    with full(engine):
        outcome = world.tick("family")
    reason = f"database or disk is full: {engine.url.database}"
    assert (outcome.status, outcome.error) == ("failed", reason)
    assert world.ticks("family") == [("failed", reason)]
    assert world.snapshot_count() == 0
    assert [r for r in caplog.records if r.exc_info] == []


def test_a_tick_whose_failure_cannot_be_stored_either_raises_and_stays_claimed(
    world: World, engine: Engine
) -> None:
    world.csv_portfolio("family")
    with refusing(engine, "ticks", "UPDATE"), pytest.raises(Exception, match="ticks refused"):
        world.tick("family")
    assert world.ticks("family") == [("running", None)]
    assert world.snapshot_count() == 0


RAISING_TITLES = {
    "division by zero": "{{ 1 / 0 }}",
    "a filter unknown, met only at run time": (
        '{% if kind == "drifted" %}{{ portfolio_id | shout }}{% endif %}'
    ),
}


@pytest.mark.parametrize("case", list(RAISING_TITLES))
def test_a_title_template_that_raises_leaves_the_alert_stored_with_the_shipped_title(
    world: World, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    (world.folder / "templates").mkdir()
    world.file("templates/title.j2", RAISING_TITLES[case])
    world.csv_portfolio(
        "family",
        DRIFTED_CSV,
        'notify = { urls = ["json://127.0.0.1:9/hook"], templates_dir = "templates" }\n',
    )
    outcome = world.tick("family")
    assert (outcome.status, outcome.notifications) == ("ok", 1)
    assert world.snapshot_count("family") == 1
    with world.sessions() as session:
        titles = session.execute(select(Notification.title)).scalars().all()
    assert titles == ["Rebalance family: 2 classes out of band"]  # the shipped drifted title
    [warning] = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warning.startswith(
        f"family: a drifted message cannot be rendered with the templates in "
        f"{world.folder / 'templates'} (template title.j2: "
    )


def test_the_alert_of_a_title_template_that_raises_fails_at_send_naming_the_template(
    world: World,
) -> None:
    (world.folder / "templates").mkdir()
    world.file("templates/title.j2", "{{ 1 / 0 }}")
    world.csv_portfolio(
        "family",
        DRIFTED_CSV,
        'notify = { urls = ["json://127.0.0.1:9/hook"], templates_dir = "templates" }\n',
    )
    settings = world.settings
    world.tick("family", settings=settings)
    result = drain_outbox(settings, world.sessions, clock=clock_at(SLOT))
    assert result.dead == 1
    with world.sessions() as session:
        errors = session.execute(select(Notification.last_error)).scalars().all()
    assert errors == ["template title.j2: division by zero"]
