"""The alert tools as the dashboard lists them, read-only (the API and the CLI make and end
them): silences, acknowledgements and the notices they held back, of one portfolio or all.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from monitor.api.schemas.silences import (
    AcknowledgementOut,
    SilenceOut,
    SuppressedOut,
    acknowledgement_out,
    silence_out,
    suppressed_out,
)
from monitor.store.silences import list_acknowledgements, list_silences, list_suppressed

RECENTLY_ENDED = timedelta(days=7)
TOOLS_SHOWN = 100


def silences_of(session: Session, portfolio_id: str | None) -> list[SilenceOut]:
    """Active silences and those ended in the last week, soonest end first; with a
    portfolio, those that match it or (a glob over an entry's accounts) some of its
    accounts."""
    now = datetime.now(UTC)
    return [
        silence_out(record, now)
        for record in list_silences(session=session, now=now - RECENTLY_ENDED)
        if portfolio_id is None
        or record.silence.matcher.matches(portfolio_id)
        or record.silence.matcher.portfolio.startswith(portfolio_id + "/")
    ]


def acknowledgements_of(session: Session, portfolio_id: str | None) -> list[AcknowledgementOut]:
    found = list_acknowledgements(session=session, portfolio_id=portfolio_id, limit=TOOLS_SHOWN)
    return [acknowledgement_out(a) for a in found]


def suppressed_of(session: Session, portfolio_id: str | None, limit: int) -> list[SuppressedOut]:
    found = list_suppressed(session=session, portfolio_id=portfolio_id, limit=limit)
    return [suppressed_out(s) for s in found]
