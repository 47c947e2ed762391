"""The notifications of one tick: its alert decisions as outbox rows (payload and title).

The pipeline decides and writes them, in the tick's one transaction; this module only says
what the rows hold: one per notice, or one digest for a multi-account entry, each titled by
the entry's templates, and none at all for an entry without a route.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy.orm import Session

from monitor.domain.alerting import AlertDecision
from monitor.domain.allocation import AllocationReport
from monitor.notify.alert_plans import AlertPlanner
from monitor.notify.payloads import AccountOutcome, Digest, PortfolioRef, notice_payload
from monitor.notify.routing import has_route, message_title
from monitor.settings import EntryConfig, NotifySettings, PortfolioSettings, Settings
from monitor.store.outbox import NewNotification, enqueue_notifications

log = logging.getLogger(__name__)


@dataclass
class TickNotifier:
    """How one tick of ``entry`` words and routes its notices."""

    settings: Settings
    entry: PortfolioSettings
    config: EntryConfig  # the entry's resolved settings: its routing, templates and plans
    tick_id: int
    # What the user's templates raised this tick, each logged once (not once per account).
    template_problems: set[str] = field(default_factory=set)

    @property
    def notify(self) -> NotifySettings:
        return self.config.notify

    @cached_property
    def shipped_notify(self) -> NotifySettings:
        """The entry's notify settings with the shipped templates (its own raised)."""
        return self.notify.model_copy(update={"templates_dir": ""})

    @property
    def routed(self) -> bool:
        return has_route(self.notify)

    def of_failure(self, decision: AlertDecision, now: datetime) -> list[NewNotification]:
        """The entry's notices when its source failed (stale data): no report to show."""
        entry = self.entry
        ref = self.ref(entry.id, entry.title)
        return [
            self.notification(
                entry.id,
                notice_payload(ref, notice, taken_at=now, report=None, state=decision.state),
            )
            for notice in decision.notices
        ]

    def digest(self, taken_at: datetime, *, multi: bool) -> Digest | None:
        """Where a multi-account tick's account notices go, batch after batch, when the
        entry groups them; None when each is sent on its own."""
        if multi and self.notify.group != "account":
            return Digest(self.ref(self.entry.id, self.entry.title), taken_at)
        return None

    def of_decisions(
        self,
        reports: dict[str, AllocationReport],
        decisions: dict[str, AlertDecision],
        taken_at: datetime,
        *,
        digest: Digest | None,
    ) -> list[NewNotification]:
        """The notices sent on their own; the accounts' go into ``digest`` when given."""
        entry = self.entry
        # A plan for each notice sent on its own; a digest stays compact (no account's plan).
        planner = None if digest is not None else AlertPlanner.of(self.config)
        found = []
        for pid, decision in decisions.items():
            report = reports.get(pid)
            for notice in decision.notices:
                # Account notices go into the digest; entry-level ones (stale data,
                # recovery) and ungrouped accounts' notices are sent as they are.
                if digest is not None and report is not None:
                    continue
                name = entry.title if pid == entry.id else pid
                payload = notice_payload(
                    self.ref(pid, name),
                    notice,
                    taken_at=taken_at,
                    report=report,
                    state=decision.state,
                    plan=None if planner is None else planner.plan_for(notice, report),
                )
                found.append(self.notification(pid, payload))
        if digest is not None:
            digest.add(AccountOutcome(pid, reports[pid], decisions[pid].notices) for pid in reports)
        return found

    def of_digest(self, digest: Digest | None) -> list[NewNotification]:
        """The digest's notification, if any account has something to say."""
        payload = None if digest is None else digest.payload()
        return [] if payload is None else [self.notification(self.entry.id, payload)]

    def enqueue(self, session: Session, notifications: list[NewNotification], now: datetime) -> int:
        """Queue the notifications if the entry has a route; how many were queued."""
        if not notifications:
            return 0
        if not self.routed:
            return self.log_unsent(len(notifications))
        enqueue_notifications(session=session, notifications=notifications, now=now)
        return len(notifications)

    def log_unsent(self, notices: int) -> int:
        """Say how many notices were decided for an entry without a notify route; none sent."""
        if notices:
            log.info(
                "%s: %d notice(s) decided but not sent: no notify route is configured",
                self.entry.id,
                notices,
            )
        return 0

    def ref(self, portfolio_id: str, name: str) -> PortfolioRef:
        return PortfolioRef(portfolio_id, name, self.settings.timezone)

    def notification(self, portfolio_id: str, payload: dict[str, Any]) -> NewNotification:
        return NewNotification(
            portfolio_id=portfolio_id,
            route=self.entry.id,
            kind=payload["kind"],
            title=self.title(payload),
            payload=payload,
            tick_id=self.tick_id,
        )

    def title(self, payload: dict[str, Any]) -> str:
        """The title the entry's templates give; the shipped templates' when the user's
        raise (their code: anything may go wrong in it), so that the tick and its alert are
        stored all the same. Sending renders the message again, and fails naming the
        template, until the template is fixed."""
        try:
            return message_title(payload, self.notify)
        except Exception as error:
            if not self.notify.templates_dir:
                raise  # the shipped templates failed: a bug of ours, which fails the tick
            problem = str(error)
            if problem not in self.template_problems:
                self.template_problems.add(problem)
                log.warning(
                    "%s: a %s message cannot be rendered with the templates in %s (%s); its "
                    "alert is stored with the shipped templates' title, and sending it fails "
                    "until the template is fixed",
                    self.entry.id,
                    payload["kind"],
                    self.notify.templates_dir,
                    problem,
                )
            return message_title(payload, self.shipped_notify)
