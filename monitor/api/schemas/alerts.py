"""JSON shapes of the alerts routes (and of ``alerts --format json``).

Nothing here can carry a secret: delivery targets are stored redacted, and the targets
that took a notification are given as a count, not as their (hashed) keys.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from monitor.api.fields import Rounded
from monitor.store.outbox import AttemptRecord, OutboxItem

AlertStatus = Literal["pending", "sent", "dead"]


class AlertOut(BaseModel):
    id: int
    portfolio_id: str = Field(description="The portfolio, account or (for a digest) entry")
    route: str = Field(description="The config entry whose notify settings route it")
    kind: str = Field(description="drifted, escalated, reminder, resolved, stale, ...")
    status: AlertStatus
    title: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None = Field(description="When a pending one is tried next")
    sent_at: datetime | None
    last_error: str | None
    account_count: int | None = Field(description="A digest: how many accounts it names")


class AlertsResponse(BaseModel):
    alerts: list[AlertOut]


class DigestAccountOut(BaseModel):
    portfolio_id: str
    status: str = Field(description="new, escalated, reminder, still (out of band), resolved")
    worst_drift: Rounded
    breaching: list[str]
    alerts: list[str]


class AttemptOut(BaseModel):
    attempted_at: datetime
    target: str = Field(description="The target's URL with its secrets masked")
    outcome: Literal["sent", "failed"]
    error: str | None


class AlertDetail(AlertOut):
    delivered_targets: int = Field(description="How many targets took it (not sent again)")
    payload: dict[str, Any] = Field(
        description="What was decided (a digest's accounts are in ``accounts``)"
    )
    accounts: list[DigestAccountOut] = Field(
        description="A digest: every account it names, worst drift first; else empty"
    )
    attempt_log: list[AttemptOut] = Field(description="Every delivery attempt, oldest first")


def alert_out(item: OutboxItem) -> AlertOut:
    accounts = item.payload.get("accounts") if item.kind == "digest" else None
    return AlertOut(
        id=item.id,
        portfolio_id=item.portfolio_id,
        route=item.route,
        kind=item.kind,
        status=item.status,
        title=item.title,
        attempts=item.attempts,
        created_at=item.created_at,
        next_attempt_at=item.next_attempt_at if item.status == "pending" else None,
        sent_at=item.sent_at,
        last_error=item.last_error,
        account_count=None if accounts is None else len(accounts),
    )


def digest_account_out(account: dict[str, Any]) -> DigestAccountOut:
    return DigestAccountOut(
        portfolio_id=account["portfolio_id"],
        status=account["status"],
        worst_drift=account["worst_drift"],
        # Digests decided before breaching classes were stored name them in the alert lines.
        breaching=account.get("breaching", []),
        alerts=account.get("alerts", []),
    )


def alert_detail(item: OutboxItem, attempts: list[AttemptRecord]) -> AlertDetail:
    payload = {key: value for key, value in item.payload.items() if key != "accounts"}
    return AlertDetail(
        **alert_out(item).model_dump(),
        delivered_targets=len(item.delivered_targets),
        payload=payload,
        accounts=[digest_account_out(a) for a in item.payload.get("accounts", [])],
        attempt_log=[
            AttemptOut(
                attempted_at=a.attempted_at,
                target=a.target,
                outcome="sent" if a.outcome == "sent" else "failed",
                error=a.error,
            )
            for a in attempts
        ],
    )
