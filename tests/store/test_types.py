"""Exact decimals and UTC times survive a round trip through either database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from monitor.domain.numbers import to_decimal
from monitor.errors import InputError
from monitor.store.models import Portfolio, Snapshot

PLUS_TWO = timezone(timedelta(hours=2))


def stored_value(session: Session, value: Decimal, taken_at: datetime | None = None) -> Snapshot:
    session.add(Portfolio(id="p", name="p", created_at=datetime(2024, 1, 1, tzinfo=UTC)))
    session.add(
        Snapshot(
            portfolio_id="p",
            taken_at=taken_at or datetime(2024, 1, 1, tzinfo=UTC),
            portfolio_value=value,
            holdings_value=value,
            unallocated_value=Decimal(0),
            total_drift=Decimal(0),
            worst_drift=Decimal(0),
            needs_rebalancing=False,
            threshold=Decimal(5),
            holdings_stored=False,
            class_drifts="{}",
        )
    )
    session.commit()
    session.expunge_all()
    return session.scalars(select(Snapshot)).one()


@pytest.mark.parametrize(
    "value",
    ["183535.63", "0.0000000001", "-999999999999999999.9999999999", "0", "12345678901234567"],
)
def test_decimals_come_back_exactly(session: Session, value: str) -> None:
    assert stored_value(session, Decimal(value)).portfolio_value == Decimal(value)


def test_decimals_beyond_ten_places_are_rounded_half_up_on_both_databases(
    session: Session,
) -> None:
    third = Decimal(100) / Decimal(3)  # 33.33333333333333333333333333
    stored = stored_value(session, third).portfolio_value
    assert stored == Decimal("33.3333333333")


def test_a_decimal_that_rounds_half_up_at_the_tenth_place(session: Session) -> None:
    assert stored_value(session, Decimal("0.00000000005")).portfolio_value == Decimal(
        "0.0000000001"
    )


def test_floats_are_refused_as_inexact(session: Session) -> None:
    with pytest.raises(StatementError, match="takes a Decimal"):
        stored_value(session, 0.1)  # type: ignore[arg-type]


def test_a_value_too_large_for_the_column_is_refused(session: Session) -> None:
    with pytest.raises(StatementError, match=r"does not fit NUMERIC\(28, 10\)"):
        stored_value(session, Decimal("1e18"))


def test_times_come_back_in_utc(session: Session) -> None:
    taken_at = datetime(2024, 3, 31, 1, 30, 15, 123456, tzinfo=PLUS_TWO)
    stored = stored_value(session, Decimal(1), taken_at).taken_at
    assert stored == taken_at
    assert stored.tzinfo == UTC
    assert stored.hour == 23


def test_naive_times_are_refused(session: Session) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        stored_value(session, Decimal(1), datetime(2024, 1, 1))


def test_the_largest_number_the_engine_takes_is_stored_exactly(session: Session) -> None:
    largest = to_decimal("999999999999999999.9999999999", "value")
    assert stored_value(session, largest).portfolio_value == largest


def test_the_engine_refuses_10_to_the_18_which_the_store_cannot_hold() -> None:
    with pytest.raises(InputError, match=r"^value: 1e\+18 is too large"):
        to_decimal("1000000000000000000", "value")
