"""Splitting money across classes so they end as close to target as one-way trades allow.

Pure arithmetic on ``{class: amount}`` maps, shared by every plan mode.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

from monitor.domain.numbers import CENT, ZERO, total

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
    wanted = total(exact.values())
    if budget - wanted < PRECISION_SLACK * max(budget, CENT):
        # Divisions such as 0.14 / 3 leave the sum a hair under the budget it was cut from
        # (0.0999...); that is the budget, not a cent less.
        wanted = budget
    return spread_cents(exact, min(budget, wanted).quantize(CENT, rounding=ROUND_DOWN))


def to_cents_up(exact: dict[str, Decimal]) -> dict[str, Decimal]:
    """Amounts in cents that add up to their exact sum rounded up to a cent: each rounded
    down, and the spare cents to the largest remainders (rounding each one up could add a
    cent per amount)."""
    wanted = total(exact.values())
    # As in to_cents: a sum a hair over a cent (100.0000...01) is that cent.
    wanted -= PRECISION_SLACK * max(wanted, CENT)
    return spread_cents(exact, wanted.quantize(CENT, rounding=ROUND_CEILING))


def spread_cents(exact: dict[str, Decimal], cents: Decimal) -> dict[str, Decimal]:
    """Amounts rounded down to cents, plus a cent for each of the largest remainders until
    they add up to ``cents`` (a whole number of cents, at least their rounded-down sum)."""
    floored = {k: v.quantize(CENT, rounding=ROUND_DOWN) for k, v in exact.items()}
    spare = int((cents - total(floored.values())) / CENT)
    by_remainder = sorted(exact, key=lambda k: exact[k] - floored[k], reverse=True)
    for klass in by_remainder[: max(spare, 0)]:
        floored[klass] += CENT
    return floored


Ladder = tuple[Decimal, Decimal, int]  # (top, step, count): rungs top, top - step, ...


def rungs_above_level(ladders: Sequence[Ladder], budget: Decimal, *, strictly: bool) -> list[int]:
    """Taking rungs highest first across ``ladders``, each costing its ladder's ``step``:
    how many rungs of each lie above the lowest level whose rungs above it cost at most
    ``budget`` (less than it, ``strictly``).

    A loop taking one share at a time, from the class furthest from what it wanted, takes
    its shares in that order (a class's rungs are its distances, one share apart); this
    finds where it would stop in a bisection over the level, in exact integers, so the work
    grows with the number of ladders and the digits of the amounts, never with amount / step.
    """
    if not ladders:
        return []
    places = min(0, exponent(budget), *(exponent(n) for t, s, _ in ladders for n in (t, s)))
    rungs = [(units(top, places), units(step, places), count) for top, step, count in ladders]
    limit = units(budget, places)

    def taken(level: int) -> list[int]:
        # Rungs top - j x step above level: j < (top - level) / step, a ceiling division.
        return [min(count, max(0, -((level - top) // step))) for top, step, count in rungs]

    def fits(level: int) -> bool:
        cost = sum(n * step for n, (_, step, _) in zip(taken(level), rungs, strict=True))
        return cost < limit if strictly else cost <= limit

    low = min(top - count * step for top, step, count in rungs)  # below every rung
    if fits(low):
        return taken(low)
    high = max(top for top, _, _ in rungs)  # above every rung: nothing taken
    if not fits(high):
        return [0] * len(rungs)
    while high - low > 1:
        middle = (low + high) // 2
        if fits(middle):
            high = middle
        else:
            low = middle
    return taken(high)


def exponent(number: Decimal) -> int:
    found = number.as_tuple().exponent
    return found if isinstance(found, int) else 0  # not finite: never given here


def units(number: Decimal, places: int) -> int:
    """``number`` as a whole count of ``10 ** places`` (exact: only the exponent moves)."""
    return int(number.scaleb(-places))
