"""The rebalancing plan an alert gives: the portfolio's configured plan, made by the engine
``check`` and ``/calculate`` use, for the notices that ask for a rebalance.

A portfolio whose config says nothing of plans gets one only when its holdings can trade in
shares; otherwise its alert's trades back to target, in money, say it all. Pure but for
logging an engine bug: no I/O, no clock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from monitor.domain.alerting import Notice
from monitor.domain.allocation import AllocationReport
from monitor.domain.plans import PlanRequest, RebalancingPlan, in_shares, plan_rebalancing, tradable
from monitor.errors import InputError
from monitor.notify.payloads import PlanUnavailable
from monitor.settings import EntryConfig

log = logging.getLogger(__name__)

# The notices that ask for a rebalance, and so carry a plan.
PLANNED_KINDS = frozenset({"drifted", "escalated", "reminder"})


@dataclass(frozen=True, slots=True)
class AlertPlanner:
    """One portfolio entry's plan settings, for the alerts of a tick."""

    request: PlanRequest
    configured: bool  # any [plan] key applies to the entry

    @classmethod
    def of(cls, config: EntryConfig) -> AlertPlanner:
        return cls(config.plan.request(), config.plan_configured)

    def plan_for(
        self, notice: Notice, report: AllocationReport | None
    ) -> RebalancingPlan | PlanUnavailable | None:
        """The plan for ``notice`` about ``report``, or None when the alert gives none."""
        if report is None or notice.kind not in PLANNED_KINDS:
            return None
        if not self.configured and not any(in_shares(h) for h in tradable(report.holdings)):
            return None
        # A plan that cannot be made must cost neither the alert nor the tick: the message
        # states why instead.
        try:
            return plan_rebalancing(report, self.request)
        except InputError as error:
            return PlanUnavailable(self.request, str(error))
        except Exception as error:  # an engine bug: logged whole, the alert still goes
            log.exception("the rebalancing plan for an alert could not be made")
            return PlanUnavailable(self.request, f"internal error: {type(error).__name__}")
