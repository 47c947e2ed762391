"""The portfolios the store knows: configured entries and the accounts found under them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from monitor.errors import UnknownPortfolioError
from monitor.store.bulk import as_stored, insert_rows, rows_where_in
from monitor.store.models import Portfolio
from monitor.store.records import PortfolioRecord


class NewPortfolio(NamedTuple):
    id: str
    name: str
    parent_id: str | None = None  # the config entry, for an account (``clients/acct-17``)


def ensure_portfolios(
    *, session: Session, portfolios: Sequence[NewPortfolio], now: datetime
) -> None:
    """Store the portfolios not stored yet, and the current name and parent of the others.

    Safe when replicas do it at once: an insert that loses the race is skipped, not an error.
    """
    query = f"SELECT id, name, parent_id FROM {Portfolio.__tablename__}"
    ids = [p.id for p in portfolios]
    stored = {id_: (name, parent) for id_, name, parent in rows_where_in(session, query, "id", ids)}
    # Entries before their accounts, for the foreign key.
    new = sorted(
        (p for p in portfolios if p.id not in stored), key=lambda p: p.parent_id is not None
    )
    if new:
        # Through the driver's executemany (a tick may find 10,000 new accounts), the time
        # converted once as its column type stores it.
        created_at = as_stored(Portfolio.__table__.c.created_at, session.get_bind().dialect)(now)
        insert_rows(
            session,
            Portfolio.__tablename__,
            (*NewPortfolio._fields, "created_at"),
            [(*p, created_at) for p in new],
            on_conflict="(id) DO NOTHING",
        )
    changed = [p for p in portfolios if p.id in stored and stored[p.id] != (p.name, p.parent_id)]
    if changed:
        session.execute(
            update(Portfolio),
            [{"id": p.id, "name": p.name, "parent_id": p.parent_id} for p in changed],
        )


def list_portfolios(*, session: Session) -> list[PortfolioRecord]:
    return [
        PortfolioRecord(p.id, p.name, p.parent_id, p.created_at)
        for p in session.scalars(select(Portfolio).order_by(Portfolio.id))
    ]


def check_portfolio(
    *, session: Session, portfolio_id: str, configured: Collection[str] = ()
) -> None:
    """Pass for a stored portfolio, or a configured one not ticked yet (its history is
    empty); otherwise ``UnknownPortfolioError`` listing both kinds."""
    if portfolio_id in configured or session.get(Portfolio, portfolio_id) is not None:
        return
    stored = session.scalars(select(Portfolio.id)).all()
    raise UnknownPortfolioError(portfolio_id, sorted({*stored, *configured}))


def entry_of(*, session: Session, portfolio_id: str) -> str:
    """The config entry a portfolio belongs to: an account's parent, else itself."""
    parent = session.scalar(select(Portfolio.parent_id).where(Portfolio.id == portfolio_id))
    return parent or portfolio_id


def of_entry(column: InstrumentedAttribute[str], entry_id: str) -> ColumnElement[bool]:
    """``column`` names the entry itself, or one of its accounts (``clients/...``)."""
    return (column == entry_id) | column.startswith(entry_id + "/", autoescape=True)
