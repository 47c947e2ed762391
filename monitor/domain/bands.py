"""When a class needs rebalancing, and how far back it is traded: bands and the drift policy.

Every class has a band around its target, in percentage points below and above it:
- its own ``min``/``max`` from the targets, when given (rule ``band``);
- else the global rule: ``threshold`` pp, narrowed to ``relative_threshold x target`` when
  that is smaller (the 5/25 rule: whichever comes first, named ``absolute``/``relative``),
  or, with ``drift_rule = "hybrid"``, ``max(relative_threshold x target, hybrid_floor)``
  (Wealthfolio's: a band in proportion to the target, never narrower than a small floor).
A class outside its band (strictly) breaches. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal

from monitor.domain.numbers import ZERO
from monitor.domain.targets import ClassTarget
from monitor.errors import InputError

BreachRule = Literal["absolute", "relative", "band", "hybrid"]
DriftRule = Literal["either", "hybrid"]
RebalanceTo = Literal["target", "band_edge"]

DEFAULT_THRESHOLD = Decimal(5)
DEFAULT_TOLERANCE = Decimal("0.5")
DEFAULT_HYBRID_FLOOR = Decimal(1)  # pp: Wealthfolio's floor
# What ``tolerance`` means, in the words the CLI's help, the API's schema and the README use.
TOLERANCE_MEANING = (
    "where a band_edge trade stops, as a share of the way from the target to the edge of the "
    "band: 0 is the target, 1 the edge"
)


@dataclass(frozen=True, slots=True)
class Band:
    """How many pp a class may drift below and above its target, and the rule of each side."""

    below: Decimal
    above: Decimal
    below_rule: BreachRule
    above_rule: BreachRule
    absolute: Decimal  # the absolute threshold that applied, to name a breach past both


@dataclass(frozen=True, slots=True)
class DriftPolicy:
    """When a class needs rebalancing, and what a rebalancing trade brings it back to.

    ``hybrid_floor``: the narrowest hybrid band, in pp (a class's own threshold is its own).
    ``min_trade``: a class whose trade back would be smaller needs nothing (no alert).
    ``rebalance_to``: ``target``, or ``band_edge``: only back to ``tolerance`` x the band's
    half-width from target (the band's edge on that side is 1; trades less).
    """

    threshold: Decimal = DEFAULT_THRESHOLD
    relative_threshold: Decimal | None = None
    min_trade: Decimal = ZERO
    drift_rule: DriftRule = "either"
    rebalance_to: RebalanceTo = "target"
    tolerance: Decimal = DEFAULT_TOLERANCE
    hybrid_floor: Decimal = DEFAULT_HYBRID_FLOOR

    def __post_init__(self) -> None:
        if self.drift_rule == "hybrid" and self.relative_threshold is None:
            raise InputError(
                "drift_rule",
                "the hybrid rule is max(relative_threshold x target, hybrid_floor): "
                "it needs a relative_threshold",
            )
        if not 0 <= self.hybrid_floor <= 100:
            raise InputError("hybrid_floor", f"must be from 0 to 100, got {self.hybrid_floor}")
        if not 0 <= self.tolerance <= 1:
            raise InputError("tolerance", f"a share of the band, from 0 to 1, got {self.tolerance}")

    def overridden(self, **given: Any) -> DriftPolicy:
        """This policy with each value given (not None) in place of its own: a request's or
        a command's options over the configured policy; itself when none is given."""
        changes = {key: value for key, value in given.items() if value is not None}
        return replace(self, **changes) if changes else self

    def rule_width(
        self, target_percent: Decimal, threshold: Decimal | None = None
    ) -> tuple[Decimal, BreachRule]:
        """The global rule's half-width for a target, and the rule's name; ``threshold``
        is the class's own absolute threshold, when it has one (under hybrid, its floor)."""
        relative = self.relative_threshold
        if self.drift_rule == "hybrid":
            scaled = relative * target_percent if relative is not None else ZERO
            return max(scaled, self.hybrid_floor if threshold is None else threshold), "hybrid"
        absolute = self.threshold if threshold is None else threshold
        # A class with no target has no relative band; the absolute threshold governs it.
        if relative is None or target_percent <= 0 or relative * target_percent >= absolute:
            return absolute, "absolute"
        return relative * target_percent, "relative"

    def band_for(self, spec: ClassTarget) -> Band:
        width, rule = self.rule_width(spec.percent, spec.threshold)
        below, below_rule = width, rule
        above, above_rule = width, rule
        if spec.band_min is not None:
            below, below_rule = spec.percent - spec.band_min, "band"
        if spec.band_max is not None:
            above, above_rule = spec.band_max - spec.percent, "band"
        absolute = self.threshold if spec.threshold is None else spec.threshold
        return Band(below, above, below_rule, above_rule, absolute)

    def classify(self, drift: Decimal, band: Band) -> BreachRule | None:
        """The rule a drift breaks, or None inside the band (its edges included)."""
        if drift > band.above:
            rule = band.above_rule
        elif -drift > band.below:
            rule = band.below_rule
        else:
            return None
        # Past both, the 5/25 rule names the absolute threshold (as the seed's rule would).
        return "absolute" if rule == "relative" and abs(drift) > band.absolute else rule

    def edge_drift(self, drift: Decimal, band: Band) -> Decimal:
        """The nearest drift inside the tolerance band: ``tolerance`` x the distance from
        target to the band's edge on the drift's side."""
        if drift > 0:
            return min(drift, self.tolerance * band.above)
        return max(drift, -self.tolerance * band.below)

    def goal_drift(self, drift: Decimal, band: Band) -> Decimal:
        """Where a breaching class is traded back to, as a drift: 0 (target) or the edge."""
        return self.edge_drift(drift, band) if self.rebalance_to == "band_edge" else ZERO
