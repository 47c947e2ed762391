"""Silences and acknowledgements: what a user said to keep the monitor quiet about. Pure.

A **silence** matches portfolios by id or glob (``family``, ``clients/*``), optionally one
class, until a time. Inside it a reminder is held back; a first alert or an escalation
still goes out, unless the silence says ``all``. An **acknowledgement** ("seen, being
handled") holds back a portfolio's reminders while its drift state stays as it was when
acknowledged: the episode, the classes alerted and the worst drift notified. A resolved
notice (or any source notice) is never held back.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fnmatch import fnmatchcase

from monitor.errors import InputError

MAX_PATTERN = 200


@dataclass(frozen=True, slots=True)
class Matcher:
    """Which portfolios (an id, or a glob over accounts: ``clients/*``) and which class."""

    portfolio: str
    asset_class: str | None = None

    def __post_init__(self) -> None:
        if not self.portfolio.strip():
            raise InputError("portfolio", "name a portfolio, an account or a glob (clients/*)")
        if len(self.portfolio) > MAX_PATTERN:
            raise InputError("portfolio", f"longer than {MAX_PATTERN} characters")
        if self.asset_class is not None:
            if not self.asset_class.strip():
                raise InputError("class", "empty; leave it out to match every class")
            # Class names compare trimmed and lower-case, as everywhere (normalise_class).
            object.__setattr__(self, "asset_class", self.asset_class.strip().lower())

    def matches(self, portfolio_id: str) -> bool:
        return fnmatchcase(portfolio_id, self.portfolio)

    def describe(self) -> str:
        return self.portfolio + ("" if self.asset_class is None else f" [{self.asset_class}]")


@dataclass(frozen=True, slots=True)
class Silence:
    id: int
    matcher: Matcher
    starts_at: datetime
    ends_at: datetime  # expiring a silence early moves its end to that moment
    comment: str
    created_by: str
    all: bool = False  # first alerts and escalations are held back too

    def active_at(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at

    def covers(self, asset_class: str) -> bool:
        wanted = self.matcher.asset_class
        return wanted is None or wanted == asset_class


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """A portfolio's drift state when an alert about it was acknowledged."""

    id: int
    portfolio_id: str
    alert_id: int
    drifted_since: datetime
    notified_classes: frozenset[str]
    notified_worst_drift: Decimal
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class Quiet:
    """What may keep one portfolio quiet at a tick: the silences matching it (active or
    ended) and its acknowledgement, if any."""

    silences: tuple[Silence, ...] = ()
    acknowledgement: Acknowledgement | None = None

    def silencing(self, classes: Collection[str], now: datetime, *, news: bool) -> str | None:
        """Why a notice about ``classes`` is held back, or None. ``news``: a first alert or
        an escalation, which only an ``all`` silence holds back."""
        active = [s for s in self.silences if s.active_at(now) and (s.all or not news)]
        if not active:
            return None
        covering: set[int] = set()
        for klass in classes or [""]:
            found = next((s for s in active if s.covers(klass)), None)
            if found is None:
                return None
            covering.add(found.id)
        return ", ".join(f"silence {sid}" for sid in sorted(covering))

    def ended_between(self, start: datetime | None, now: datetime) -> bool:
        """A silence ended after ``start`` (the last notice) and by ``now``."""
        return any((start is None or s.ends_at > start) and s.ends_at <= now for s in self.silences)


NO_QUIET = Quiet()


def quiet_for(
    portfolio_id: str,
    silences: Iterable[Silence],
    acknowledgement: Acknowledgement | None = None,
) -> Quiet:
    matching = tuple(s for s in silences if s.matcher.matches(portfolio_id))
    if not matching and acknowledgement is None:
        return NO_QUIET
    return Quiet(matching, acknowledgement)
