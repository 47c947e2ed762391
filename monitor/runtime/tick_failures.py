"""A claimed tick that ends failed: its source failing (counted, maybe "stale data"), the
claim taken over by another process, or an error nobody expected (its reason stored).

Each is written in a transaction of its own: whatever the tick wrote before rolled back,
and the last good snapshot is kept.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session, sessionmaker

from monitor.domain.alerting import SourceFailure, decide_source_failure
from monitor.errors import ClaimLostError, MonitorError, StoreError
from monitor.runtime.tick_context import TickContext, TickOutcome, elapsed_ms
from monitor.store.alert_states import load_alert_states, save_alert_states
from monitor.store.engine import first_text_line
from monitor.store.transactions import write_transaction

# A tick's lines keep the one logger name they have always had, whichever module writes
# them: a log filter or alert rule set on it still matches.
log = logging.getLogger("monitor.runtime.pipeline")


def claim_lost(context: TickContext, lost: ClaimLostError) -> TickOutcome:
    log.warning("tick %s @ %s: %s", context.entry.id, context.scheduled_at.isoformat(), lost)
    return TickOutcome(context.entry.id, context.scheduled_at, "skipped")


def record_internal_error(
    context: TickContext, error: Exception, sessions: sessionmaker[Session]
) -> TickOutcome:
    """End the tick failed, with the error as its reason, and decide nothing: deciding (or
    writing what was decided) is what raised, and would raise again. If even this write
    fails, the error goes up and the claim waits for its lease to run out."""
    entry = context.entry
    reason = internal_reason(error)
    now = context.clock()
    try:
        with write_transaction(sessions) as session:
            context.finish(session, "failed", reason, now)
    except ClaimLostError as lost:
        return claim_lost(context, lost)
    except StoreError:
        raise  # the database is unusable: whoever ran the tick says so (once, see OutageLog)
    except Exception:
        log.exception(
            "tick %s @ %s: its failure could not be stored either",
            entry.id,
            context.scheduled_at.isoformat(),
        )
        raise
    return TickOutcome(
        entry.id,
        context.scheduled_at,
        "failed",
        error=reason,
        duration_ms=elapsed_ms(context.started_at, now),
    )


def internal_reason(error: Exception) -> str:
    """``internal error: TypeError: ...``; of a database error, its first line only (the
    rest is the statement and its parameters, thousands of rows' worth). The monitor's own
    errors (the database unusable: ``StoreError``) read as they are."""
    line = first_text_line(str(error))
    if isinstance(error, MonitorError):
        return line
    return f"internal error: {type(error).__name__}" + (f": {line}" if line else "")


def record_failure(
    context: TickContext, reason: str, sessions: sessionmaker[Session]
) -> TickOutcome:
    """The tick failed: keep the last good snapshot, count the failure, maybe say "stale"."""
    entry, notifier = context.entry, context.notifier
    now = context.clock()
    with write_transaction(sessions) as session:
        context.finish(session, "failed", reason, now)
        previous = load_alert_states(session=session, portfolio_ids=[entry.id], lock=True)
        decision = decide_source_failure(
            SourceFailure(reason), previous[entry.id], context.config.alerts, now
        )
        save_alert_states(
            session=session, states={entry.id: decision.state}, previous=previous, now=now
        )
        queued = notifier.enqueue(session, notifier.of_failure(decision, now), now)
    log.warning("tick %s failed: %s", entry.id, reason)
    return TickOutcome(
        entry.id,
        context.scheduled_at,
        "failed",
        notifications=queued,
        error=reason,
        duration_ms=elapsed_ms(context.started_at, now),
    )
