"""Symbols to asset classes, for holdings that arrive without one (a broker's export).

A holding's own class, when its source gives one, always wins. Otherwise, in order: the
symbol map (``VTI = "stocks"``, ``VBIAX = "stocks:60;bonds:40"``), the rules on the
broker's own columns (its security type, its description), then the broker's cash mark (a
sweep or money-market line is ``cash``), then the fallback. Without a fallback a symbol
nothing classifies is never guessed and never dropped: ``UnclassifiedError`` names every
such symbol. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType

from monitor.domain.holdings import Holding, make_holding, weights_of, weights_text
from monitor.domain.numbers import normalise_class
from monitor.errors import InputError

CASH = "cash"
# The broker's columns a rule may look at, as the broker readers name them.
FACTS = ("type", "description")


@dataclass(frozen=True, slots=True, init=False)
class Unclassified(Holding):
    """A holding read without an asset class (``asset_class`` is empty), with what its
    broker says of it: ``facts`` (``type``, ``description``), and whether it marks the line
    as cash (a sweep, a money-market fund)."""

    facts: tuple[tuple[str, str], ...] = ()
    cash: bool = False

    def __init__(self, holding: Holding, facts: Mapping[str, str], *, cash: bool) -> None:
        """``holding``'s figures, its class unknown."""
        for name in Holding.__dataclass_fields__:
            object.__setattr__(self, name, getattr(holding, name))
        object.__setattr__(self, "asset_class", "")
        object.__setattr__(self, "weights", None)
        object.__setattr__(self, "facts", tuple(facts.items()))
        object.__setattr__(self, "cash", cash)

    def fact(self, name: str) -> str:
        return dict(self.facts).get(name, "")


def in_account(holding: Holding, account: str) -> Holding:
    """``holding`` in ``account``: a file of one account names it once, in its title."""
    figures = {name: getattr(holding, name) for name in Holding.__dataclass_fields__}
    moved = Holding(**{**figures, "account": account})
    if isinstance(holding, Unclassified):
        return Unclassified(moved, dict(holding.facts), cash=holding.cash)
    return moved


@dataclass(frozen=True, slots=True)
class Rule:
    """Holdings whose broker ``fact`` matches ``pattern`` (a regular expression, searched,
    case-insensitive) are of class ``asset_class``."""

    fact: str
    pattern: re.Pattern[str]
    asset_class: str

    def matches(self, holding: Unclassified) -> bool:
        return self.pattern.search(holding.fact(self.fact)) is not None


def make_position(
    symbol: object,
    asset_class: str,
    *,
    value: object = None,
    quantity: object = None,
    price: object = None,
    account: str | None = None,
    currency: object = None,
    facts: Mapping[str, str] | None = None,
    cash: bool = False,
    where: str,
) -> Holding:
    """A holding whose figures ``make_holding`` checks; without ``asset_class`` (empty) an
    ``Unclassified`` one, with what its source says of it (``facts``, ``cash``)."""
    # Without a class of its own, any class does for the check: the figures are checked.
    holding = make_holding(
        symbol,
        asset_class or CASH,
        value=value,
        quantity=quantity,
        price=price,
        account=account,
        currency=currency,
        where=where,
    )
    return holding if asset_class else Unclassified(holding, facts or {}, cash=cash)


class UnclassifiedError(InputError):
    """Holdings whose symbols no map, rule or fallback classifies; ``symbols`` lists them."""

    def __init__(self, symbols: list[str]) -> None:
        self.symbols = symbols
        super().__init__(
            "holdings",
            f"{len(symbols)} unclassified symbol(s): {', '.join(symbols)}; add them to "
            "[classify] symbols (`allocation-monitor classify` prints a snippet), or set "
            'classify.fallback = "other"',
        )


def class_label(raw: str, field_name: str) -> str:
    """A class (``stocks``, ``stocks/us``) or a split (``stocks:60;bonds:40``), normalised;
    ``InputError`` naming ``field_name`` if it is neither."""
    weights = weights_of(raw, field_name)
    if weights is None:
        return normalise_class(raw, field_name)
    return weights[0][0] if len(weights) == 1 else weights_text(weights)


def symbol_key(symbol: str) -> str:
    return symbol.strip().upper()


@dataclass(frozen=True, slots=True)
class Classifier:
    """An entry's classification: symbol map, rules, and a fallback class (or none)."""

    symbols: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    rules: tuple[Rule, ...] = ()
    fallback: str | None = None

    @classmethod
    def of(
        cls,
        symbols: Mapping[str, str],
        rules: Iterable[tuple[str, str, str]] = (),
        fallback: str | None = None,
        where: str = "classify",
    ) -> Classifier:
        """Validated from settings: ``rules`` as ``(fact, pattern, class)``. ``InputError``
        naming the key (``classify.symbols.VTI``) of a class or pattern that cannot work."""
        labels = {
            symbol_key(symbol): class_label(label, f"{where}.symbols.{symbol}")
            for symbol, label in symbols.items()
        }
        compiled = []
        for index, (fact, pattern, label) in enumerate(rules):
            key = f"{where}.rules[{index}]"
            if fact not in FACTS:
                raise InputError(
                    f"{key}.field", f"expected one of {', '.join(FACTS)}, got {fact!r}"
                )
            try:
                regex = re.compile(pattern, re.IGNORECASE)
            except re.error as error:
                raise InputError(f"{key}.match", f"not a regular expression: {error}") from None
            compiled.append(Rule(fact, regex, class_label(label, f"{key}.asset_class")))
        other = None if fallback is None else class_label(fallback, f"{where}.fallback")
        return cls(MappingProxyType(labels), tuple(compiled), other)

    def label_of(self, holding: Unclassified) -> str | None:
        """The class of a holding read without one, or None if nothing classifies it."""
        label = self.symbols.get(symbol_key(holding.symbol))
        if label is not None:
            return label
        for rule in self.rules:
            if rule.matches(holding):
                return rule.asset_class
        return CASH if holding.cash else self.fallback

    def unknown(self, holdings: Iterable[Holding]) -> list[str]:
        """The symbols nothing classifies, each once, in the order first read."""
        found: dict[str, None] = {}
        for holding in holdings:
            if isinstance(holding, Unclassified) and self.label_of(holding) is None:
                found[holding.symbol] = None
        return list(found)

    def classify(self, holdings: list[Holding]) -> list[Holding]:
        """Every holding with its class; ``UnclassifiedError`` naming every symbol that
        nothing classifies. Holdings that came with a class are kept as they are."""
        if not any(isinstance(h, Unclassified) for h in holdings):
            return holdings
        unknown = self.unknown(holdings)
        if unknown:
            raise UnclassifiedError(unknown)
        return [
            classified(h, self.label_of(h) or "") if isinstance(h, Unclassified) else h
            for h in holdings
        ]


def classified(holding: Unclassified, label: str) -> Holding:
    """A plain holding of class ``label`` (a split keeps its weights, as ``make_holding``
    does)."""
    weights = weights_of(label, f"holdings.{holding.symbol}.asset_class")
    values = {f.name: getattr(holding, f.name) for f in fields(Holding)}
    values |= {"asset_class": label, "weights": weights if weights and len(weights) > 1 else None}
    return Holding(**values)
