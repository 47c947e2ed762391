"""Silences, acknowledgements and held-back notices stored and read back, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from monitor.domain.alerting import Notice, Suppressed
from monitor.domain.silences import Acknowledgement, Matcher
from monitor.errors import ConflictError, InputError, NotFoundError, UnknownPortfolioError
from monitor.store import models
from monitor.store.portfolios import NewPortfolio, ensure_portfolios
from monitor.store.silences import (
    NewSilence,
    add_silence,
    expire_silence,
    list_silences,
    list_suppressed,
    record_suppressed,
    suppressed_counts,
    tick_acknowledgements,
    tick_quiet,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def new(portfolio: str = "family", days: int = 7, *, all: bool = False) -> NewSilence:
    return NewSilence(Matcher(portfolio), NOW, NOW + days * DAY, "the bonus", "ann", all)


def with_portfolios(session: Session, *ids: str) -> None:
    ensure_portfolios(
        session=session,
        portfolios=[
            NewPortfolio(pid, pid, pid.split("/")[0] if "/" in pid else None) for pid in ids
        ],
        now=NOW,
    )


def test_silences_are_listed_soonest_end_first_and_expired_ones_on_request(
    session: Session,
) -> None:
    with_portfolios(session, "family")
    week = add_silence(session=session, new=new(), now=NOW, configured=["family"])
    day = add_silence(session=session, new=new("clients/*", 1, all=True), now=NOW)
    assert [r.silence.id for r in list_silences(session=session, now=NOW)] == [
        day.silence.id,
        week.silence.id,
    ]
    later = NOW + 2 * DAY
    assert [r.silence.id for r in list_silences(session=session, now=later)] == [week.silence.id]
    assert len(list_silences(session=session, now=later, ended=True)) == 2
    assert day.silence.all and day.silence.matcher.portfolio == "clients/*"
    assert (week.status(NOW), week.status(NOW + 7 * DAY)) == ("active", "expired")


def test_expiring_moves_the_end_to_now_and_says_who(session: Session) -> None:
    record = add_silence(session=session, new=new(), now=NOW, configured=["family"])
    ended = expire_silence(session=session, silence_id=record.silence.id, now=NOW + DAY, by="bob")
    assert (ended.silence.ends_at, ended.expired_by) == (NOW + DAY, "bob")
    with pytest.raises(ConflictError, match="has ended already"):
        expire_silence(session=session, silence_id=record.silence.id, now=NOW + DAY, by="bob")
    with pytest.raises(NotFoundError, match="no silence with id 99"):
        expire_silence(session=session, silence_id=99, now=NOW, by="bob")


def test_a_silence_of_an_unknown_portfolio_is_refused_but_a_glob_is_not(session: Session) -> None:
    with pytest.raises(UnknownPortfolioError):
        add_silence(session=session, new=new("famly"), now=NOW, configured=["family"])
    add_silence(session=session, new=new("fam*"), now=NOW, configured=["family"])


def test_a_silence_must_last_and_say_why() -> None:
    with pytest.raises(InputError, match="for: a silence must last some time"):
        new(days=0)
    with pytest.raises(InputError, match="comment: say why"):
        NewSilence(Matcher("family"), NOW, NOW + DAY, " ", "ann")


def test_a_tick_reads_the_newest_acknowledgement_of_each_account_of_its_entry(
    session: Session,
) -> None:
    with_portfolios(session, "clients", "clients/a1", "clients/a2", "other")
    for pid, alert_id in [("clients/a1", 1), ("clients/a1", 2), ("clients/a2", 3), ("other", 4)]:
        session.add(
            models.Acknowledgement(
                portfolio_id=pid,
                alert_id=alert_id,
                drifted_since=NOW,
                notified_classes=["stocks"],
                notified_worst_drift=Decimal("7.5"),
                created_by="ann",
                created_at=NOW,
            )
        )
    session.flush()
    found = tick_acknowledgements(session=session, entry_id="clients")
    assert {pid: a.alert_id for pid, a in found.items()} == {"clients/a1": 2, "clients/a2": 3}
    assert found["clients/a2"] == Acknowledgement(
        found["clients/a2"].id,
        "clients/a2",
        3,
        NOW,
        frozenset({"stocks"}),
        Decimal("7.5"),
        NOW,
        "ann",
    )
    add_silence(session=session, new=new("clients/*"), now=NOW)
    quiet = tick_quiet(session=session, entry_id="clients")
    assert len(quiet("clients/a1").silences) == 1
    assert quiet("clients/a1").acknowledgement == found["clients/a1"]
    assert quiet("clients").silences == ()


def test_held_back_notices_are_recorded_listed_and_counted(session: Session) -> None:
    with_portfolios(session, "clients", "clients/a1", "family")
    held = [
        ("clients/a1", Suppressed(Notice("reminder"), "silence 1")),
        ("family", Suppressed(Notice("escalated", ("cash",)), "silence 2")),
    ]
    assert record_suppressed(session=session, tick_id=None, decided_at=NOW, held=held) == 2
    listed = list_suppressed(session=session, portfolio_id="clients")
    assert [(r.portfolio_id, r.kind, r.reason) for r in listed] == [
        ("clients/a1", "reminder", "silence 1")
    ]
    assert suppressed_counts(session=session) == {"drifted": 0, "escalated": 1, "reminder": 1}
