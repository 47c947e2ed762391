"""JSON shapes of silences, acknowledgements and held-back notices (the API's, and the
CLI's ``--format json``), and a silence request checked field by field."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from monitor.api.fields import DURATION_PATTERN, Rounded
from monitor.domain.silences import Acknowledgement, Matcher
from monitor.errors import InputError
from monitor.settings.types import parse_duration
from monitor.store.silences import NewSilence, SilenceRecord, SilenceStatus, SuppressedRecord

NOT_BLANK = r"\S"


class SilenceIn(BaseModel):
    portfolio: str = Field(
        max_length=200,
        pattern=NOT_BLANK,
        description="A portfolio, an account, or a glob (clients/*); a name without a glob "
        "must be a known portfolio",
    )
    duration: str = Field(
        alias="for",
        pattern=DURATION_PATTERN,
        description="How long from now: 90m, 24h, 7d, 2w; more than nothing, at most 100 years",
    )
    comment: str = Field(pattern=NOT_BLANK, description="Why; shown with the silence")
    asset_class: str | None = Field(
        None, max_length=100, pattern=NOT_BLANK, description="Only this class"
    )
    all: bool = Field(False, description="Hold back first alerts and escalations too")

    def new(self, who: str, now: datetime) -> NewSilence:
        return new_silence(
            portfolio=self.portfolio,
            duration=self.duration,
            comment=self.comment,
            asset_class=self.asset_class,
            all=self.all,
            who=who,
            now=now,
        )


def new_silence(
    *,
    portfolio: str,
    duration: str,
    comment: str,
    asset_class: str | None,
    all: bool,
    who: str,
    now: datetime,
) -> NewSilence:
    """A silence from now, for ``duration``; an ``InputError`` naming the bad field."""
    try:
        length = parse_duration(duration)
    except ValueError as error:
        raise InputError("for", str(error)) from None
    assert isinstance(length, timedelta)  # text always parses to a duration, or raises
    matcher = Matcher(portfolio.strip(), None if asset_class is None else asset_class.strip())
    return NewSilence(matcher, now, now + length, comment.strip(), who, all)


class SilenceOut(BaseModel):
    id: int
    portfolio: str
    asset_class: str | None
    all: bool
    status: SilenceStatus
    starts_at: datetime
    ends_at: datetime
    comment: str
    created_by: str
    created_at: datetime
    expired_by: str | None


class SilencesResponse(BaseModel):
    silences: list[SilenceOut]


def silence_out(record: SilenceRecord, now: datetime) -> SilenceOut:
    s = record.silence
    return SilenceOut(
        id=s.id,
        portfolio=s.matcher.portfolio,
        asset_class=s.matcher.asset_class,
        all=s.all,
        status=record.status(now),
        starts_at=s.starts_at,
        ends_at=s.ends_at,
        comment=s.comment,
        created_by=s.created_by,
        created_at=record.created_at,
        expired_by=record.expired_by,
    )


class AcknowledgementOut(BaseModel):
    id: int
    portfolio_id: str
    alert_id: int
    drifted_since: datetime
    notified_classes: list[str]
    notified_worst_drift: Rounded
    created_by: str
    created_at: datetime


class AcknowledgementsResponse(BaseModel):
    acknowledgements: list[AcknowledgementOut]


def acknowledgement_out(ack: Acknowledgement) -> AcknowledgementOut:
    return AcknowledgementOut(
        id=ack.id,
        portfolio_id=ack.portfolio_id,
        alert_id=ack.alert_id,
        drifted_since=ack.drifted_since,
        notified_classes=sorted(ack.notified_classes),
        notified_worst_drift=ack.notified_worst_drift,
        created_by=ack.created_by,
        created_at=ack.created_at,
    )


class SuppressedOut(BaseModel):
    id: int
    portfolio_id: str
    tick_id: int | None
    kind: str = Field(description="drifted, escalated or reminder")
    reason: str = Field(description="silence 3, acknowledgement of alert 42")
    decided_at: datetime


class SuppressedResponse(BaseModel):
    suppressed: list[SuppressedOut]


def suppressed_out(record: SuppressedRecord) -> SuppressedOut:
    return SuppressedOut(
        id=record.id,
        portfolio_id=record.portfolio_id,
        tick_id=record.tick_id,
        kind=record.kind,
        reason=record.reason,
        decided_at=record.decided_at,
    )
