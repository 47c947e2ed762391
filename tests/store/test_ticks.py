"""A skipped slot's mark: a ``skipped`` tick row that holds no claim and counts as no tick."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.store.latest import entry_health
from monitor.store.models import Tick
from monitor.store.portfolios import NewPortfolio, ensure_portfolios
from monitor.store.tick_history import unsuccessful_ticks
from monitor.store.ticks import claim_tick, finish_tick, latest_ticks, mark_skipped_slot

SLOT = datetime(2026, 1, 5, 9, tzinfo=UTC)
NEXT = SLOT + timedelta(hours=1)
REASON = "the entry's previous run was still going"


def rows(session: Session) -> list[tuple[datetime, str, str | None]]:
    query = select(Tick.scheduled_at, Tick.status, Tick.error).order_by(Tick.scheduled_at)
    return [(at, status, error) for at, status, error in session.execute(query)]


def ticked(session: Session, slot: datetime, status: str = "ok") -> None:
    ensure_portfolios(session=session, portfolios=[NewPortfolio("family", "")], now=slot)
    tick_id = claim_tick(session=session, portfolio_id="family", scheduled_at=slot, started_at=slot)
    assert tick_id is not None
    done = slot + timedelta(seconds=3)
    finish_tick(session=session, tick_id=tick_id, status=status, finished_at=done, started_at=slot)


def skip(session: Session, slot: datetime) -> bool:
    return mark_skipped_slot(
        session=session, portfolio_id="family", scheduled_at=slot, at=slot, reason=REASON
    )


def test_a_skipped_slot_is_stored_with_its_reason(session: Session) -> None:
    ticked(session, SLOT)
    assert skip(session, NEXT)
    assert rows(session) == [(SLOT, "ok", None), (NEXT, "skipped", REASON)]


def test_a_slot_a_replica_ticked_is_not_marked_skipped(session: Session) -> None:
    ticked(session, SLOT)
    assert not skip(session, SLOT)
    assert rows(session) == [(SLOT, "ok", None)]


def test_a_skipped_slot_is_claimed_at_once_by_whoever_ticks_it_later(session: Session) -> None:
    ticked(session, SLOT)
    skip(session, NEXT)
    later = NEXT + timedelta(minutes=1)  # well within a claim's lease
    tick_id = claim_tick(
        session=session, portfolio_id="family", scheduled_at=NEXT, started_at=later
    )
    assert tick_id is not None
    assert rows(session)[-1] == (NEXT, "running", None)
    finish_tick(session=session, tick_id=tick_id, status="ok", finished_at=later, started_at=later)
    assert rows(session)[-1] == (NEXT, "ok", None)


def test_a_skipped_slot_is_claimed_only_once(session: Session) -> None:
    ticked(session, SLOT)
    skip(session, NEXT)
    first = claim_tick(session=session, portfolio_id="family", scheduled_at=NEXT, started_at=NEXT)
    assert first is not None
    assert (
        claim_tick(session=session, portfolio_id="family", scheduled_at=NEXT, started_at=NEXT)
        is None
    )


def test_readiness_and_metrics_see_the_last_tick_that_ran_not_a_skipped_slot(
    session: Session,
) -> None:
    ticked(session, SLOT)
    skip(session, NEXT)
    latest = latest_ticks(session=session, portfolio_ids=["family"])["family"]
    assert (latest.scheduled_at, latest.status) == (SLOT, "ok")


def test_an_entrys_health_is_its_last_tick_that_ran(session: Session) -> None:
    ticked(session, SLOT, status="failed")
    skip(session, NEXT)
    health = entry_health(session=session, entry_ids=["family"])["family"]
    assert (health.tick_at, health.tick_status) == (SLOT, "failed")


def test_the_drift_charts_marks_hold_failed_and_skipped_ticks(session: Session) -> None:
    ticked(session, SLOT - timedelta(hours=1))
    ticked(session, SLOT, status="failed")
    skip(session, NEXT)
    marks = unsuccessful_ticks(session=session, entry_id="family", since=None, until=None)
    assert [(t.scheduled_at, t.status, t.error) for t in marks] == [
        (SLOT, "failed", None),
        (NEXT, "skipped", REASON),
    ]
