"""Currency exposure: the share of a portfolio held in each currency, and its drift from
optional currency targets (USD 60 / EUR 40), banded as a class's drift is. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from operator import attrgetter

from monitor.domain.bands import DriftPolicy
from monitor.domain.holdings import Holding
from monitor.domain.numbers import HUNDRED, ZERO, currency_code, to_decimal, total
from monitor.domain.reports import CurrencyExposure
from monitor.domain.targets import ClassTarget, scaled_to_100
from monitor.errors import InputError

CurrencyTargets = Mapping[str, Decimal]
CURRENCY, VALUE = attrgetter("currency"), attrgetter("value")


def parse_currency_targets(raw: Mapping[str, object], field: str) -> dict[str, Decimal]:
    """``{"usd": 60, "EUR": 40}`` -> ``{"USD": 60, "EUR": 40}``, summing to 100."""
    found: dict[str, Decimal] = {}
    for name, percent in raw.items():
        code = currency_code(name, field)
        if code in found:
            raise InputError(field, f"currency {code} is given twice")
        found[code] = to_decimal(percent, f"{field}.{code}")
    if not found:
        raise InputError(field, "currency targets need at least one currency")
    return scaled_to_100(found, field, "currency targets")


def currency_exposure(
    holdings: Sequence[Holding],
    base: str,
    portfolio_value: Decimal,
    targets: CurrencyTargets | None = None,
    policy: DriftPolicy = DriftPolicy(),
) -> tuple[CurrencyExposure, ...]:
    """Each currency held, largest first, then each targeted one not held; a holding
    without a currency, and the value not in any holding, count in the base currency."""
    values, natives = currency_sums(holdings, base)
    unallocated = portfolio_value - sum(values.values(), ZERO)
    if unallocated:
        values[base] = values.get(base, ZERO) + unallocated
        natives[base] = natives.get(base, ZERO) + unallocated
    order = sorted(values, key=lambda code: (-values[code], code))
    order += [code for code in (targets or {}) if code not in values]
    return tuple(
        exposure(
            code, values.get(code, ZERO), natives.get(code, ZERO), portfolio_value, targets, policy
        )
        for code in order
    )


def currency_sums(
    holdings: Sequence[Holding], base: str
) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """The value (in the base) and the native value held in each currency."""
    named = set(map(CURRENCY, holdings)) - {None, base}
    if not named:  # all in the base: one sum (the common case, a tick's every account)
        held = total(map(VALUE, holdings))
        return {base: held}, {base: held}
    values: dict[str, Decimal] = {}
    natives: dict[str, Decimal] = {}
    for holding in holdings:
        code = holding.currency or base
        values[code] = values.get(code, ZERO) + holding.value
        native = holding.value if holding.native_value is None else holding.native_value
        natives[code] = natives.get(code, ZERO) + native
    return values, natives


def exposure(
    code: str,
    value: Decimal,
    native: Decimal,
    whole: Decimal,
    targets: CurrencyTargets | None,
    policy: DriftPolicy,
) -> CurrencyExposure:
    percent = value / whole * HUNDRED
    if targets is None:
        return CurrencyExposure(code, value, native, percent)
    target = targets.get(code, ZERO)
    drift = percent - target
    breach = policy.classify(drift, policy.band_for(ClassTarget(code, target)))
    return CurrencyExposure(code, value, native, percent, target, drift, breach)
