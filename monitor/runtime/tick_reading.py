"""A tick's source, read a batch of accounts at a time: what the source says of its
holdings as they come, and the accounts grouped ``ACCOUNTS_PER_BATCH`` at a time, as a
piece-by-piece reading gives them or, when it cannot, out of the whole fetch.

``runtime/pipeline.py`` computes each batch as it comes, and ``tick_recording.py`` writes
and decides it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from operator import attrgetter

from monitor.domain.allocation import Holding
from monitor.errors import SourceError
from monitor.settings import PortfolioSettings
from monitor.sources.base import NotStreamable, accounts_as_of, as_of, needs_classes

log = logging.getLogger(__name__)


def split_accounts(holdings: list[Holding], source: str) -> dict[str | None, list[Holding]]:
    """``{None: all}`` for a single portfolio, else one list per account."""
    accounts: dict[str | None, list[Holding]] = {}
    # A run of one account's rows at a time: an export lists each account's rows together.
    for account, run in groupby(holdings, key=attrgetter("account")):
        accounts.setdefault(account, []).extend(run)
    if None in accounts and len(accounts) > 1:
        raise SourceError(source, "some holdings name an account and others do not")
    return accounts


ACCOUNTS_PER_BATCH = 200  # read, computed, written and decided together
AccountBatch = list[tuple[str | None, list[Holding]]]


class TickFailed(Exception):
    """The tick cannot be recorded a success (its source failed while read, or no account
    could be computed): its write rolls back, and the tick fails with ``reason``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class SourceNotes:
    """What the source says of its holdings as they come: the time they are of (a broker
    export's own date), and whether some came without a class (the entry's [classify] map
    then gives them theirs)."""

    as_of: datetime | None = None
    accounts_as_of: dict[str, datetime] = field(default_factory=dict)  # each account's own
    unclassified: bool = False

    def as_of_account(self, account: str | None) -> datetime | None:
        """The time an account's holdings are of: its own, else the source's."""
        return self.as_of if account is None else self.accounts_as_of.get(account, self.as_of)


def source_batches(
    entry: PortfolioSettings, notes: SourceNotes, *, whole: bool
) -> Iterator[list[Holding]]:
    """The source's holdings, a batch at a time (``whole``: all at once, with ``fetch``),
    each noted in ``notes`` before it is given. A source raising anything but
    ``SourceError`` (a plugin's bug) fails the tick, with the error as its reason: it must
    not leave the tick claimed but unended."""
    source = entry.source
    batches = iter([source.fetch()]) if whole else source.fetch_batches()
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except (SourceError, NotStreamable):
            raise
        except Exception as error:
            log.exception("source of %s raised unexpectedly", entry.id)
            raise TickFailed(f"source error: {type(error).__name__}: {error}") from None
        notes.as_of = as_of(batch) or notes.as_of
        notes.accounts_as_of.update(accounts_as_of(batch))
        notes.unclassified = notes.unclassified or needs_classes(batch)
        yield batch


def account_batches(batches: Iterable[list[Holding]]) -> Iterator[AccountBatch]:
    """Each account's holdings, ``ACCOUNTS_PER_BATCH`` accounts at a time, as the source's
    batches come (an account's rows may go on from one to the next). ``NotStreamable`` for
    an account whose rows come back after another's, or holdings with an account and
    without mixed: ``split_accounts`` sorts those out of all the holdings at once."""
    seen: set[str | None] = set()
    group: AccountBatch = []
    for batch in batches:
        for account, run in groupby(batch, key=attrgetter("account")):
            if group and group[-1][0] == account:
                group[-1][1].extend(run)
                continue
            if account in seen or None in seen or (account is None and seen):
                raise NotStreamable
            if len(group) >= ACCOUNTS_PER_BATCH:  # every account of it is complete
                yield group
                group = []
            seen.add(account)
            group.append((account, list(run)))
    if group:
        yield group


def whole_batches(entry: PortfolioSettings, notes: SourceNotes) -> Iterator[AccountBatch]:
    """Every account's holdings, read at once, ``ACCOUNTS_PER_BATCH`` accounts at a time."""
    [holdings] = source_batches(entry, notes, whole=True)
    accounts = split_accounts(holdings, entry.source.describe())
    items = list(accounts.items())
    for start in range(0, len(items), ACCOUNTS_PER_BATCH):
        yield items[start : start + ACCOUNTS_PER_BATCH]
