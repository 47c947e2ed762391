"""Splitting money across classes so they end as close to target as one-way trades allow.

Pure arithmetic on ``{class: amount}`` maps, shared by every plan mode.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from monitor.numbers import CENT, ZERO, total

PRECISION_SLACK = Decimal("1e-20")  # far below a cent, far above Decimal's 28-digit rounding


def water_fill(gaps: dict[str, Decimal], budget: Decimal) -> dict[str, Decimal]:
    """Spend ``budget`` on the largest gaps first, levelling them down together.

    ``gaps`` are shortfalls (for buys) or excesses (for sells) against target. Trading
    ``max(0, gap - level)`` for the level at which the trades add up to ``budget`` minimises
    the sum of squared distances to target under one-way trading (the KKT solution), and
    also the largest remaining gap. Never trades more than the positive gaps hold.
    """
    ranked = sorted((g for g in gaps.values() if g > 0), reverse=True)
    if budget <= 0 or not ranked:
        return dict.fromkeys(gaps, ZERO)
    spend = min(budget, total(ranked))
    level = ZERO
    running = ZERO
    for count, gap in enumerate(ranked, start=1):
        running += gap
        level = (running - spend) / count
        following = ranked[count] if count < len(ranked) else ZERO
        if level >= following:
            break
    return {klass: max(ZERO, gap - level) for klass, gap in gaps.items()}


def to_cents(exact: dict[str, Decimal], budget: Decimal) -> dict[str, Decimal]:
    """Round amounts down to cents, then hand the spare cents to the largest remainders, so
    the total never exceeds ``budget`` (itself rounded down to a cent)."""
    floored = {k: v.quantize(CENT, rounding=ROUND_DOWN) for k, v in exact.items()}
    wanted = total(exact.values())
    if budget - wanted < PRECISION_SLACK * max(budget, CENT):
        # Divisions such as 0.14 / 3 leave the sum a hair under the budget it was cut from
        # (0.0999...); that is the budget, not a cent less.
        wanted = budget
    budget_cents = min(budget, wanted).quantize(CENT, rounding=ROUND_DOWN)
    spare = int((budget_cents - total(floored.values())) / CENT)
    by_remainder = sorted(exact, key=lambda k: exact[k] - floored[k], reverse=True)
    for klass in by_remainder[: max(spare, 0)]:
        floored[klass] += CENT
    return floored
