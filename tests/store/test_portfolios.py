"""Portfolios: stored once whoever ticks first, renamed with the config, listed, looked up."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from monitor.errors import UnknownPortfolioError
from monitor.store.portfolios import (
    NewPortfolio,
    check_portfolio,
    ensure_portfolios,
    list_portfolios,
)
from tests.fixtures.snapshots import FEBRUARY, JANUARY

ENTRY_AND_ACCOUNT = [
    NewPortfolio("clients/acct-17", "Account 17", parent_id="clients"),
    NewPortfolio("clients", "Clients"),
]


def test_ensuring_stores_entries_and_their_accounts(session: Session) -> None:
    ensure_portfolios(session=session, portfolios=ENTRY_AND_ACCOUNT, now=JANUARY)
    listed = list_portfolios(session=session)
    assert [(p.id, p.name, p.parent_id, p.created_at) for p in listed] == [
        ("clients", "Clients", None, JANUARY),
        ("clients/acct-17", "Account 17", "clients", JANUARY),
    ]


def test_ensuring_twice_keeps_the_first_creation_time(session: Session) -> None:
    ensure_portfolios(session=session, portfolios=ENTRY_AND_ACCOUNT, now=JANUARY)
    ensure_portfolios(session=session, portfolios=ENTRY_AND_ACCOUNT, now=FEBRUARY)
    assert {p.created_at for p in list_portfolios(session=session)} == {JANUARY}


def test_ensuring_takes_a_new_name_from_the_config(session: Session) -> None:
    ensure_portfolios(session=session, portfolios=[NewPortfolio("family", "Family")], now=JANUARY)
    ensure_portfolios(
        session=session, portfolios=[NewPortfolio("family", "The Smiths")], now=FEBRUARY
    )
    assert [p.name for p in list_portfolios(session=session)] == ["The Smiths"]


def test_an_unknown_portfolio_error_lists_the_known_ids(session: Session) -> None:
    ensure_portfolios(session=session, portfolios=ENTRY_AND_ACCOUNT, now=JANUARY)
    with pytest.raises(UnknownPortfolioError) as raised:
        check_portfolio(session=session, portfolio_id="famly")
    assert raised.value.known == ["clients", "clients/acct-17"]
    assert str(raised.value) == (
        "unknown portfolio 'famly'; known portfolios: clients, clients/acct-17"
    )


def test_a_portfolio_is_known_once_configured_or_stored_and_not_before(
    session: Session,
) -> None:
    with pytest.raises(UnknownPortfolioError):
        check_portfolio(session=session, portfolio_id="clients")
    # Configured but never ticked: known by the config alone, and the check stores nothing.
    check_portfolio(session=session, portfolio_id="clients", configured=["clients"])
    assert list_portfolios(session=session) == []
    # Stored: known without the config (an account of a many-account entry never is in it).
    ensure_portfolios(session=session, portfolios=ENTRY_AND_ACCOUNT, now=JANUARY)
    check_portfolio(session=session, portfolio_id="clients/acct-17")


def test_checking_an_unknown_portfolio_lists_stored_and_configured_ids(session: Session) -> None:
    ensure_portfolios(session=session, portfolios=ENTRY_AND_ACCOUNT, now=JANUARY)
    with pytest.raises(UnknownPortfolioError) as raised:
        check_portfolio(session=session, portfolio_id="x", configured=["family"])
    assert raised.value.known == ["clients", "clients/acct-17", "family"]
