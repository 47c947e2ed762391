"""Exchange rates, and holdings converted into a portfolio's base currency. Pure: no I/O.

A rate is quoted as the market writes it: ``EURUSD 1.0842`` means 1 EUR = 1.0842 USD. A
conversion uses the pair either way round (``USDEUR`` is ``1 / EURUSD``), or, when neither
is known, a cross rate through a currency both sides have a rate with: the ECB publishes
every rate against EUR, so GBP -> USD goes GBP -> EUR -> USD. Each conversion is one
multiplication and at most one division of exact ``Decimal`` values; nothing is rounded.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from operator import attrgetter

from monitor.domain.holdings import Holding
from monitor.domain.numbers import currency_code, subfield, to_decimal
from monitor.errors import InputError

ONE = Decimal(1)
CURRENCY = attrgetter("currency")


@dataclass(frozen=True, slots=True)
class Rate:
    """``1 base = rate quote``: EURUSD 1.0842 is ``Rate("EUR", "USD", Decimal("1.0842"))``."""

    base: str
    quote: str
    rate: Decimal
    as_of: date | None = None  # the day the rate is of, when its source says

    @property
    def pair(self) -> str:
        return self.base + self.quote


def parse_pair(raw: object, field: str) -> tuple[str, str]:
    """``EURUSD``, ``EUR/USD`` or ``eur-usd`` -> ``("EUR", "USD")``."""
    text = raw.strip().replace("/", "").replace("-", "") if isinstance(raw, str) else ""
    if len(text) != 6:
        raise InputError(field, f"expected a currency pair such as EURUSD, got {raw!r}")
    base, quote = currency_code(text[:3], field), currency_code(text[3:], field)
    if base == quote:
        raise InputError(field, f"a pair needs two different currencies, got {raw!r}")
    return base, quote


def make_rate(pair: object, rate: object, field: str, as_of: date | None = None) -> Rate:
    """A rate from its raw pair and number, ``InputError`` naming ``field`` if either is bad."""
    base, quote = parse_pair(pair, field)
    where = subfield(field, base + quote)
    number = to_decimal(rate, where)
    if number == 0:
        raise InputError(where, "a rate must be above 0")
    return Rate(base, quote, number, as_of)


class MissingRateError(InputError):
    """No rate, direct, inverse or crossed, converts ``source`` into ``target``."""

    def __init__(self, source: str, target: str) -> None:
        self.pair = source + target
        super().__init__(
            "fx_rates",
            f"no exchange rate for {self.pair}: neither {self.pair} nor {target}{source} is "
            "known, nor a cross rate through a currency both have a rate with",
        )


@dataclass(frozen=True, slots=True)
class Conversion:
    """An amount in one currency times ``multiply`` divided by ``divide`` is the other's; the
    rates it took, to be stored with the snapshot it made."""

    multiply: Decimal
    divide: Decimal
    rates: tuple[Rate, ...]

    def __call__(self, amount: Decimal) -> Decimal:
        # A division costs more than a multiplication: none where the rate is the pair's.
        if self.divide == ONE:
            return amount * self.multiply
        return amount * self.multiply / self.divide


class RateTable:
    """The rates a tick (or a request) has, by pair; later rates of a pair replace earlier."""

    __slots__ = ("_rates",)

    def __init__(self, rates: Iterable[Rate]) -> None:
        self._rates = {(rate.base, rate.quote): rate for rate in rates}

    def __iter__(self) -> Iterator[Rate]:
        return iter(self._rates.values())

    def oldest(self) -> date | None:
        """The as-of day of the oldest rate that has one."""
        return min((r.as_of for r in self._rates.values() if r.as_of is not None), default=None)

    def step(self, source: str, target: str) -> Conversion | None:
        """``source`` -> ``target`` by the pair itself, either way round; None if unknown."""
        direct = self._rates.get((source, target))
        if direct is not None:
            return Conversion(direct.rate, ONE, (direct,))
        inverse = self._rates.get((target, source))
        if inverse is not None:
            return Conversion(ONE, inverse.rate, (inverse,))
        return None

    def conversion(self, source: str, target: str) -> Conversion:
        """How an amount in ``source`` becomes one in ``target``; ``MissingRateError``."""
        if source == target:
            return Conversion(ONE, ONE, ())
        found = self.step(source, target)
        if found is not None:
            return found
        for pivot in sorted(self.currencies() - {source, target}):
            first, second = self.step(source, pivot), self.step(pivot, target)
            if first is not None and second is not None:
                return Conversion(
                    first.multiply * second.multiply,
                    first.divide * second.divide,
                    first.rates + second.rates,
                )
        raise MissingRateError(source, target)

    def currencies(self) -> set[str]:
        return {code for base, quote in self._rates for code in (base, quote)}


def stale_reason(rates: RateTable, today: date, max_age: timedelta) -> str | None:
    """Why ``rates`` are too old to use on ``today``, or None: the oldest rate's day is more
    than ``max_age`` before it."""
    oldest = rates.oldest()
    if oldest is None or today - oldest <= max_age:
        return None
    allowed = f"{max_age.days}d" if max_age == timedelta(days=max_age.days) else str(max_age)
    return (
        f"the exchange rates are stale: as of {oldest.isoformat()}, "
        f"{(today - oldest).days} days old, and fx.max_age is {allowed}"
    )


@dataclass(frozen=True, slots=True)
class InBase:
    """Holdings with every value in ``base_currency``, and the rates that took them there."""

    holdings: list[Holding]
    base_currency: str | None
    rates: tuple[Rate, ...] = ()


def in_base(holdings: Sequence[Holding], base: str | None, rates: RateTable | None) -> InBase:
    """Each holding in another currency than ``base`` converted into it: its value (and
    price) in the base, its native value kept. A holding without a currency is in the base.

    Without a base currency nothing is converted, and holdings in more than one currency
    (or some naming one, others none) are refused: summing them would be wrong."""
    if base is None:
        return InBase(list(holdings), single_currency(holdings))
    table = rates if rates is not None else RateTable(())
    conversions: dict[str, Conversion] = {}
    converted: list[Holding] = []
    for holding in holdings:
        currency = holding.currency
        if currency is None or currency == base:
            converted.append(holding)
            continue
        conversion = conversions.get(currency)
        if conversion is None:
            conversion = conversions[currency] = table.conversion(currency, base)
        converted.append(in_currency(holding, conversion))
    used = {rate.pair: rate for c in conversions.values() for rate in c.rates}
    return InBase(converted, base, tuple(used[pair] for pair in sorted(used)))


def in_currency(holding: Holding, conversion: Conversion) -> Holding:
    return Holding(
        holding.symbol,
        holding.asset_class,
        conversion(holding.value),
        holding.quantity,
        None if holding.price is None else conversion(holding.price),
        holding.account,
        holding.weights,
        holding.currency,
        holding.value,
    )


def single_currency(holdings: Sequence[Holding]) -> str | None:
    """The one currency the holdings name (None if they name none); ``InputError`` if they
    name several, or some name one and others none, with no base to convert them into."""
    named = set(map(CURRENCY, holdings))
    if len(named) <= 1:
        return next(iter(named), None)
    codes = sorted(code for code in named if code is not None)
    listed = ", ".join(codes) + (" and holdings without a currency" if None in named else "")
    raise InputError(
        "base_currency",
        f"the holdings are in more than one currency ({listed}) and no base currency is "
        "set to convert them into; set base_currency (and an exchange-rate source) or give "
        "every holding the same currency",
    )
