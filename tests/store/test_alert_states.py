"""Alert states saved through the driver in bulk: stored as the ORM stores them, read back."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from monitor.domain.alerting import AlertState
from monitor.store import models
from monitor.store.alert_states import load_alert_states, save_alert_states
from monitor.store.portfolios import NewPortfolio, ensure_portfolios

NOW = datetime(2026, 1, 5, 18, 0, 0, 123456, tzinfo=UTC)
DRIFTED = AlertState(
    drift_state="drifted",
    notified_classes=frozenset({"stocks", "cash"}),
    notified_worst_drift=Decimal("12.345678901234567890123456"),  # rounded to 10 places
    drifted_since=datetime(2026, 1, 4, 9, 30, tzinfo=UTC),
    last_notified_at=NOW,
)
FAILING = AlertState(
    source_state="failing",
    consecutive_failures=3,
    stale_notified_at=NOW,
    last_error="line 7: value: expected a number, got 'x'",
)
ROUNDED = Decimal("12.3456789012")


def stored_rows(
    session: Session, *portfolio_ids: str, as_text: bool = False
) -> list[tuple[object, ...]]:
    """The rows as the database hands them back through the column types, or as the text
    it holds."""
    table = models.AlertState.__table__
    columns = [c for c in table.c if c.name != "portfolio_id"]
    query = select(*[cast(c, Text) if as_text else c for c in columns]).where(
        table.c.portfolio_id.in_(portfolio_ids)
    )
    return [tuple(row) for row in session.execute(query.order_by(table.c.portfolio_id))]


def with_portfolios(session: Session, *portfolio_ids: str) -> None:
    ensure_portfolios(
        session=session, portfolios=[NewPortfolio(pid, pid) for pid in portfolio_ids], now=NOW
    )


def test_saved_states_load_back_as_they_were(session: Session) -> None:
    with_portfolios(session, "a", "b")
    save_alert_states(session=session, states={"a": DRIFTED, "b": FAILING}, previous={}, now=NOW)
    loaded = load_alert_states(session=session, portfolio_ids=["a", "b", "c"])
    assert loaded == {
        "a": AlertState(
            drift_state="drifted",
            notified_classes=frozenset({"stocks", "cash"}),
            notified_worst_drift=ROUNDED,
            drifted_since=DRIFTED.drifted_since,
            last_notified_at=NOW,
        ),
        "b": FAILING,
        "c": AlertState(),
    }


def test_a_saved_state_is_stored_as_the_orm_stores_it(session: Session) -> None:
    with_portfolios(session, "bulk", "orm")
    save_alert_states(session=session, states={"bulk": DRIFTED}, previous={}, now=NOW)
    session.add(
        models.AlertState(
            portfolio_id="orm",
            drift_state="drifted",
            notified_classes=["cash", "stocks"],
            notified_worst_drift=DRIFTED.notified_worst_drift,
            drifted_since=DRIFTED.drifted_since,
            last_notified_at=NOW,
            source_state="ok",
            consecutive_failures=0,
            updated_at=NOW,
        )
    )
    session.flush()
    bulk, orm = stored_rows(session, "bulk", "orm", as_text=True)
    assert bulk == orm
    assert stored_rows(session, "bulk")[0][:3] == ("drifted", ["cash", "stocks"], ROUNDED)


def test_saving_again_updates_the_state(session: Session) -> None:
    with_portfolios(session, "a")
    save_alert_states(session=session, states={"a": DRIFTED}, previous={}, now=NOW)
    later = datetime(2026, 1, 6, tzinfo=UTC)
    saved = save_alert_states(
        session=session, states={"a": FAILING}, previous={"a": DRIFTED}, now=later
    )
    assert saved == 1
    assert load_alert_states(session=session, portfolio_ids=["a"]) == {"a": FAILING}
    [row] = stored_rows(session, "a")
    assert (row[0], row[1], row[-1]) == ("in_band", [], later)


def test_only_the_states_that_changed_are_written(session: Session) -> None:
    with_portfolios(session, "a", "b")
    saved = save_alert_states(
        session=session,
        states={"a": DRIFTED, "b": AlertState()},
        previous={"a": DRIFTED, "b": FAILING},
        now=NOW,
    )
    assert saved == 1
    assert [pid for pid in ("a", "b") if stored_rows(session, pid)] == ["b"]


def test_the_states_of_more_portfolios_than_one_statement_takes_load_in_batches(
    session: Session,
) -> None:
    ids = [f"clients/acct-{n:05d}" for n in range(12_000)]
    with_portfolios(session, *ids)
    states = {pid: DRIFTED if n % 2 else FAILING for n, pid in enumerate(ids)}
    save_alert_states(session=session, states=states, previous={}, now=NOW)
    loaded = load_alert_states(session=session, portfolio_ids=[*ids, "new"], lock=True)
    assert loaded["new"] == AlertState()
    assert [loaded[pid].status for pid in ids[:4]] == [
        "source_failing",
        "drifted",
        "source_failing",
        "drifted",
    ]
    assert sum(s == FAILING for s in loaded.values()) == 6_000
